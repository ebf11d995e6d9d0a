/**
 * Generates a deterministic legacy-CRM export (one CSV per table), a HubSpot mirror of the same data
 * (one CSV per table) with realistic drift, and `truth.json`, the answer key the reconcile engine is checked
 * against. Everything is streamed: memory stays bounded whatever the number of companies, because every
 * record is a pure function of (seed, table, index) and references are computed, never looked up.
 */
import { once } from 'node:events';
import { createReadStream, createWriteStream, mkdirSync, rmSync, statSync, type WriteStream } from 'node:fs';
import path from 'node:path';
import iconv from 'iconv-lite';
import { builtInMapping } from '../mapping/load-mapping';
import { ObjectMapper } from '../mapping/object-mapper';
import { diffProperties } from '../reconcile/classify';
import { FORMAL_NAME, NICKNAMES } from './data';
import { MIRROR_TABLES, mirrorColumnNames, type MirrorTableName } from './mirror-schema';
import {
  countNewlines,
  csvField,
  csvRow,
  dateTimeVariant,
  dateVariant,
  dmy,
  dmyTime,
  emailVariant,
  gbNational,
  hasNonAscii,
  isoInstant,
  companyNameVariant,
  mojibake,
  moneyVariant,
  pgTimestamp,
  phoneVariant,
  thousands,
  typo,
  webVariant,
  whitespaceVariant,
  dayOf,
} from './formats';
import {
  EXAMPLE_OBJECTS,
  ENTITY_MAKERS,
  companyEntity,
  objectDefs,
  type Entity,
  type ExampleObject,
  type FieldDef,
  type ObjectDef,
  type Parent,
} from './objects';
import { Random, unitFor } from './random';

export { EXAMPLE_OBJECTS, type ExampleObject } from './objects';

export type RecordStatus = 'matched' | 'fuzzy_match' | 'new' | 'conflict' | 'orphan';
export type QuarantineKind = 'too_many_fields' | 'too_few_fields' | 'missing_id' | 'duplicate_id';

export interface GenerateExampleOptions {
  seed: number;
  outDir: string;
  companies: number;
  /** Average persons per company (default 1.5). */
  personsPerCompany?: number;
  /** Average opportunities per company (default 1.25). */
  opportunitiesPerCompany?: number;
  /** Average communications per company (default 2). */
  communicationsPerCompany?: number;
  /** Tables to write (default all four). */
  objects?: ExampleObject[];
  /** `counts` leaves the per-record answer key out of truth.json (for very large runs). */
  truth?: 'full' | 'counts';
  /** Called every 10,000 legacy records and at the end of each table. */
  onProgress?(object: ExampleObject, records: number): void;
}

export interface QuarantinedRow {
  line: number;
  legacyId: string | null;
  kind: QuarantineKind;
}

export interface ObjectSummary {
  file: string;
  mirrorFile: string;
  dataRecords: number;
  statuses: Record<RecordStatus, number>;
  unlinkedTargets: number;
  mirrorRows: number;
  quarantinedCount: number;
  fieldIssueCount: number;
  duplicateCount: number;
}

export interface GenerateExampleResult {
  outDir: string;
  truthFile: string;
  files: Array<{ path: string; bytes: number }>;
  objects: Partial<Record<ExampleObject, ObjectSummary>>;
}

// Rates of the injected mess (per legacy record unless noted).
const P_NEW = 0.085;
/** Companies and contacts only: no mirror record carries the legacy ID, but one without it is the same entity. */
const P_FUZZY = 0.04;
const FUZZY_OBJECTS: ReadonlySet<ExampleObject> = new Set(['companies', 'contacts']);
const P_CONFLICT = 0.012;
const P_CONFLICT_THREE = 0.2;
const P_ORPHAN = 0.03;
const P_ORPHAN_TWICE = 0.12;
const P_UNLINKED = 0.05;
const P_DUPLICATE_COMPANY = 0.02;
const P_DRIFT = 0.15;
const P_LEGACY_FORMAT = 0.15; // per field
const P_MIRROR_FORMAT = 0.1; // per field
const P_LEGACY_BLANK = 0.07;
const P_FIELD_ISSUE = 0.005;
const P_MOJIBAKE = 0.12; // of matched companies whose name has non-ASCII letters
const DUPLICATE_DELAY = 3;

const FLUSH_AT = 1 << 18;
/** Days within which the mirror records were created (the first sync to HubSpot). */
const SYNC_FROM = dayOf('2021-01-04');
const SYNC_TO = dayOf('2023-12-29');

