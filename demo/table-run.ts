/** One table: streams its legacy rows, mirror rows and answer-key records. */
import path from 'node:path';
import { builtInMapping } from '../core/mapping/load-mapping';
import { ObjectMapper } from '../core/mapping/object-mapper';
import { diffProperties } from '../core/reconcile/classify';
import { FORMAL_NAME, NICKNAMES } from './data';
import { mirrorColumnNames, type MirrorTableName } from './mirror-schema';
import { csvField, csvRow, isoInstant, companyNameVariant, typo } from './formats';
import {
  ENTITY_MAKERS,
  companyEntity,
  objectDefs,
  type Entity,
  type ExampleObject,
  type ObjectDef,
  type Parent,
} from './objects';
import { Random, unitFor } from './random';
import { Sink } from './sink';
import {
  FUZZY_OBJECTS,
  P_CONFLICT_THREE,
  P_ORPHAN,
  P_ORPHAN_TWICE,
  P_UNLINKED,
  P_DUPLICATE_COMPANY,
  DUPLICATE_DELAY,
  SYNC_FROM,
  SYNC_TO,
} from './rates';
import { mirrorValue, render } from './values';
import { statusOf, legacyId, planQuarantine, childCounts, type QuarantinePlan, type Layout } from './layout';
import type { RecordStatus, QuarantineKind, QuarantinedRow, ObjectSummary } from './types';

export class TableRun {
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
