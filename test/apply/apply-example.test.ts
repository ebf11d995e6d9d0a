import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyStaging } from '../../core/apply/apply';
import { HubSpotConnector } from '../../core/connectors/hubspot';
import { ident } from '../../core/db/sql';
import { loadMapping } from '../../core/mapping/load-mapping';
import { refreshMirror } from '../../core/mirror/refresh';
import { reconcile } from '../../core/reconcile/reconcile';
import { decideReviewItems, listReviewItems } from '../../core/review/review';
import { HubSpotEmulator } from '../../sandbox/hubspot';
import { seedHubSpotPortal } from '../../sandbox/examples/hubspot-portal';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { hubspotConnectorSetup } from '../helpers/emulators';
import { EXPORT_DIR, truth } from '../helpers/example-data';
import { differences, missingAssociations } from './fixtures';

const TOKEN = 'pat-na1-apply-test';
const mapping = loadMapping(undefined);
const startPortal = hubspotConnectorSetup(TOKEN, afterAll);
let t: TestDatabase;
let emulator: HubSpotEmulator;
let hubspot: HubSpotConnector;

/** Legacy IDs HubSpot refused, per object, and those left undecided (held back). */
const refusedBy = new Map<string, Set<string>>();
const heldBack = new Map<string, Set<string>>();

beforeAll(async () => {
  // An empty database, as a user starts: the mirror comes from HubSpot itself. The limit lifted: calls are counted.
  t = await createTestDatabase();
  ({ emulator, connector: hubspot } = await startPortal({ rateLimitMax: 100_000 }, {}, (portal) => {
    seedHubSpotPortal(portal, { objects: ['companies', 'contacts'] });
  }));
  const refresh = await refreshMirror(t.db, { mapping, hubspot, objects: ['companies', 'contacts'] });
  expect(refresh.sync.status).toBe('succeeded');
  for (const object of ['companies', 'contacts']) await reconcile(t.db, { object, mapping, legacyPath: EXPORT_DIR });
}, 240_000);
afterAll(async () => {
  await t?.drop();
});

async function staged(object: string): Promise<
  Array<{
    legacy_id: string;
    status: string;
    target_id: string | null;
    target_ids: string[];
    legacy_properties: Record<string, string | null> | null;
  }>
> {
  return (
    await t.db.pool.query(
      `SELECT legacy_id, status, target_id, target_ids, legacy_properties FROM staging.${ident(object)} ORDER BY legacy_id`,
    )
  ).rows as never;
}

/** HubSpot records carrying this legacy ID (live, not archived). */
function inHubSpot(object: string, property: string, legacyId: string) {
  return emulator.store.records(object).filter((r) => r.properties[property] === legacyId);
}

