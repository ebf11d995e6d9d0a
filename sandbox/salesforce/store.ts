import { makeId, to18 } from './ids';
import { defaultObjects, type FieldDef, type ObjectDef } from './schema';
import { ChangeCapture, updateOf, wholeRecord } from './streaming/capture';

export type SfRecord = Record<string, unknown> & { Id: string; SystemModstamp: string };
export interface RecordError {
  statusCode: string;
  message: string;
  fields: string[];
}
export interface UpsertOutcome {
  id: string | null;
  success: boolean;
  errors: RecordError[];
  created: boolean;
}

/** Salesforce's datetime form, to the second (SystemModstamp carries no milliseconds). */
export function sfDateTime(d: Date): string {
  return `${d.toISOString().slice(0, 19)}.000+0000`;
}

/** One entry of the SystemModstamp order; stale once the record changes again (its seq moves on). */
interface OrderEntry {
  t: number;
  id: string;
  seq: number;
}

const byStampThenId = (a: OrderEntry, b: OrderEntry): number => a.t - b.t || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/**
 * One object's records with the indexes a 100k-record org needs: by Id, by each external-ID / unique field, by
 * lower-cased Email (Contact duplicate rule), and an append-mostly list in (SystemModstamp, Id) order. Updates append a
 * new entry and leave the old one stale; stale entries are dropped once they outnumber live ones, so writes stay O(1)
 * amortised and an ordered read from a SystemModstamp bound is a binary search plus the records it returns.
 */
export class Table {
  readonly byId = new Map<string, SfRecord>();
  readonly unique = new Map<string, Map<string, string>>();
  readonly byEmail: Map<string, Set<string>> | null;
  private readonly seqOf = new Map<string, number>();
  private order: OrderEntry[] = [];
  private sorted = true;
  private stale = 0;
  private nextSeq = 0;

  constructor(readonly def: ObjectDef) {
    for (const f of def.fields) if (f.externalId || f.unique) this.unique.set(f.name, new Map());
    this.byEmail = def.name === 'Contact' ? new Map() : null;
  }

  index(rec: SfRecord): void {
    for (const [field, map] of this.unique) {
      const v = rec[field];
      if (v !== undefined && v !== null && v !== '') map.set(String(v), rec.Id);
    }
    if (this.byEmail && typeof rec.Email === 'string' && rec.Email) {
      const k = rec.Email.toLowerCase();
      let ids = this.byEmail.get(k);
      if (!ids) this.byEmail.set(k, (ids = new Set()));
      ids.add(rec.Id);
    }
  }

  private unindex(rec: SfRecord): void {
    for (const [field, map] of this.unique) {
      const v = rec[field];
      if (v !== undefined && v !== null && map.get(String(v)) === rec.Id) map.delete(String(v));
    }
    if (this.byEmail && typeof rec.Email === 'string') this.byEmail.get(rec.Email.toLowerCase())?.delete(rec.Id);
  }

  private stamp(rec: SfRecord): void {
    if (this.seqOf.has(rec.Id)) this.stale++;
    const entry = { t: Date.parse(rec.SystemModstamp.replace(/\+0000$/, 'Z')), id: rec.Id, seq: ++this.nextSeq };
    this.seqOf.set(rec.Id, entry.seq);
    const last = this.order[this.order.length - 1];
    if (last && byStampThenId(entry, last) < 0) this.sorted = false;
    this.order.push(entry);
    if (this.stale > 1024 && this.stale > this.byId.size) this.compact();
  }

  private compact(): void {
    this.order = this.order.filter((e) => this.seqOf.get(e.id) === e.seq);
    this.stale = 0;
  }

  /** Stores a new or replaced record (replacing: `previous` is the object now in the table). */
  put(rec: SfRecord, previous?: SfRecord): void {
    if (previous) this.unindex(previous);
    this.byId.set(rec.Id, rec);
    this.index(rec);
    this.stamp(rec);
  }

  /** Changes a record in place; `touch` has already set its new SystemModstamp. */
  change(rec: SfRecord, apply: () => void): void {
    this.unindex(rec);
    apply();
    this.index(rec);
    this.stamp(rec);
  }