// ---------------------------------------------------------------------------------------------
// output

class Sink {
  private readonly stream: WriteStream;
  private chunks: string[] = [];
  private size = 0;
  private error: Error | undefined;
  /** Physical line on which the next record starts (the header is line 1). */
  line = 1;

  constructor(
    readonly file: string,
    private readonly encoding: 'utf8' | 'win1252' = 'utf8',
    bom = false,
  ) {
    this.stream = createWriteStream(file);
    this.stream.on('error', (e) => {
      this.error = e;
    });
    if (bom) this.stream.write(Buffer.from([0xef, 0xbb, 0xbf]));
  }

  write(text: string): void {
    this.chunks.push(text);
    this.size += text.length;
  }

  /** Writes one record and returns the physical line it starts on. */
  record(text: string): number {
    const start = this.line;
    this.write(text);
    this.line += countNewlines(text);
    return start;
  }

  async flush(force = false): Promise<void> {
    if (this.error) throw this.error;
    if (this.size === 0 || (!force && this.size < FLUSH_AT)) return;
    const text = this.chunks.join('');
    this.chunks = [];
    this.size = 0;
    const bytes = this.encoding === 'win1252' ? iconv.encode(text, 'win1252') : Buffer.from(text, 'utf8');
    if (!this.stream.write(bytes)) await once(this.stream, 'drain');
  }

  async close(): Promise<void> {
    await this.flush(true);
    this.stream.end();
    await once(this.stream, 'close');
    if (this.error) throw this.error;
  }
}

// ---------------------------------------------------------------------------------------------
// how values are written

function legacyValue(f: FieldDef, v: string, r: Random, e: Entity, variant: boolean): string {
  if (v === '') return '';
  switch (f.kind) {
    case 'text':
      return variant ? whitespaceVariant(v, r) : v;
    case 'upper':
      return variant ? (r.chance(0.7) ? v.toLowerCase() : whitespaceVariant(v.toLowerCase(), r)) : v;
    case 'email':
      return variant ? emailVariant(v, r) : v;
    case 'phone':
      if (variant) return phoneVariant(v, r);
      return v.startsWith('+44 ') ? gbNational(v) : v;
    case 'int':
      return variant ? (Number(v) >= 1000 ? thousands(v) : ` ${v}`) : v;
    case 'money':
      return variant ? moneyVariant(v, e._symbol ?? '£', r) : v;
    case 'date':
      return variant ? dateVariant(v, r) : dmy(v);
    case 'datetime':
      return variant ? dateTimeVariant(v, r) : dmyTime(v);
    case 'map': {
      const labels = f.labels?.get(v);
      if (!labels || labels.length === 0) throw new Error(`no legacy label for ${f.col} = ${v}`);
      const label = r.pick(labels);
      if (!variant) return label;
      return r.pick([label.toLowerCase(), label.toUpperCase(), ` ${label} `]);
    }
    case 'web':
      return variant ? webVariant(v, r) : v;
    case 'note':
      return variant ? v.replace(/\n/g, () => r.pick(['\r\n', '\n\n', '  '])) + (r.chance(0.5) ? '\n' : ' ') : v;
    case 'ref':
    case 'raw':
      return v;
  }
}

function mirrorValue(f: FieldDef, target: string, v: string, r: Random, variant: boolean): string {
  if (v === '') return '';
  switch (f.kind) {
    case 'phone':
      if (!variant) return v;
      return v.startsWith('+44 ') && r.chance(0.5) ? gbNational(v) : v.replace(/ /g, '');
    case 'datetime':
      return variant ? pgTimestamp(v) : v;
    case 'web': {
      if (target === 'domain') return v.replace(/^www\./, '');
      return variant ? `https://${v}/` : `https://${v}`;
    }
    case 'note':
      return variant ? v.replace(/\n/g, ' ') : v;
    default:
      return v;
  }
}

type Mode = 'matched' | 'new' | 'conflict' | 'plain';

interface Rendered {
  legacy: Record<string, string>;
  mirror: Record<string, string>;
  updates: Set<string>;
  issues: string[];
}

