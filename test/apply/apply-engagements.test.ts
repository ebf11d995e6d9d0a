import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyStaging } from '../../core/apply/apply';
import type { ApplyReport } from '../../core/apply/schemas';
import { HubSpotConnector } from '../../core/connectors/hubspot';
import { loadMapping } from '../../core/mapping/load-mapping';
import { ObjectMapper } from '../../core/mapping/object-mapper';
import { reconcile } from '../../core/reconcile/reconcile';
import { HubSpotEmulator } from '../../sandbox/hubspot';
import { seedHubSpotPortal, type SeededPortal } from '../../sandbox/examples/hubspot-portal';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { EXPORT_DIR, loadExampleMirror, MIRROR_DIR } from '../helpers/example-data';
import { reviewLikeAnExpert, staged, type StagedRow } from './fixtures';
import { ENGAGEMENT_OBJECTS, engagementDifferences, missingAssociations, parentCarriers } from './engagement-fixtures';

const TOKEN = 'pat-na1-apply-engagements';
const OBJECTS = ['companies', 'contacts', 'deals', 'engagements'] as const;
const mapping = loadMapping(undefined);
let t: TestDatabase;
let emulator: HubSpotEmulator;
let hubspot: HubSpotConnector;
let seeded: SeededPortal;
/** Parent legacy ID -> record, as the seeded portal had them before any apply. */
let seededParents: Record<string, Map<string, string>>;

beforeAll(async () => {
  t = await createTestDatabase();
  await loadExampleMirror(t.db);
  for (const object of OBJECTS) await reconcile(t.db, { object, mapping, legacyPath: EXPORT_DIR });
  for (const object of OBJECTS) await reviewLikeAnExpert(t.db, mapping, object);
  // The portal the mirror was taken from, all four objects; the limit lifted: calls are counted, not waited for.
  emulator = new HubSpotEmulator({ tokens: [TOKEN], rateLimitMax: 100_000 });
  seeded = seedHubSpotPortal(emulator, { objects: [...OBJECTS] });
  seededParents = parentCarriers(emulator);
  hubspot = new HubSpotConnector({ accessToken: TOKEN, basePath: await emulator.start(), minRetryDelayMs: 5, maxRetryDelayMs: 50 });
}, 300_000);
afterAll(async () => {
  await emulator?.stop();
  await t?.drop();
});

/** Legacy IDs whose latest write was refused, with HubSpot's (or the view's) reason. */
async function refusals(object: string, runId: string): Promise<Map<string, string>> {
  const { rows } = await t.db.pool.query<{ legacy_id: string; error: string }>(
    `SELECT legacy_id, error FROM staging.apply_audit WHERE object = $1 AND run_id = $2 AND result = 'failed'`, [object, runId],
  );
  return new Map(rows.map((r) => [r.legacy_id, r.error]));
}

const engagementWrites = () => ENGAGEMENT_OBJECTS.reduce((n, o) =>
  n + ['batch/upsert', 'batch/update', 'batch/archive'].reduce((m, e) => m + emulator.endpointCount('POST', `/crm/v3/objects/${o}/${e}`), 0)
  + ['companies', 'contacts', 'deals'].reduce((m, p) => m + emulator.endpointCount('POST', `/crm/v4/associations/${o}/${p}/batch/create`), 0), 0);