  remove(id: string): void {
    const rec = this.byId.get(id);
    if (!rec) return;
    this.unindex(rec);
    this.byId.delete(id);
    this.seqOf.delete(id);
    this.stale++;
  }

  /** Live records in (SystemModstamp, Id) order, from the first whose SystemModstamp is >= `fromTime` (ms). */
  *ordered(fromTime = -Infinity): Generator<SfRecord> {
    if (!this.sorted) {
      this.compact();
      this.order.sort(byStampThenId);
      this.sorted = true;
    }
    const order = this.order;
    let lo = 0;
    let hi = order.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (order[mid]!.t < fromTime) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < order.length; i++) {
      const e = order[i]!;
      if (this.seqOf.get(e.id) === e.seq) yield this.byId.get(e.id)!;
    }
  }
}

export const fieldMaps = new WeakMap<ObjectDef, Map<string, FieldDef>>();
function fieldsByName(def: ObjectDef): Map<string, FieldDef> {
  let m = fieldMaps.get(def);
  if (!m) fieldMaps.set(def, (m = new Map(def.fields.map((f) => [f.name, f]))));
  return m;
}

/** Undo log of an all-or-none call: each touched record's earlier copy (null when the call created it). */
export type Journal = Array<{ object: string; id: string; previous: SfRecord | null }>;

/** In-memory records of one org; keeps SystemModstamp/LastModifiedDate and applies required-field, duplicate and validation rules. */
export class Store {
  readonly objects = new Map<string, ObjectDef>();
  private readonly tables = new Map<string, Table>();
  private counter = 0;
  /** The org's clock; tests may pin it to make several records share one SystemModstamp. */
  now: () => Date = () => new Date();
  /** Per-record failures to inject, keyed by external-ID value. */
  readonly recordFaults = new Map<string, RecordError>();
  /** Every committed create, update, delete and undelete, for the change events the streaming API publishes. */
  readonly capture = new ChangeCapture();
  /** Deleted records (the recycle bin), oldest deletion first; `undelete` takes one back out. */
  readonly deletions: Array<{ object: string; record: SfRecord; deletedDate: Date }> = [];

  constructor(objects: ObjectDef[] = defaultObjects()) {
    for (const o of objects) {
      this.objects.set(o.name, o);
      this.tables.set(o.name, new Table(o));
    }
  }

  table(object: string): Table {
    const t = this.tables.get(object);
    if (!t) throw new Error(`sObject type '${object}' is not supported.`);
    return t;
  }

  all(object: string): SfRecord[] {
    return [...(this.tables.get(object)?.byId.values() ?? [])];
  }

  count(object: string): number {
    return this.tables.get(object)?.byId.size ?? 0;
  }

  get(object: string, id: string): SfRecord | undefined {
    return this.tables.get(object)?.byId.get(id.length === 15 ? to18(id) : id);
  }

  /** The record whose external-ID (or unique) field holds `value`, by index. */
  findBy(object: string, field: string, value: unknown): SfRecord | undefined {
    const t = this.table(object);
    if (field === 'Id') return this.get(object, String(value));
    const index = t.unique.get(field);
    if (!index) return t.byId.size ? [...t.byId.values()].find((r) => r[field] === value) : undefined;
    const id = index.get(String(value));
    return id === undefined ? undefined : t.byId.get(id);
  }

  /** Records in (SystemModstamp, Id) order from a SystemModstamp lower bound (ms), without scanning earlier ones. */
  ordered(object: string, fromTime?: number): Iterable<SfRecord> {
    return this.table(object).ordered(fromTime);
  }

  /** Inserts records directly (no API call, no rules), for seeding tests; a row may carry its own 18-character Id. */
  insert(object: string, rows: Array<Record<string, unknown>>): SfRecord[] {
    const def = this.def(object);
    return rows.map((row) => this.create(def, row));
  }

  /**
   * Changes a record directly, as a user editing it in Salesforce would: no API call, no rules, and SystemModstamp /
   * LastModifiedDate move to the org's clock, so the next incremental read returns it.
   */
  update(object: string, id: string, changes: Record<string, unknown>): SfRecord {
    const t = this.table(object);
    const rec = this.get(object, id);
    if (!rec) throw new Error(`no ${object} with Id ${id}`);
    const known = new Set(t.def.fields.map((f) => f.name));
    const unknown = Object.keys(changes).find((k) => !known.has(k));
    if (unknown) throw new Error(`No such column '${unknown}' on sobject of type ${object}`);
    this.change(t, rec, changes);
    return rec;
  }