function render(def: ObjectDef, e: Entity, r: Random, mode: Mode): Rendered {
  const legacy: Record<string, string> = {};
  const mirror: Record<string, string> = {};
  const plain = mode === 'plain';
  for (const f of def.fields) {
    const v = e[f.col] ?? '';
    legacy[f.col] = legacyValue(f, v, r, e, !plain && r.chance(P_LEGACY_FORMAT));
    for (const t of f.to) mirror[t] = mirrorValue(f, t, v, r, r.chance(P_MIRROR_FORMAT));
  }
  const updates = new Set<string>();
  const issues: string[] = [];
  if (plain) return { legacy, mirror, updates, issues };

  const touched = new Set<string>();
  const mapped = def.fields.filter((f) => f.to.length > 0 && !f.fixed);
  const filled = mapped.filter((f) => (e[f.col] ?? '') !== '');

  if ((mode === 'matched' || mode === 'new') && r.chance(P_FIELD_ISSUE)) {
    const candidates = mapped.filter((f) => f.bad && f.bad.length > 0);
    if (candidates.length) {
      const f = r.pick(candidates);
      legacy[f.col] = r.pick(f.bad ?? []);
      issues.push(f.col);
      touched.add(f.col);
    }
  }
  if (r.chance(P_LEGACY_BLANK)) {
    for (const f of r.sample(
      filled.filter((x) => !touched.has(x.col)),
      r.int(1, 2),
    )) {
      legacy[f.col] = '';
      touched.add(f.col);
    }
  }
  if (mode === 'matched') {
    const name = e.Comp_Name;
    if (def.object === 'companies' && name && hasNonAscii(name) && !touched.has('Comp_Name') && r.chance(P_MOJIBAKE)) {
      legacy.Comp_Name = mojibake(name);
      updates.add('name');
      touched.add('Comp_Name');
    }
    if (r.chance(P_DRIFT)) {
      for (const f of r.sample(
        filled.filter((x) => !touched.has(x.col)),
        r.int(1, 3),
      )) {
        touched.add(f.col);
        if (f.drift && r.chance(0.65)) {
          const next = f.drift(e[f.col] ?? '', r, e);
          if (next !== null && next !== '' && next !== e[f.col]) {
            for (const t of f.to) {
              mirror[t] = mirrorValue(f, t, next, r, false);
              updates.add(t);
            }
            continue;
          }
        }
        // The mirror lost the value: a blank target is always an update when the legacy side has one.
        const targets = f.to.length > 1 && r.chance(0.5) ? [r.pick(f.to)] : f.to;
        for (const t of targets) {
          mirror[t] = '';
          updates.add(t);
        }
      }
    }
  }
  if (mode === 'new') {
    // Everything the legacy record holds (reference columns included) is new to the target.
    for (const f of def.fields) {
      if (f.to.length > 0 && (legacy[f.col] ?? '').trim() !== '' && !issues.includes(f.col))
        for (const t of f.to) updates.add(t);
    }
  }
  return { legacy, mirror, updates, issues };
}

// ---------------------------------------------------------------------------------------------
// record layout

function personsOf(seed: number, i: number, mean: number, stream: string): number {
  const base = Math.floor(mean);
  let k = base + (unitFor(seed, `${stream}:a`, i) < mean - base ? 1 : 0);
  const u = unitFor(seed, `${stream}:b`, i);
  if (u < 0.2 && k > 0) k -= 1;
  else if (u < 0.4 && k > 0) k += 1;
  return k;
}

function statusOf(seed: number, object: ExampleObject, j: number): 'matched' | 'new' | 'conflict' | 'fuzzy' {
  const u = unitFor(seed, `status:${object}`, j);
  // Taken from the top of the range, so the new and conflict records stay those of earlier example data.
  if (FUZZY_OBJECTS.has(object) && u >= 1 - P_FUZZY) return 'fuzzy';
  return u < P_NEW ? 'new' : u < P_NEW + P_CONFLICT ? 'conflict' : 'matched';
}

/** Legacy IDs: record j owns the pair idBase + 2j and idBase + 2j + 1, one for itself, the other a "deleted" gap. */
function legacyId(seed: number, def: ObjectDef, j: number, gap = false): string {
  const bit = unitFor(seed, `idbit:${def.object}`, j) < 0.5 ? 0 : 1;
  return String(def.idBase + 2 * j + (gap ? 1 - bit : bit));
}

interface QuarantinePlan {
  at: Map<number, Array<{ kind: QuarantineKind; firstOf?: number }>>;
}

