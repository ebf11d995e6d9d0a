import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtInMapping } from '../../core/mapping/load-mapping';
import { lookupByLegacyId } from '../../core/reconcile/lookup';
import { reconcile } from '../../core/reconcile/reconcile';
import type { ReconcileSummary } from '../../core/reconcile/summary';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { EXPORT_DIR, loadExampleMirror, matchedWithUpdates, truth } from '../helpers/example-data';

const OBJECTS = ['companies', 'contacts', 'deals', 'engagements'] as const;
const mapping = builtInMapping();
let t: TestDatabase;
const summaries: Record<string, ReconcileSummary> = {};

beforeAll(async () => {
  t = await createTestDatabase();
  await loadExampleMirror(t.db);
  for (const object of OBJECTS) summaries[object] = await reconcile(t.db, { object, mapping, legacyPath: EXPORT_DIR });
}, 180_000);
afterAll(async () => t?.drop());

describe('reconcile of the shipped example export', () => {
  it('finds exactly the statuses planted in the data', () => {
    const counts = Object.fromEntries(OBJECTS.map((o) => {
      const s = summaries[o]!;
      return [o, [s.matched, s.new, s.conflict, s.orphan, s.quarantined, s.fieldIssues, s.targetUnlinked]];
    }));
    // Literal figures: a change to the generator or the engine has to show up here.
    expect(counts).toEqual({
      companies: [1826, 193, 17, 55, 12, 10, 102],
      contacts: [2757, 214, 27, 103, 12, 12, 168],
      deals: [2281, 203, 34, 80, 12, 13, 150],
      engagements: [3595, 341, 39, 119, 16, 29, 221],
    });
    for (const o of OBJECTS) {
      const expected = truth().objects[o]!;
      expect(summaries[o]).toMatchObject({ ...expected.statuses, quarantined: expected.quarantined.length, fieldIssues: expected.fieldIssues.length, targetUnlinked: expected.unlinkedTargets });
    }
  });

  it.each(OBJECTS)('agrees with the generator on every %s record: status, target IDs and fields to update', async (object) => {
    const expected = truth().objects[object]!.records;
    const { rows } = await t.db.pool.query<{ legacy_id: string; status: string; target_ids: string[]; properties_to_update: Record<string, unknown> | null }>(
      `SELECT legacy_id, status, target_ids, properties_to_update FROM staging.${object}`,
    );
    const actual = Object.fromEntries(rows.map((r) => [r.legacy_id, { status: r.status, targetIds: [...r.target_ids].sort(), updates: Object.keys(r.properties_to_update ?? {}).sort() }]));
    const wanted = Object.fromEntries(Object.entries(expected).map(([id, r]) => [id, { status: r.status, targetIds: [...r.targetIds].sort(), updates: [...r.updates].sort() }]));
    expect(actual).toEqual(wanted);
  });

  it.each(OBJECTS)('quarantines the planted bad %s rows at their physical lines', async (object) => {
    const planted = truth().objects[object]!;
    const { rows } = await t.db.pool.query<{ line: number; legacy_id: string | null; field: string | null; reason: string }>(
      `SELECT line, legacy_id, field, reason FROM staging.quarantine WHERE object = $1 ORDER BY line, field`,
      [object],
    );
    const idColumn = mapping.config.objects[object]!.legacy.idColumn;
    const rowLevel = rows.filter((r) => r.field === null || (r.field === idColumn && r.reason.match(/^(missing|duplicate)/)));
    expect(rowLevel.map((r) => r.line)).toEqual(planted.quarantined.map((q) => q.line).sort((a, b) => a - b));
    const fieldLevel = rows.filter((r) => !rowLevel.includes(r)).map((r) => `${r.legacy_id}:${r.field}`).sort();
    expect(fieldLevel).toEqual(planted.fieldIssues.map((f) => `${f.legacyId}:${f.field}`).sort());
  });

  it('looks a record up with its HubSpot ID and the changed fields only', async () => {
    const [legacyId, record] = matchedWithUpdates('contacts');
    const result = await lookupByLegacyId(t.db, mapping, { object: 'contacts', legacyId });
    expect(result).toMatchObject({ found: true, status: 'matched', targetId: record.targetIds[0], targetIds: record.targetIds });
    expect(Object.keys(result.propertiesToUpdate!).sort()).toEqual([...record.updates].sort());
    // Every pending value is what the export says, and differs from what HubSpot holds now.
    const current = result.targetRecords[0]!.properties;
    for (const [property, value] of Object.entries(result.propertiesToUpdate!)) expect(current[property]).not.toBe(value);
  });

  it('changes nothing when every object is reconciled again', async () => {
    for (const object of OBJECTS) {
      const again = await reconcile(t.db, { object, mapping, legacyPath: EXPORT_DIR });
      expect({ object, inserted: again.rowsInserted, updated: again.rowsUpdated, deleted: again.rowsDeleted }).toEqual({ object, inserted: 0, updated: 0, deleted: 0 });
      expect(again.matched).toBe(summaries[object]!.matched);
    }
  }, 120_000);
});