  /** Applies `changes` to a stored record: SystemModstamp / LastModifiedDate move on and an UPDATE is captured. */
  private change(t: Table, rec: SfRecord, changes: Record<string, unknown>): void {
    const stamp = sfDateTime(this.now());
    const before = { ...rec };
    t.change(rec, () => Object.assign(rec, changes, { LastModifiedDate: stamp, SystemModstamp: stamp }));
    this.capture.record(updateOf(t.def.name, before, rec));
  }

  /** Brings a deleted record back from the recycle bin, with a new SystemModstamp. */
  undelete(object: string, id: string): SfRecord {
    const full = id.length === 15 ? to18(id) : id;
    const at = this.deletions.findIndex((d) => d.record.Id === full && d.object === object);
    if (at < 0) throw new Error(`no deleted ${object} with Id ${id}`);
    const [bin] = this.deletions.splice(at, 1);
    const stamp = sfDateTime(this.now());
    const rec: SfRecord = { ...bin!.record, IsDeleted: false, LastModifiedDate: stamp, SystemModstamp: stamp };
    this.table(object).put(rec);
    this.capture.record(wholeRecord(object, 'UNDELETE', rec));
    return rec;
  }

  /**
   * Deletes a record into the recycle bin (as a user, `DELETE /sobjects/{X}/{id}` or `DELETE /composite/sobjects?ids=`
   * does): it leaves queries and unique keys, `GET /sobjects/{X}/deleted` lists it with its deletion time
   * (`deletions`), and a DELETE change event is captured.
   */
  delete(object: string, id: string): boolean {
    const rec = this.get(object, id);
    if (!rec) return false;
    this.table(object).remove(rec.Id);
    this.deletions.push({ object, record: { ...rec, IsDeleted: true }, deletedDate: this.now() });
    this.capture.record({ entityName: object, changeType: 'DELETE', recordId: rec.Id, fields: {}, changedFields: [] });
    return true;
  }

  def(object: string): ObjectDef {
    const def = this.objects.get(object);
    if (!def) throw new Error(`sObject type '${object}' is not supported.`);
    return def;
  }

  /** Reverts the writes of an all-or-none call, newest first. */
  rollback(journal: Journal): void {
    for (const { object, id, previous } of journal.reverse()) {
      const t = this.table(object);
      if (!previous) t.remove(id);
      else t.put(previous, t.byId.get(id));
    }
  }

  private create(def: ObjectDef, values: Record<string, unknown>): SfRecord {
    const stamp = sfDateTime(this.now());
    const given =
      typeof values.Id === 'string' && values.Id.length === 18 && values.Id.startsWith(def.keyPrefix)
        ? values.Id
        : null;
    const table = this.table(def.name);
    let id = given;
    while (id === null || (!given && table.byId.has(id))) id = makeId(def.keyPrefix, ++this.counter);
    const rec: SfRecord = {
      ...values,
      Id: id,
      IsDeleted: false,
      CreatedDate: stamp,
      LastModifiedDate: stamp,
      SystemModstamp: stamp,
    };
    if (def.name === 'User' && rec.Name === undefined)
      rec.Name = [rec.FirstName, rec.LastName].filter(Boolean).join(' ');
    table.put(rec, table.byId.get(id));
    this.capture.record(wholeRecord(def.name, 'CREATE', rec));
    return rec;
  }

  /** Checks a lookup value: an ID of the referenced object's key prefix that exists (returned in 18-character form). */
  private checkReference(f: FieldDef, value: unknown): { id: string } | RecordError {
    const targets = f.referenceTo ?? [];
    const s = typeof value === 'string' ? value : '';
    const prefixOk =
      (s.length === 15 || s.length === 18) &&
      /^[A-Za-z0-9]+$/.test(s) &&
      targets.some((o) => this.objects.get(o)?.keyPrefix === s.slice(0, 3));
    if (!prefixOk)
      return {
        statusCode: 'FIELD_INTEGRITY_EXCEPTION',
        message: `${f.label}: id value of incorrect type: ${String(value)}`,
        fields: [f.name],
      };
    const id = s.length === 15 ? to18(s) : s;
    if (!targets.some((o) => this.get(o, id)))
      return { statusCode: 'INVALID_CROSS_REFERENCE_KEY', message: `invalid cross reference id`, fields: [f.name] };
    return { id };
  }