function planQuarantine(seed: number, object: ExampleObject, n: number): QuarantinePlan {
  const at = new Map<number, Array<{ kind: QuarantineKind; firstOf?: number }>>();
  const per = n >= 50 ? Math.max(2, Math.round(Math.sqrt(n) / 16)) : n >= 8 ? 1 : 0;
  const kinds: QuarantineKind[] = ['too_many_fields', 'too_few_fields', 'missing_id', 'duplicate_id'];
  const usedFirst = new Set<number>();
  for (const kind of kinds) {
    for (let k = 0; k < per; k++) {
      const u = unitFor(seed, `quarantine:${object}:${kind}`, k);
      const pos = Math.min(n - 1, Math.floor(((k + 0.1 + 0.8 * u) * n) / per));
      let firstOf: number | undefined;
      if (kind === 'duplicate_id') {
        // The ID repeated is that of an earlier record with no mirror record (status new): the first occurrence is kept.
        for (let j = pos; j >= 0 && j > pos - 20_000; j--) {
          if (!usedFirst.has(j) && statusOf(seed, object, j) === 'new') {
            firstOf = j;
            break;
          }
        }
        if (firstOf === undefined) continue;
        usedFirst.add(firstOf);
      }
      const list = at.get(pos) ?? [];
      list.push({ kind, firstOf });
      at.set(pos, list);
    }
  }
  return { at };
}

// ---------------------------------------------------------------------------------------------
// one table

interface Totals {
  companies: number;
  contacts: number;
  deals: number;
  engagements: number;
}

interface Layout {
  seed: number;
  companies: number;
  personsPerCompany: number;
  opportunitiesPerCompany: number;
  communicationsPerCompany: number;
  totals: Totals;
}

function childCounts(layout: Layout, i: number): { persons: number; deals: number; comms: number } {
  return {
    persons: personsOf(layout.seed, i, layout.personsPerCompany, 'persons'),
    deals: personsOf(layout.seed, i, layout.opportunitiesPerCompany, 'deals'),
    comms: personsOf(layout.seed, i, layout.communicationsPerCompany, 'comms'),
  };
}

class TableRun {
  private readonly def: ObjectDef;
  private readonly seed: number;
  private readonly n: number;
  private readonly full: boolean;
  private readonly legacy: Sink;
  private readonly mirror: Sink;
  private readonly records: Sink | undefined;
  private recordCount = 0;
  private readonly mirrorColumns: string[];
  private readonly propertyOrder: Map<string, number>;
  private readonly plan: QuarantinePlan;
  private readonly mapper: ObjectMapper;
  private extraCounter = 0;
  private hsCounter = 0;
  private badCounter = 0;
  readonly quarantined: QuarantinedRow[] = [];
  readonly fieldIssues: Array<{ legacyId: string; field: string }> = [];
  /** Mirror records without a legacy ID that copy a legacy record's entity: HubSpot ID -> legacy ID. */
  readonly unlinkedCopies: Array<[string, string]> = [];
  readonly summary: ObjectSummary;

  constructor(
    readonly object: ExampleObject,
    private readonly layout: Layout,
    outDir: string,
    truth: 'full' | 'counts',
  ) {
    this.def = objectDefs()[object];
    this.seed = layout.seed;
    this.n = layout.totals[object];
    this.full = truth === 'full';
    const def = this.def;
    const legacyDir = path.join(outDir, 'legacy-export');
    const mirrorDir = path.join(outDir, 'hubspot-mirror');
    this.legacy = new Sink(
      path.join(legacyDir, def.file),
      def.encoding === 'win1252' ? 'win1252' : 'utf8',
      def.encoding === 'utf8-bom',
    );
    this.mirror = new Sink(path.join(mirrorDir, `${def.table}.csv`));
    this.records = this.full ? new Sink(path.join(outDir, `.truth-${object}.tmp`)) : undefined;
    this.mirrorColumns = mirrorColumnNames(def.table as MirrorTableName);
    const spec = builtInMapping().config.objects[object];
    this.propertyOrder = new Map((spec?.properties ?? []).map((p, i) => [p.to, i]));
    this.mapper = new ObjectMapper(builtInMapping().config, object);
    for (const f of def.fields) {
      for (const t of f.to)
        if (!this.mirrorColumns.includes(t)) throw new Error(`mirror table ${def.table} lacks column ${t}`);
    }
    this.plan = planQuarantine(this.seed, object, this.n);
    this.summary = {
      file: def.file,
      mirrorFile: `${def.table}.csv`,
      dataRecords: 0,
      statuses: { matched: 0, fuzzy_match: 0, new: 0, conflict: 0, orphan: 0 },
      unlinkedTargets: 0,
      mirrorRows: 0,
      quarantinedCount: 0,
      fieldIssueCount: 0,
      duplicateCount: 0,
    };
    this.legacy.record(csvRow([def.idColumn, ...def.fields.map((f) => f.col)], def.delimiter, def.eol));
    this.mirror.record(csvRow(this.mirrorColumns, ',', '\n'));
  }

