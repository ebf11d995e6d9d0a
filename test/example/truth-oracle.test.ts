/**
 * truth.json is the answer key the reconcile engine is checked against, so it is itself checked here against
 * the files on disk, with an independent reading of the CSVs and the product's ObjectMapper as the oracle of
 * what canonicalises equal.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateExample } from '../../demo/generator';
import { builtInMapping } from '../../core/mapping/load-mapping';
import { ObjectMapper } from '../../core/mapping/object-mapper';
import {
  LEGACY_FILES,
  OBJECTS,
  SHIPPED,
  readLegacy,
  readMirror,
  readTruth,
  rowObject,
  type ObjectName,
  type Truth,
} from './example-files';

const config = builtInMapping().config;

interface Recomputed {
  quarantined: Array<{ line: number; legacyId: string | null; kind: string }>;
  statuses: Record<string, number>;
  records: Map<string, { status: string; targetIds: string[]; updates: string[] }>;
  issues: Array<{ legacyId: string; field: string }>;
  unlinked: number;
  mirrorRows: number;
  dataRecords: number;
  exportIds: Set<string>;
}

/**
 * Everything truth.json claims, recomputed from the CSV files with ObjectMapper. Which hand-typed mirror record is
 * the same entity as a legacy record cannot be read off the files, so the fuzzy links are taken from `fuzzyClaims`
 * and only their consequences are recomputed: the record has no ID match, the target has no legacy ID, and the
 * updates are the canonical differences with that target, as for a match.
 */
function recompute(dir: string, object: ObjectName, fuzzyClaims: ReadonlyMap<string, string>): Recomputed {
  const spec = config.objects[object]!;
  const mapper = new ObjectMapper(config, object);
  const legacy = readLegacy(dir, object);
  const mirror = readMirror(dir, object);
  const props = mapper.targetProperties;

  const byLegacyId = new Map<string, Array<Record<string, string>>>();
  const byTargetId = new Map(mirror.rows.map((row) => [row.hs_object_id!, row]));
  let unlinked = 0;
  for (const row of mirror.rows) {
    const id = (row[spec.target.legacyIdColumn] ?? '').trim();
    if (!id) unlinked++;
    else byLegacyId.set(id, [...(byLegacyId.get(id) ?? []), row]);
  }

  const quarantined: Recomputed['quarantined'] = [];
  const kept = new Map<string, Record<string, string>>();
  for (const row of legacy.rows) {
    const id = (row.fields[0] ?? '').trim();
    let kind: string | undefined;
    if (row.fields.length > legacy.header.length) kind = 'too_many_fields';
    else if (row.fields.length < legacy.header.length) kind = 'too_few_fields';
    else if (!id) kind = 'missing_id';
    else if (kept.has(id)) kind = 'duplicate_id';
    if (kind) quarantined.push({ line: row.line, legacyId: id || null, kind });
    else kept.set(id, rowObject(legacy.header, row.fields));
  }

  const statuses: Record<string, number> = { matched: 0, fuzzy_match: 0, new: 0, conflict: 0, orphan: 0 };
  const records: Recomputed['records'] = new Map();
  const issues: Recomputed['issues'] = [];
  for (const [id, row] of kept) {
    const claimed = byTargetId.get(fuzzyClaims.get(id) ?? '');
    const copy = claimed && !(claimed[spec.target.legacyIdColumn] ?? '').trim() ? claimed : undefined;
    const targets = byLegacyId.get(id) ?? (copy ? [copy] : []);
    const mapped = mapper.map(row);
    for (const f of new Set(mapped.issues.map((i) => i.field))) issues.push({ legacyId: id, field: f });
    const status =
      targets.length === 0
        ? 'new'
        : targets.length === 1
          ? targets[0] === copy
            ? 'fuzzy_match'
            : 'matched'
          : 'conflict';
    statuses[status]!++;
    let updates: string[] = [];
    if (status === 'new') updates = props.filter((p) => mapped.values[p] != null);
    if (status === 'matched' || status === 'fuzzy_match') {
      const target = targets[0]!;
      updates = props.filter((p) => {
        const value = mapped.values[p];
        if (value == null) return false; // blank or unconvertible: never an update
        return value !== mapper.normaliseTarget(p, target[p] || null);
      });
    }
    records.set(id, { status, targetIds: targets.map((t) => t.hs_object_id!), updates });
  }
  for (const [id, targets] of byLegacyId) {
    if (kept.has(id)) continue;
    statuses.orphan!++;
    records.set(id, { status: 'orphan', targetIds: targets.map((t) => t.hs_object_id!), updates: [] });
  }
  return {
    quarantined,
    statuses,
    records,
    issues,
    unlinked,
    mirrorRows: mirror.rows.length,
    dataRecords: legacy.rows.length,
    exportIds: new Set(legacy.rows.map((r) => (r.fields[0] ?? '').trim()).filter(Boolean)),
  };
}