  /** One record of an upsert by external ID (sObject Collections or a Bulk API 2.0 job). */
  upsertOne(object: string, extField: string, input: Record<string, unknown>, journal?: Journal): UpsertOutcome {
    const def = this.def(object);
    const t = this.table(object);
    const fail = (statusCode: string, message: string, fields: string[] = []): UpsertOutcome => ({
      id: null,
      success: false,
      errors: [{ statusCode, message, fields }],
      created: false,
    });
    const { attributes: _attributes, ...values } = input;
    const key = values[extField];
    if (key === undefined || key === null || key === '')
      return fail('REQUIRED_FIELD_MISSING', `Required fields are missing: [${extField}]`, [extField]);
    const injected = this.recordFaults.get(String(key));
    if (injected) return { id: null, success: false, errors: [injected], created: false };
    const byName = fieldsByName(def);
    for (const name of Object.keys(values)) {
      const f = byName.get(name);
      if (!f) return fail('INVALID_FIELD', `No such column '${name}' on sobject of type ${object}`, [name]);
    }
    const existing = this.findBy(object, extField, key);
    for (const name of Object.keys(values)) {
      const f = byName.get(name)!;
      if (name !== extField && !(existing ? f.updateable : f.createable)) {
        return fail(
          'INVALID_FIELD_FOR_INSERT_UPDATE',
          `Unable to create/update fields: ${name}. Please check the security settings of this field and verify that it is read/write for your profile or permission set.`,
          [name],
        );
      }
      const v = values[name];
      if (v === null || v === undefined || v === '') continue;
      if (f.type === 'reference' && f.referenceTo?.length) {
        const checked = this.checkReference(f, v);
        if ('statusCode' in checked) return { id: null, success: false, errors: [checked], created: false };
        values[name] = checked.id;
      }
      if (f.restrictedPicklist && !f.picklistValues.some((p) => p.value === v)) {
        return fail(
          'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST',
          `${f.label}: bad value for restricted picklist field: ${String(v)}`,
          [name],
        );
      }
    }
    const merged = { ...(existing ?? {}), ...values };
    const missing = def.required.filter((r) => merged[r] === undefined || merged[r] === null || merged[r] === '');
    if (missing.length)
      return fail('REQUIRED_FIELD_MISSING', `Required fields are missing: [${missing.join(', ')}]`, missing);
    for (const [field, index] of t.unique) {
      const v = values[field];
      if (field === extField || v === undefined || v === null || v === '') continue;
      const holder = index.get(String(v));
      if (holder && holder !== existing?.Id)
        return fail(
          'DUPLICATE_VALUE',
          `duplicate value found: ${field} duplicates value on record with id: ${holder}`,
          [field],
        );
    }
    if (t.byEmail && typeof merged.Email === 'string' && merged.Email) {
      const same = t.byEmail.get(merged.Email.toLowerCase());
      if (same && [...same].some((id) => id !== existing?.Id))
        return fail('DUPLICATES_DETECTED', 'Use one of these records?', []);
    }
    if (object === 'Loan__c' && typeof merged.Amount__c === 'number' && merged.Amount__c < 0) {
      return fail('FIELD_CUSTOM_VALIDATION_EXCEPTION', 'Loan amount must not be negative', ['Amount__c']);
    }
    if (existing) {
      journal?.push({ object, id: existing.Id, previous: { ...existing } });
      this.change(t, existing, values);
      return { id: existing.Id, success: true, errors: [], created: false };
    }
    const { Id: _ignored, ...fresh } = values;
    const created = this.create(def, fresh);
    journal?.push({ object, id: created.Id, previous: null });
    return { id: created.Id, success: true, errors: [], created: true };
  }
}