  async run(onProgress?: (object: ExampleObject, records: number) => void): Promise<void> {
    const { layout, object } = this;
    let j = 0;
    let personCursor = 0;
    let dealCursor = 0;
    const contactsDef = objectDefs().contacts;
    const dealsDef = objectDefs().deals;
    for (let i = 0; i < layout.companies; i++) {
      const counts = childCounts(layout, i);
      const count =
        object === 'companies'
          ? 1
          : object === 'contacts'
            ? counts.persons
            : object === 'deals'
              ? counts.deals
              : counts.comms;
      if (count > 0) {
        const company = object === 'companies' ? {} : companyEntity(this.seed, i);
        const parent: Parent = {
          index: i,
          company,
          companyId: legacyId(this.seed, objectDefs().companies, i),
          personStart: personCursor,
          persons: counts.persons,
          dealStart: dealCursor,
          deals: counts.deals,
          personId: (p) => legacyId(this.seed, contactsDef, p),
          dealId: (d) => legacyId(this.seed, dealsDef, d),
        };
        for (let k = 0; k < count; k++, j++) {
          this.primary(j, parent);
          if (onProgress && (j + 1) % 10_000 === 0) onProgress(object, j + 1);
        }
      }
      personCursor += counts.persons;
      dealCursor += counts.deals;
      await this.legacy.flush();
      await this.mirror.flush();
      if (this.records) await this.records.flush();
    }
    await this.legacy.close();
    await this.mirror.close();
    if (this.records) await this.records.close();
    onProgress?.(object, j);
  }

  private nextExtraId(): string {
    return String(this.def.idBase + 2 * this.n + 10 + this.extraCounter++);
  }

  private entity(j: number, parent: Parent, stream?: string): Entity {
    return ENTITY_MAKERS[this.object](this.seed, j, parent, stream);
  }

  private writeLegacy(id: string, values: Record<string, string>): number {
    this.summary.dataRecords++;
    const row = [id, ...this.def.fields.map((f) => values[f.col] ?? '')];
    return this.legacy.record(csvRow(row, this.def.delimiter, this.def.eol));
  }

  private writeMirror(legacyIdValue: string, values: Record<string, string>, r: Random): string {
    const hs = String(this.def.hsBase + this.hsCounter++ * 13 + r.int(0, 12));
    const created = r.int(SYNC_FROM, SYNC_TO);
    const createdAt = isoInstant(created, r.int(0, 1439), r.int(0, 59));
    const modifiedAt = new Date(Date.parse(createdAt) + r.int(1, 360 * 1440) * 60_000)
      .toISOString()
      .replace('.000Z', 'Z');
    const row = this.mirrorColumns.map((c) => {
      if (c === 'hs_object_id') return hs;
      if (c === this.def.legacyIdColumn) return legacyIdValue;
      if (c === 'createdate') return createdAt;
      if (c === this.def.modifiedColumn) return modifiedAt;
      return values[c] ?? '';
    });
    this.mirror.record(csvRow(row, ',', '\n'));
    this.summary.mirrorRows++;
    return hs;
  }

  private truthRecord(
    id: string,
    status: RecordStatus,
    targetIds: string[],
    updates: Set<string>,
    duplicateOf?: string,
  ): void {
    this.summary.statuses[status]++;
    if (!this.records) return;
    const ordered = [...updates].sort((a, b) => (this.propertyOrder.get(a) ?? 0) - (this.propertyOrder.get(b) ?? 0));
    const body: Record<string, unknown> = { status, targetIds, updates: ordered };
    if (duplicateOf !== undefined) body.duplicateOf = duplicateOf;
    this.records.write(`${this.recordCount++ === 0 ? '' : ',\n'}${JSON.stringify(id)}:${JSON.stringify(body)}`);
  }

  private noteIssues(id: string, issues: string[]): void {
    this.summary.fieldIssueCount += issues.length;
    if (this.full) for (const field of issues) this.fieldIssues.push({ legacyId: id, field });
  }

  private quarantine(line: number, legacyIdValue: string | null, kind: QuarantineKind): void {
    this.summary.quarantinedCount++;
    if (this.full) this.quarantined.push({ line, legacyId: legacyIdValue, kind });
  }