const byId = (a: { legacyId: string | null; field?: string }, b: { legacyId: string | null; field?: string }) =>
  `${a.legacyId}|${a.field ?? ''}`.localeCompare(`${b.legacyId}|${b.field ?? ''}`);

function checkDataset(label: string, dir: () => string, truth: () => Truth): void {
  describe(label, () => {
    for (const object of OBJECTS) {
      describe(object, () => {
        let re: Recomputed;
        let t: NonNullable<Truth['objects'][ObjectName]>;
        beforeAll(() => {
          t = truth().objects[object]!;
          const claims = Object.entries(t.records!)
            .filter(([, r]) => r.status === 'fuzzy_match')
            .map(([id, r]) => [id, r.targetIds[0]!] as const);
          re = recompute(dir(), object, new Map(claims));
        });

        it('counts records, mirror rows and statuses as the files hold them', () => {
          expect(t.file).toBe(LEGACY_FILES[object].file);
          expect(re.dataRecords).toBe(t.dataRecords);
          expect(re.mirrorRows).toBe(t.mirrorRows);
          expect(re.unlinked).toBe(t.unlinkedTargets);
          expect(re.statuses).toEqual(t.statuses);
          const { matched, new: fresh, conflict, fuzzy_match: fuzzy } = t.statuses;
          expect(matched + fuzzy + fresh + conflict + t.quarantinedCount).toBe(t.dataRecords);
          expect(Object.keys(t.records!)).toHaveLength(matched + fuzzy + fresh + conflict + t.statuses.orphan);
          // Only companies and contacts get hand-typed copies to link by resemblance.
          if (object === 'companies' || object === 'contacts') expect(fuzzy / t.dataRecords).toBeGreaterThan(0.02);
          else expect(fuzzy).toBe(0);
          // Roughly the proportions asked for.
          expect(matched / t.dataRecords).toBeGreaterThan(0.8);
          expect(fresh / t.dataRecords).toBeGreaterThan(0.05);
          expect(t.statuses.orphan).toBeGreaterThan(0);
          expect(t.unlinkedTargets).toBeGreaterThan(0);
        });

        it('puts every quarantined row on the physical line truth.json names', () => {
          expect(re.quarantined).toEqual(t.quarantined);
          const lines = re.quarantined.length
            ? readLegacy(dir(), object)
                .text.replace(/^\uFEFF/, '')
                .split('\n')
            : [];
          const delimiter = LEGACY_FILES[object].delimiter;
          for (const q of t.quarantined!) {
            const physical = lines[q.line - 1]!;
            expect(physical.startsWith(`${q.legacyId ?? ''}${delimiter}`), `line ${q.line}: ${physical}`).toBe(true);
          }
          const kinds = new Set(t.quarantined!.map((q) => q.kind));
          expect(kinds).toEqual(new Set(['too_many_fields', 'too_few_fields', 'missing_id', 'duplicate_id']));
          // Quarantined rows never own a mirror record (so they cannot surface as orphans by mistake).
          const records = t.records!;
          for (const q of t.quarantined!) {
            if (q.kind === 'duplicate_id') expect(['new', 'fuzzy_match']).toContain(records[q.legacyId!]?.status);
            else if (q.legacyId) expect(records[q.legacyId]).toBeUndefined();
          }
        });

        it('gives every record the status and target IDs the files imply', () => {
          for (const [id, r] of re.records) {
            const claimed = t.records![id];
            expect(claimed, id).toBeDefined();
            expect({ id, status: claimed!.status, targetIds: [...claimed!.targetIds].sort() }).toEqual({
              id,
              status: r.status,
              targetIds: [...r.targetIds].sort(),
            });
          }
          for (const [id, r] of Object.entries(t.records!)) {
            if (r.status === 'orphan') expect(re.exportIds.has(id), `orphan ${id} is in the export`).toBe(false);
          }
        });

        it('names as fuzzy targets only mirror records without a legacy ID, each once, each a copy of its record', () => {
          const mirror = new Map(readMirror(dir(), object).rows.map((row) => [row.hs_object_id!, row]));
          const legacyIdColumn = config.objects[object]!.target.legacyIdColumn;
          const copies = t.unlinkedCopies!;
          for (const [hs, legacyId] of Object.entries(copies)) {
            expect((mirror.get(hs)?.[legacyIdColumn] ?? 'missing').trim(), hs).toBe('');
            expect(re.exportIds.has(legacyId), legacyId).toBe(true);
          }
          const fuzzy = Object.entries(t.records!).filter(([, r]) => r.status === 'fuzzy_match');
          for (const [id, r] of fuzzy) expect(copies[r.targetIds[0]!], id).toBe(id);
          expect(new Set(fuzzy.map(([, r]) => r.targetIds[0])).size).toBe(fuzzy.length);
        });

        it('lists exactly the updates ObjectMapper finds (matched and fuzzy: differing canonical values; new: every valid value)', () => {
          const wrong: Array<{ id: string; truth: string[]; mapper: string[] }> = [];
          for (const [id, r] of re.records) {
            const claimed = t.records![id]!;
            const a = [...claimed.updates].sort();
            const b = [...r.updates].sort();
            if (JSON.stringify(a) !== JSON.stringify(b)) wrong.push({ id, truth: a, mapper: b });
          }
          expect(wrong.slice(0, 5)).toEqual([]);
          const matchedWithUpdates = [...re.records.values()].filter(
            (r) => r.status === 'matched' && r.updates.length > 0,
          ).length;
          expect(matchedWithUpdates / t.statuses.matched).toBeGreaterThan(0.08);
          expect(matchedWithUpdates / t.statuses.matched).toBeLessThan(0.3);
        });

        it('reports exactly the field issues ObjectMapper finds', () => {
          expect([...re.issues].sort(byId)).toEqual([...t.fieldIssues!].sort(byId));
          expect(t.fieldIssueCount).toBe(t.fieldIssues!.length);
          for (const issue of t.fieldIssues!) expect(t.records![issue.legacyId]?.updates).not.toContain(issue.field);
        });
      });
    }

    it('records company duplicates as new records pointing at an exported company', () => {
      const t = truth().objects.companies!;
      const dups = Object.entries(t.records!).filter(([, r]) => r.duplicateOf !== undefined);
      expect(dups.length).toBe(t.duplicateCount);
      expect(dups.length).toBeGreaterThan(t.dataRecords * 0.01);
      const legacy = readLegacy(dir(), 'companies');
      const names = new Map(legacy.rows.map((r) => [r.fields[0]!, r.fields[1]!]));
      for (const [id, r] of dups) {
        expect(r.status).toBe('new');
        expect(t.records![r.duplicateOf!]).toBeDefined();
        expect(names.get(id)).not.toBe(names.get(r.duplicateOf!));
      }
    });
  });
}

checkDataset(
  'shipped examples/',
  () => SHIPPED,
  () => readTruth(SHIPPED),
);

let fresh = '';
beforeAll(async () => {
  fresh = mkdtempSync(path.join(os.tmpdir(), 'crm-bridge-oracle-'));
  await generateExample({ seed: 20240607, outDir: fresh, companies: 700 });
}, 60_000);
afterAll(() => rmSync(fresh, { recursive: true, force: true }));
checkDataset(
  'a fresh dataset (another seed and size)',
  () => fresh,
  () => readTruth(fresh),
);
