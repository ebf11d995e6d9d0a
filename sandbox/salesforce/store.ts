import { makeId } from './ids';
import { defaultObjects, type ObjectDef } from './schema';

export type SfRecord = Record<string, unknown> & { Id: string; SystemModstamp: string };
export interface RecordError { statusCode: string; message: string; fields: string[] }
export interface UpsertOutcome { id: string | null; success: boolean; errors: RecordError[]; created: boolean }

/** Salesforce's datetime form, to the second (SystemModstamp carries no milliseconds). */
export function sfDateTime(d: Date): string {
  return `${d.toISOString().slice(0, 19)}.000+0000`;
}

/** In-memory records of one org; keeps SystemModstamp/LastModifiedDate and applies required-field, duplicate and validation rules. */
export class Store {
  readonly objects = new Map<string, ObjectDef>();
  private readonly records = new Map<string, Map<string, SfRecord>>();
  private counter = 0;
  /** The org's clock; tests may pin it to make several records share one SystemModstamp. */
  now: () => Date = () => new Date();
  /** Per-record failures to inject, keyed by external-ID value. */
  readonly recordFaults = new Map<string, RecordError>();

  constructor(objects: ObjectDef[] = defaultObjects()) {
    for (const o of objects) {
      this.objects.set(o.name, o);
      this.records.set(o.name, new Map());
    }
  }

  all(object: string): SfRecord[] {
    return [...(this.records.get(object)?.values() ?? [])];
  }

  count(object: string): number {
    return this.records.get(object)?.size ?? 0;
  }

  /** Inserts records directly (no API call, no rules), for seeding tests. */
  insert(object: string, rows: Array<Record<string, unknown>>): SfRecord[] {
    const def = this.def(object);
    return rows.map((row) => this.create(def, row));
  }

  /** A copy of one object's records, for all-or-none rollback. */
  snapshot(object: string): Map<string, SfRecord> {
    return new Map([...(this.records.get(object) ?? new Map<string, SfRecord>())].map(([id, r]) => [id, { ...r }]));
  }

  restore(object: string, snapshot: Map<string, SfRecord>): void {
    this.records.set(object, snapshot);
  }

  def(object: string): ObjectDef {
    const def = this.objects.get(object);
    if (!def) throw new Error(`sObject type '${object}' is not supported.`);
    return def;
  }

  private create(def: ObjectDef, values: Record<string, unknown>): SfRecord {
    const stamp = sfDateTime(this.now());
    const id = makeId(def.keyPrefix, ++this.counter);
    const rec: SfRecord = { ...values, Id: id, IsDeleted: false, CreatedDate: stamp, LastModifiedDate: stamp, SystemModstamp: stamp };
    this.records.get(def.name)!.set(id, rec);
    return rec;
  }

  /** One record of an sObject Collections upsert by external ID. */
  upsertOne(object: string, extField: string, input: Record<string, unknown>): UpsertOutcome {
    const def = this.def(object);
    const fail = (statusCode: string, message: string, fields: string[] = []): UpsertOutcome => ({
      id: null, success: false, errors: [{ statusCode, message, fields }], created: false,
    });
    const { attributes: _attributes, ...values } = input;
    const key = values[extField];
    if (key === undefined || key === null || key === '') return fail('REQUIRED_FIELD_MISSING', `Required fields are missing: [${extField}]`, [extField]);
    const injected = this.recordFaults.get(String(key));
    if (injected) return { id: null, success: false, errors: [injected], created: false };
    const byName = new Map(def.fields.map((f) => [f.name, f]));
    for (const name of Object.keys(values)) {
      const f = byName.get(name);
      if (!f) return fail('INVALID_FIELD', `No such column '${name}' on sobject of type ${object}`, [name]);
    }
    const existing = this.all(object).find((r) => r[extField] === key);
    for (const name of Object.keys(values)) {
      const f = byName.get(name)!;
      if (name !== extField && !(existing ? f.updateable : f.createable)) {
        return fail('INVALID_FIELD_FOR_INSERT_UPDATE', `Unable to create/update fields: ${name}. Please check the security settings of this field and verify that it is read/write for your profile or permission set.`, [name]);
      }
    }
    const merged = { ...(existing ?? {}), ...values };
    const missing = def.required.filter((r) => merged[r] === undefined || merged[r] === null || merged[r] === '');
    if (missing.length) return fail('REQUIRED_FIELD_MISSING', `Required fields are missing: [${missing.join(', ')}]`, missing);
    if (object === 'Contact' && typeof merged.Email === 'string' && merged.Email) {
      const email = merged.Email.toLowerCase();
      const dup = this.all('Contact').find((r) => r !== existing && typeof r.Email === 'string' && r.Email.toLowerCase() === email);
      if (dup) return fail('DUPLICATES_DETECTED', 'Use one of these records?', []);
    }
    if (object === 'Loan__c' && typeof merged.Amount__c === 'number' && merged.Amount__c < 0) {
      return fail('FIELD_CUSTOM_VALIDATION_EXCEPTION', 'Loan amount must not be negative', ['Amount__c']);
    }
    if (existing) {
      const stamp = sfDateTime(this.now());
      Object.assign(existing, values, { LastModifiedDate: stamp, SystemModstamp: stamp });
      return { id: existing.Id, success: true, errors: [], created: false };
    }
    return { id: this.create(def, values).Id, success: true, errors: [], created: true };
  }
}