  private primary(j: number, parent: Parent): void {
    const { seed, def, object } = this;
    const status = statusOf(seed, object, j);
    const r = Random.for(seed, `plan:${object}`, j);
    const e = this.entity(j, parent);
    const id = legacyId(seed, def, j);
    const rd = render(def, e, r, status === 'fuzzy' ? 'new' : status);
    this.writeLegacy(id, rd.legacy);
    this.noteIssues(id, rd.issues);
    if (status === 'matched') {
      const hs = this.writeMirror(id, rd.mirror, r);
      this.truthRecord(id, 'matched', [hs], rd.updates);
    } else if (status === 'fuzzy') {
      const copy = this.keyedInAgain(e, r);
      const hs = this.writeMirror('', copy, r);
      this.summary.unlinkedTargets++;
      this.unlinkedCopies.push([hs, id]);
      this.truthRecord(id, 'fuzzy_match', [hs], this.updatesAgainst(id, rd.legacy, copy));
    } else if (status === 'new') {
      // Written after the unlinked copies below: a copy of this very record makes it a fuzzy match instead.
    } else {
      const copies = r.chance(P_CONFLICT_THREE) ? 3 : 2;
      const ids = [this.writeMirror(id, rd.mirror, r)];
      for (let c = 1; c < copies; c++) ids.push(this.writeMirror(id, this.variantMirror(e, r), r));
      this.truthRecord(id, 'conflict', ids, new Set());
    }

    if (unitFor(seed, `orphan:${object}`, j) < P_ORPHAN) {
      const orphanId = legacyId(seed, def, j, true);
      const ro = Random.for(seed, `orphan-plan:${object}`, j);
      const oe = this.entity(j, parent, `orphan:${object}`);
      const ids = [this.writeMirror(orphanId, render(def, oe, ro, 'plain').mirror, ro)];
      if (ro.chance(P_ORPHAN_TWICE)) ids.push(this.writeMirror(orphanId, this.variantMirror(oe, ro), ro));
      this.truthRecord(orphanId, 'orphan', ids, new Set());
    }
    let copyOfNew: { hs: string; values: Record<string, string> } | undefined;
    if (unitFor(seed, `unlinked:${object}`, j) < P_UNLINKED) {
      const ru = Random.for(seed, `unlinked-plan:${object}`, j);
      // Half are HubSpot-side copies of this very record, entered by hand without the legacy ID.
      const same = ru.chance(0.5);
      const ue = same ? e : this.entity(j, parent, `unlinked:${object}`);
      const values = this.variantMirror(ue, ru);
      const hs = this.writeMirror('', values, ru);
      this.summary.unlinkedTargets++;
      if (same) this.unlinkedCopies.push([hs, id]);
      if (same && status === 'new' && FUZZY_OBJECTS.has(object)) copyOfNew = { hs, values };
    }
    if (status === 'new') {
      if (copyOfNew)
        this.truthRecord(id, 'fuzzy_match', [copyOfNew.hs], this.updatesAgainst(id, rd.legacy, copyOfNew.values));
      else this.truthRecord(id, 'new', [], rd.updates);
    }
    if (
      object === 'companies' &&
      j >= DUPLICATE_DELAY &&
      unitFor(seed, 'duplicate:companies', j - DUPLICATE_DELAY) < P_DUPLICATE_COMPANY
    ) {
      this.duplicateCompany(j - DUPLICATE_DELAY);
    }
    for (const q of this.plan.at.get(j) ?? []) this.badRow(q.kind, q.firstOf, parent);
  }

  /**
   * The same company or person typed into HubSpot by hand, without the legacy ID: a company name with another legal
   * suffix, `&` for `and`, capitals or a typo; a person under a nickname (or the formal name), a misspelt surname; a
   * phone, e-mail or street that was never filled in. Values are then written the way the mirror writes them.
   */
  private keyedInAgain(e: Entity, r: Random): Record<string, string> {
    const copy = { ...e };
    if (this.object === 'companies') {
      const name = e.Comp_Name ?? '';
      copy.Comp_Name = r.chance(0.75) ? companyNameVariant(name, r) : typo(name, r);
      if (r.chance(0.25)) copy.Comp_PhoneFullNumber = '';
      if (r.chance(0.2)) copy.Addr_Address1 = '';
    } else {
      const first = e.Pers_FirstName ?? '';
      const other = NICKNAMES[first] ? r.pick(NICKNAMES[first]) : FORMAL_NAME[first];
      if (other && r.chance(0.7)) copy.Pers_FirstName = other;
      else if (r.chance(0.3)) copy.Pers_FirstName = typo(first, r);
      if (r.chance(0.2)) copy.Pers_LastName = typo(e.Pers_LastName ?? '', r);
      if (r.chance(0.15)) copy.Pers_EmailAddress = '';
      if (r.chance(0.3)) copy.Pers_PhoneFullNumber = '';
    }
    return render(this.def, copy, r, 'plain').mirror;
  }