describe('the migration of the shipped example: refresh, reconcile, review, plan, apply, refresh, reconcile', () => {
  it('plans without writing: creates, updates old -> new, and holds back what waits for a person', async () => {
    const before = emulator.requests;
    const plan = await applyStaging(t.db, {
      object: 'companies',
      mapping,
      target: hubspot,
      dryRun: true,
      planLimit: 5000,
    });
    const rows = await staged('companies');
    const count = (s: string) => rows.filter((r) => r.status === s).length;
    expect(plan.counts).toMatchObject({
      creates: count('new'),
      links: 0,
      survivors: 0,
      heldBack: count('fuzzy_match') + count('conflict'),
      orphans: count('orphan'),
      created: 0,
      updated: 0,
      failed: 0,
    });
    expect(plan.counts.updates + plan.counts.inAgreement).toBe(count('matched'));
    const [legacyId, record] = Object.entries(truth().objects.companies!.records).find(
      ([, r]) => r.status === 'matched' && r.updates.includes('name'),
    )!;
    const line = plan.plan.find((l) => l.legacyId === legacyId)!;
    expect(line).toMatchObject({ action: 'update', targetId: record.targetIds[0] });
    const name = line.changes.find((c) => c.property === 'name')!;
    expect(name.old).toBe(emulator.store.get('companies', record.targetIds[0]!)!.properties.name);
    expect(name.new).not.toBe(name.old);
    expect(plan.plan.filter((l) => l.action === 'held').every((l) => /^awaiting review/.test(l.reason!))).toBe(true);
    // A dry run reads the schema (once; the connector keeps it), nothing else.
    expect(emulator.requests - before).toBeLessThanOrEqual(1);
  }, 60_000);

  it('applies companies after review: each legacy company in HubSpot once, with its mapped values; a second apply writes nothing', async () => {
    const expected = truth().objects.companies!.records;
    const rows = await staged('companies');
    const fuzzy = rows.filter((r) => r.status === 'fuzzy_match');
    const right = fuzzy.filter((r) => expected[r.legacy_id]?.targetIds[0] === r.target_id).map((r) => r.legacy_id);
    const wrong = fuzzy.filter((r) => !right.includes(r.legacy_id)).map((r) => r.legacy_id);
    expect(right.length).toBeGreaterThan(50);
    const review = await listReviewItems(t.db, mapping, { object: 'companies', kind: 'fuzzy_match', limit: 5 });
    expect(review.items[0]!.comparison.find((c) => c.property === 'name')).toBeDefined();
    expect(review.counts.fuzzyMatch).toBe(fuzzy.length);
    await decideReviewItems(t.db, mapping, {
      object: 'companies',
      legacyIds: right,
      decision: 'approve',
      decidedBy: 'ana@example.test',
      reason: 'same company',
    });
    if (wrong.length)
      await decideReviewItems(t.db, mapping, {
        object: 'companies',
        legacyIds: wrong,
        decision: 'reject',
        decidedBy: 'ana@example.test',
      });
    const conflicts = rows.filter((r) => r.status === 'conflict');
    for (const c of conflicts) {
      await decideReviewItems(t.db, mapping, {
        object: 'companies',
        legacyIds: [c.legacy_id],
        decision: 'choose',
        targetId: c.target_ids[0]!,
        decidedBy: 'ana@example.test',
      });
    }
    const refused = await decideReviewItems(t.db, mapping, {
      object: 'companies',
      legacyIds: [rows.find((r) => r.status === 'matched')!.legacy_id, 'no-such-id'],
      decision: 'approve',
      decidedBy: 'x',
    });
    expect(refused.refused.map((r) => r.reason)).toEqual([
      expect.stringContaining('not a fuzzy match'),
      expect.stringContaining('no companies record'),
    ]);

    const report = await applyStaging(t.db, { object: 'companies', mapping, target: hubspot });
    refusedBy.set('companies', new Set());
    heldBack.set('companies', new Set());
    expect(report.failures).toEqual([]);
    expect(report.status).toBe('succeeded');
    expect(report.counts).toMatchObject({ links: right.length, survivors: conflicts.length, heldBack: 0, failed: 0 });
    expect(report.counts.created).toBe(rows.filter((r) => r.status === 'new').length + wrong.length);

    expect(differences(emulator, mapping, 'companies', rows, new Set()).slice(0, 10)).toEqual([]);
    // The records that lost a conflict keep living, without the legacy ID.
    for (const c of conflicts)
      for (const other of c.target_ids.slice(1)) expect(emulator.store.get('companies', other)!.archived).toBe(false);

    const writes = () =>
      ['batch/upsert', 'batch/update'].reduce(
        (n, e) => n + emulator.endpointCount('POST', `/crm/v3/objects/companies/${e}`),
        0,
      );
    const before = writes();
    const again = await applyStaging(t.db, { object: 'companies', mapping, target: hubspot });
    expect(writes()).toBe(before);
    expect(again.counts).toMatchObject({ created: 0, updated: 0, failed: 0 });
    expect(again.counts.unchanged).toBe(report.counts.created + report.counts.updated);
    const audit = await t.db.pool.query<{ result: string; n: number }>(
      `SELECT result, count(*)::int AS n FROM staging.apply_audit WHERE run_id = $1 GROUP BY result`,
      [report.runId],
    );
    expect(Object.fromEntries(audit.rows.map((r) => [r.result, r.n]))).toMatchObject({
      created: report.counts.created,
    });
  }, 240_000);

  it('applies contacts after their companies, associated with them; a contact whose company is missing is refused and kept', async () => {
    const rows = await staged('contacts');
    // Leave fuzzy matches and conflicts undecided: they are held back, not written.
    const report = await applyStaging(t.db, { object: 'contacts', mapping, target: hubspot });
    heldBack.set(
      'contacts',
      new Set(rows.filter((r) => r.status === 'fuzzy_match' || r.status === 'conflict').map((r) => r.legacy_id)),
    );
    refusedBy.set('contacts', new Set(report.failures.map((f) => f.legacyId)));
    expect(report.counts.heldBack).toBe(heldBack.get('contacts')!.size);
    const created = rows.filter((r) => r.status === 'new');
    const withCompany = created.filter((r) => r.legacy_properties?.Pers_CompanyId);
    const sample = withCompany.find((r) => report.failures.every((f) => f.legacyId !== r.legacy_id))!;
    const contact = inHubSpot('contacts', 'legacy_person_id', sample.legacy_id)[0]!;
    const company = inHubSpot('companies', 'legacy_company_id', sample.legacy_properties!.Pers_CompanyId!)[0]!;
    expect(emulator.store.associations.of('contacts', contact.id, 'companies').map((a) => a.toObjectId)).toContain(
      company.id,
    );
    // The example's refusals: a contact whose legacy company is in no system, or whose e-mail another HubSpot contact
    // already has. Each is kept with HubSpot's reason.
    for (const f of report.failures) expect(f.error).toMatch(/parent|already exists/);
    expect(refusedBy.get('contacts')!.size).toBeLessThan(created.length / 2);
    // Contacts in agreement whose company this apply created or linked are associated with it too.
    expect(report.counts.associations).toBeGreaterThan(0);
    expect(report.counts.associated).toBe(report.counts.associations);
    expect(missingAssociations(emulator, mapping, 'contacts', rows, refusedBy.get('contacts')!).slice(0, 10)).toEqual(
      [],
    );
    expect(
      differences(emulator, mapping, 'contacts', rows, refusedBy.get('contacts')!, heldBack.get('contacts')).slice(
        0,
        10,
      ),
    ).toEqual([]);
  }, 240_000);

  it('refreshed from HubSpot and reconciled again: nothing left to do but what HubSpot refused and what was held back', async () => {
    const refresh = await refreshMirror(t.db, { mapping, hubspot, objects: ['companies', 'contacts'] });
    expect(refresh.sync.status).toBe('succeeded');
    for (const object of ['companies', 'contacts']) {
      await reconcile(t.db, { object, mapping, legacyPath: EXPORT_DIR });
      const table = `staging.${ident(object)}`;
      const pendingUpdates = await t.db.pool.query<{ legacy_id: string }>(
        `SELECT legacy_id FROM ${table} WHERE status = 'matched' AND properties_to_update IS NOT NULL AND properties_to_update <> '{}'::jsonb`,
      );
      const rows = await staged(object);
      const left = [
        ...pendingUpdates.rows.map((r) => r.legacy_id),
        ...rows.filter((r) => r.status === 'new').map((r) => r.legacy_id),
      ];
      expect(left.sort(), `${object}: left to do`).toEqual([...refusedBy.get(object)!].sort());
      const waiting = rows.filter((r) => r.status === 'fuzzy_match' || r.status === 'conflict').map((r) => r.legacy_id);
      expect(waiting.sort(), `${object}: waiting for review`).toEqual([...heldBack.get(object)!].sort());
    }
  }, 240_000);
});