describe('apply the shipped example\'s engagements to HubSpot\'s calls, emails, meetings, notes and tasks', () => {
  it('seeds each mirror engagement into its type, the untyped ones as notes, associated with the parents the portal has', () => {
    const rows = parse(readFileSync(path.join(MIRROR_DIR, 'engagements.csv')), { columns: true, bom: true }) as Array<Record<string, string>>;
    const engagements = seeded.engagements!;
    const count = (type: string) => rows.filter((r) => r.hs_engagement_type === type).length;
    const untyped = rows.filter((r) => r.hs_engagement_type === '').map((r) => r.hs_object_id);
    expect(engagements.untyped).toEqual(untyped.sort((a, b) => Number(a) - Number(b)));
    expect(engagements.byType).toEqual({ calls: count('CALL'), emails: count('EMAIL'), meetings: count('MEETING'), notes: count('NOTE') + untyped.length, tasks: count('TASK') });
    for (const object of ENGAGEMENT_OBJECTS) expect(emulator.store.count(object)).toBe(engagements.byType[object]);
    expect(engagements.associations).toBeGreaterThan(rows.length);
    // A meeting keeps its duration as an end time: a meeting row that lost its time cannot keep its duration, and says so.
    const timeless = rows.filter((r) => r.hs_engagement_type === 'MEETING' && r.hs_timestamp === '' && r.hs_duration_minutes !== '');
    expect(engagements.unplaced.map((u) => u.id)).toEqual(timeless.map((r) => r.hs_object_id));
    for (const u of engagements.unplaced) expect(u.problems).toEqual([expect.stringContaining('is kept as its end time, which needs a start time')]);
  });

  it('applies parents first, then engagements: each is in HubSpot once, in its type, equal to the export, associated; a second apply writes nothing', async () => {
    const reports: Record<string, ApplyReport> = {};
    for (const object of OBJECTS) reports[object] = await applyStaging(t.db, { object, mapping, target: hubspot });
    const report = reports.engagements!;
    const rows: StagedRow[] = await staged(t.db, 'engagements');
    const refused = await refusals('engagements', report.runId);
    const count = (s: string) => rows.filter((r) => r.status === s).length;
    expect(report.counts).toMatchObject({ creates: count('new'), survivors: count('conflict'), heldBack: 0, links: 0 });
    expect(report.counts.failed).toBe(refused.size);
    // Every refusal says why, and only for reasons that hold: a parent HubSpot does not have, or what HubSpot needs to create an engagement.
    const reasons = [...refused.values()].map((e) =>
      /its parent in (companies|contacts|deals) .* does not exist in HubSpot/.test(e) ? 'parent missing'
        : /it has no hs_engagement_type, and no engagement in HubSpot carries/.test(e) ? 'no type'
          : /HubSpot needs hs_timestamp to create an engagement/.test(e) ? 'no time' : e);
    const byReason = reasons.reduce<Record<string, number>>((acc, r) => ({ ...acc, [r]: (acc[r] ?? 0) + 1 }), {});
    expect(Object.keys(byReason).filter((r) => !['parent missing', 'no type', 'no time'].includes(r))).toEqual([]);
    const mapper = new ObjectMapper(mapping.config, 'engagements');
    const mapped = (r: StagedRow) => mapper.map(r.legacy_properties!).values;
    for (const [id, error] of refused) {
      const row = rows.find((r) => r.legacy_id === id)!;
      // Only records HubSpot does not have can lack a type or a time: the rest are routed to the record they update.
      if (/no hs_engagement_type/.test(error)) expect([row.status, mapped(row).hs_engagement_type]).toEqual(['new', null]);
      if (/needs hs_timestamp/.test(error)) expect([row.status, mapped(row).hs_timestamp]).toEqual(['new', null]);
    }
    console.log(`engagements applied: ${JSON.stringify(report.counts)}; refused by reason ${JSON.stringify(byReason)}`);

    // The only values HubSpot lacks are those the seeded portal could not hold (and the seed reported).
    const unplaced = new Set(seeded.engagements!.unplaced.map((u) => u.key));
    const differences = await engagementDifferences(hubspot, mapping, rows, new Set(refused.keys()));
    expect(differences.filter((d) => !(unplaced.has(d.slice(0, d.indexOf('.'))) && d.includes('.hs_duration_minutes: ')))).toEqual([]);
    // Every association apply was asked for exists (creates, moves, updates of a parent key), and every one the seeded
    // portal could make. What is missing is an engagement apply did not write with that parent (in agreement, or its
    // parent key unchanged) whose parent only now carries the legacy ID (created, linked or chosen by this apply):
    // apply plans associations only for what it writes (core/apply/plan.ts), reported, not fixed here.
    const { rows: audit } = await t.db.pool.query<{ legacy_id: string; after: Record<string, string | null> }>(
      `SELECT legacy_id, after FROM staging.apply_audit WHERE object = 'engagements' AND run_id = $1 AND result IN ('created', 'updated', 'unchanged')`, [report.runId],
    );
    const asked = new Set(audit.flatMap((a) => Object.entries(a.after).filter(([k, v]) => k.startsWith('associate:') && v).map(([k, v]) => `${a.legacy_id}|${k.slice(10)}|${v}`)));
    expect(asked.size).toBeGreaterThan(300);
    const associations = missingAssociations(emulator, mapping, rows, new Set(refused.keys()));
    expect(associations.checked).toBeGreaterThan(rows.length);
    const unexplained = associations.missing.filter((m) => asked.has(`${m.legacyId}|${m.parent}|${m.parentKey}`) || seededParents[m.parent]!.get(m.parentKey) === m.parentId);
    expect(unexplained).toEqual([]);
    console.log(`associations checked: ${associations.checked}, missing because apply does not associate records it does not write: ${associations.missing.length}`);
    // Mirror rows that had lost their type were seeded as notes: those the export says are calls, emails … were moved
    // (re-created as that type, the note archived); the others are still the same notes.
    const untyped = new Set(seeded.engagements!.untyped);
    const matchedUntyped = rows.filter((r) => r.status === 'matched' && untyped.has(r.target_id!));
    const toMove = matchedUntyped.filter((r) => !['NOTE', null].includes(mapped(r).hs_engagement_type ?? null));
    expect(toMove.length).toBeGreaterThan(50);
    for (const r of matchedUntyped) expect([r.legacy_id, emulator.store.get('notes', r.target_id!)!.archived]).toEqual([r.legacy_id, toMove.includes(r)]);
    const moved = await t.db.pool.query<{ legacy_id: string; target_id: string }>(
      `SELECT legacy_id, target_id FROM staging.apply_audit WHERE object = 'engagements' AND run_id = $1 AND result = 'updated' AND legacy_id = ANY($2::text[])`,
      [report.runId, toMove.map((r) => r.legacy_id)],
    );
    // The audit names the record each was moved to.
    expect(moved.rows.map((m) => m.legacy_id).sort()).toEqual(toMove.map((r) => r.legacy_id).sort());
    for (const m of moved.rows) expect(m.target_id).not.toBe(rows.find((r) => r.legacy_id === m.legacy_id)!.target_id);

    const before = engagementWrites();
    const again = await applyStaging(t.db, { object: 'engagements', mapping, target: hubspot });
    expect(engagementWrites()).toBe(before);
    expect(again.counts).toMatchObject({ created: 0, updated: 0, failed: refused.size });
  }, 600_000);
});