  /**
   * The properties a fuzzy match would update. Which fields of a hand-typed copy differ in canonical form is not known
   * by construction (a nickname, a suffix), so the product's own diff decides; truth-oracle.test.ts re-derives it from
   * the files independently.
   */
  private updatesAgainst(id: string, legacy: Record<string, string>, mirror: Record<string, string>): Set<string> {
    const { values } = this.mapper.map({ [this.def.idColumn]: id, ...legacy });
    const target = Object.fromEntries(Object.entries(mirror).map(([k, v]) => [k, v === '' ? null : v]));
    return new Set(Object.keys(diffProperties(this.mapper, values, target)));
  }

  /** Another copy of a record as HubSpot holds it: same data, written differently, one field changed or lost. */
  private variantMirror(e: Entity, r: Random): Record<string, string> {
    const out = render(this.def, e, r, 'plain').mirror;
    const candidates = this.def.fields.filter((f) => f.to.length > 0 && !f.fixed && (e[f.col] ?? '') !== '');
    if (candidates.length && r.chance(0.7)) {
      const f = r.pick(candidates);
      const next = f.drift?.(e[f.col] ?? '', r, e) ?? null;
      for (const t of f.to) out[t] = next === null ? '' : mirrorValue(f, t, next, r, false);
    }
    return out;
  }

  private duplicateCompany(original: number): void {
    const r = Random.for(this.seed, 'duplicate-plan:companies', original);
    const e = { ...companyEntity(this.seed, original) };
    e.Comp_Name = companyNameVariant(e.Comp_Name ?? '', r);
    const id = this.nextExtraId();
    const rd = render(this.def, e, r, 'new');
    this.writeLegacy(id, rd.legacy);
    this.noteIssues(id, rd.issues);
    this.summary.duplicateCount++;
    this.truthRecord(id, 'new', [], rd.updates, legacyId(this.seed, this.def, original));
  }

  private badRow(kind: QuarantineKind, firstOf: number | undefined, parent: Parent): void {
    const { def } = this;
    const n = this.badCounter++;
    const r = Random.for(this.seed, `bad-row:${this.object}:${kind}`, n);
    const e = this.entity(n, parent, `bad-row:${this.object}`);
    const values = render(def, e, r, 'plain').legacy;
    let id: string;
    if (kind === 'missing_id') id = '';
    else if (kind === 'duplicate_id') id = legacyId(this.seed, def, firstOf ?? 0);
    else id = this.nextExtraId();
    const cells = [id, ...def.fields.map((f) => values[f.col] ?? '')].map((v) => csvField(v, def.delimiter));
    if (kind === 'too_many_fields') {
      // A value holding the delimiter, written without quotes: the row splits into one field too many.
      const ci = 1 + def.fields.findIndex((f) => f.col === def.corruptColumn);
      const clean =
        (values[def.corruptColumn] ?? '')
          .replace(/["\r\n,;\t]/g, ' ')
          .replace(/\s+/g, ' ')
          .trim() || 'General';
      const extra = { companies: 'Unit 4', contacts: 'Sales', deals: 'urgent', engagements: 'urgent' }[this.object];
      cells[ci] = `${clean}${def.delimiter}${def.delimiter === '\t' ? '' : ' '}${extra}`;
    } else if (kind === 'too_few_fields') {
      cells.splice(r.int(2, cells.length - 1), 1);
    }
    this.summary.dataRecords++;
    const line = this.legacy.record(cells.join(def.delimiter) + def.eol);
    this.quarantine(line, id === '' ? null : id, kind);
  }
}

// ---------------------------------------------------------------------------------------------
// entry point

export async function generateExample(opts: GenerateExampleOptions): Promise<GenerateExampleResult> {
  const seed = opts.seed >>> 0;
  if (!Number.isInteger(opts.companies) || opts.companies < 1) throw new Error('companies must be a positive integer');
  const objects = EXAMPLE_OBJECTS.filter((o) => !opts.objects || opts.objects.includes(o));
  if (objects.length === 0) throw new Error(`objects must name at least one of ${EXAMPLE_OBJECTS.join(', ')}`);
  const truth = opts.truth ?? 'full';
  const layout: Layout = {
    seed,
    companies: opts.companies,
    personsPerCompany: opts.personsPerCompany ?? 1.5,
    opportunitiesPerCompany: opts.opportunitiesPerCompany ?? 1.25,
    communicationsPerCompany: opts.communicationsPerCompany ?? 2,
    totals: { companies: opts.companies, contacts: 0, deals: 0, engagements: 0 },
  };
  for (let i = 0; i < layout.companies; i++) {
    const c = childCounts(layout, i);
    layout.totals.contacts += c.persons;
    layout.totals.deals += c.deals;
    layout.totals.engagements += c.comms;
  }

  const outDir = path.resolve(opts.outDir);
  mkdirSync(path.join(outDir, 'legacy-export'), { recursive: true });
  mkdirSync(path.join(outDir, 'hubspot-mirror'), { recursive: true });
  const runs: TableRun[] = [];
  const files: string[] = [];
  for (const object of objects) {
    const run = new TableRun(object, layout, outDir, truth);
    await run.run(opts.onProgress);
    runs.push(run);
    const def = objectDefs()[object];
    files.push(path.join(outDir, 'legacy-export', def.file), path.join(outDir, 'hubspot-mirror', `${def.table}.csv`));
  }

  const truthFile = path.join(outDir, 'truth.json');
  await writeTruth(truthFile, outDir, seed, layout, truth, runs);
  files.push(truthFile);
  return {
    outDir,
    truthFile,
    files: files.map((p) => ({ path: p, bytes: statSync(p).size })),
    objects: Object.fromEntries(runs.map((r) => [r.object, r.summary])),
  };
}

async function writeTruth(
  file: string,
  outDir: string,
  seed: number,
  layout: Layout,
  truth: 'full' | 'counts',
  runs: TableRun[],
): Promise<void> {
  const out = new Sink(file);
  const j = (v: unknown) => JSON.stringify(v);
  out.write(`{\n  "seed": ${seed},\n  "generatedBy": "scripts/generate-example-data.ts",\n`);
  out.write(
    `  "options": ${j({
      companies: layout.companies,
      personsPerCompany: layout.personsPerCompany,
      opportunitiesPerCompany: layout.opportunitiesPerCompany,
      communicationsPerCompany: layout.communicationsPerCompany,
      truth,
    })},\n  "objects": {\n`,
  );
  for (const [k, run] of runs.entries()) {
    const s = run.summary;
    out.write(`    ${j(run.object)}: {\n`);
    out.write(
      `      "file": ${j(s.file)},\n      "mirrorFile": ${j(s.mirrorFile)},\n      "dataRecords": ${s.dataRecords},\n`,
    );
    out.write(
      `      "statuses": ${j(s.statuses)},\n      "unlinkedTargets": ${s.unlinkedTargets},\n      "mirrorRows": ${s.mirrorRows},\n`,
    );
    out.write(
      `      "quarantinedCount": ${s.quarantinedCount},\n      "fieldIssueCount": ${s.fieldIssueCount},\n      "duplicateCount": ${s.duplicateCount}`,
    );
    if (truth === 'full') {
      out.write(
        `,\n      "quarantined": [${run.quarantined.map((q) => `\n        ${j(q)}`).join(',')}${run.quarantined.length ? '\n      ' : ''}]`,
      );
      out.write(`,\n      "unlinkedCopies": ${j(Object.fromEntries(run.unlinkedCopies))}`);
      out.write(
        `,\n      "fieldIssues": [${run.fieldIssues.map((q) => `\n        ${j(q)}`).join(',')}${run.fieldIssues.length ? '\n      ' : ''}]`,
      );
      out.write(`,\n      "records": {\n`);
      await out.flush(true);
      const tmp = path.join(outDir, `.truth-${run.object}.tmp`);
      for await (const chunk of createReadStream(tmp, { encoding: 'utf8' })) {
        out.write(chunk as string);
        await out.flush();
      }
      rmSync(tmp, { force: true });
      out.write(`\n      }`);
    }
    out.write(`\n    }${k < runs.length - 1 ? ',' : ''}\n`);
  }
  out.write('  }\n}\n');
  await out.close();
}

/** Column types of the mirror, re-exported for the loader and tests. */
export { MIRROR_TABLES };
