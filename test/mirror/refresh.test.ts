import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HubSpotConnector } from '../../core/connectors/hubspot';
import { loadMapping } from '../../core/mapping/load-mapping';
import { MIRROR_JOB } from '../../core/mirror/mirror-job';
import { refreshMirror } from '../../core/mirror/refresh';
import { loadCursor } from '../../core/sync/store';
import { reconcile } from '../../core/reconcile/reconcile';
import { HubSpotEmulator } from '../../sandbox/hubspot';
import { seedHubSpotPortal } from '../../sandbox/examples/hubspot-portal';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { hubspotConnectorSetup } from '../helpers/emulators';
import { EXPORT_DIR, truth } from '../helpers/example-data';

const TOKEN = 'pat-na1-mirror-test';
const mapping = loadMapping(undefined);
const startPortal = hubspotConnectorSetup(TOKEN, afterAll);
let t: TestDatabase;
let emulator: HubSpotEmulator;
let hubspot: HubSpotConnector;

beforeAll(async () => {
  t = await createTestDatabase();
  // The limit lifted: these tests count what is read and written, not how long windows take.
  ({ emulator, connector: hubspot } = await startPortal({ rateLimitMax: 100_000 }, {}, (portal) => {
    seedHubSpotPortal(portal, { objects: ['companies', 'contacts'] });
  }));
}, 120_000);
afterAll(async () => {
  await t?.drop();
});

const rows = async (table: string) =>
  (
    await t.db.pool.query<Record<string, string | null>>(
      `SELECT *, hs_object_id::text AS id FROM hubspot.${table} ORDER BY hs_object_id`,
    )
  ).rows;

describe('crm-bridge mirror: the Postgres mirror kept from HubSpot through the sync engine', () => {
  it('a first refresh stopped after one batch leaves no cursor behind: the next run reads from the start and skips nothing', async () => {
    // The list endpoint pages by ID, not by modified time: a cursor taken from a batch's last record would skip the
    // records with a higher ID and an older modified time that were not read yet.
    const stop = new AbortController();
    await expect(
      refreshMirror(t.db, {
        mapping,
        hubspot,
        objects: ['companies'],
        signal: stop.signal,
        onBatch: () => stop.abort(),
      }),
    ).rejects.toThrow();
    expect(
      Number((await t.db.pool.query<{ n: string }>('SELECT count(*) AS n FROM hubspot.companies')).rows[0]!.n),
    ).toBeGreaterThan(0);
    expect(await loadCursor(t.db.pool, MIRROR_JOB, 'companies')).toBeNull();
  }, 120_000);

  it('creates the mirror tables and copies every record the first time; a second refresh writes nothing', async () => {
    const first = await refreshMirror(t.db, { mapping, hubspot, objects: ['companies', 'contacts'] });
    expect(first.sync.status).toBe('succeeded');
    // Companies' table was made by the stopped run above.
    expect(first.tables.companies).toEqual({ created: false, columnsAdded: [] });
    expect(first.tables.contacts).toEqual({ created: true, columnsAdded: [] });
    const companies = await rows('companies');
    expect(companies).toHaveLength(emulator.store.count('companies'));
    const sample = emulator.store
      .records('companies')
      .find((r) => r.properties.numberofemployees && r.properties.legacy_created_date)!;
    const row = companies.find((r) => r.id === sample.id)!;
    expect(row.name).toBe(sample.properties.name);
    expect(row.legacy_company_id).toBe(sample.properties.legacy_company_id);
    expect(Number(row.numberofemployees)).toBe(Number(sample.properties.numberofemployees));
    expect(new Date(row.hs_lastmodifieddate!).toISOString()).toBe(sample.properties.hs_lastmodifieddate);
    expect((await rows('contacts')).length).toBe(emulator.store.count('contacts'));

    const writes = emulator.requests;
    const again = await refreshMirror(t.db, { mapping, hubspot, objects: ['companies', 'contacts'] });
    expect(again.sync.status).toBe('succeeded');
    expect(again.sync.totals).toMatchObject({ created: 0, updated: 0, failed: 0 });
    // Incremental: two searches (one per object) and the archived lists, not the whole portal again.
    expect(emulator.requests - writes).toBeLessThan(20);
  }, 240_000);

  it('brings an edit made in HubSpot, and removes a record HubSpot archived', async () => {
    const [edited, archived] = emulator.store.records('companies').slice(10, 12);
    emulator.userEdit('companies', edited!.id, { name: 'Renamed in HubSpot Ltd', city: null });
    emulator.store.archive('companies', archived!.id);
    const report = await refreshMirror(t.db, { mapping, hubspot, objects: ['companies'] });
    expect(report.sync.totals).toMatchObject({ updated: 1, created: 0, failed: 0 });
    expect(report.removed).toEqual({ companies: 1 });
    const companies = await rows('companies');
    expect(companies.find((r) => r.id === edited!.id)).toMatchObject({ name: 'Renamed in HubSpot Ltd', city: null });
    expect(companies.find((r) => r.id === archived!.id)).toBeUndefined();
    expect((await refreshMirror(t.db, { mapping, hubspot, objects: ['companies'] })).removed).toEqual({ companies: 0 });
  }, 120_000);

  it('gives reconcile the same answer as the mirror loaded from the example files, but for the two records changed above', async () => {
    const summary = await reconcile(t.db, { object: 'contacts', mapping, legacyPath: EXPORT_DIR });
    const expected = truth().objects.contacts!.statuses;
    expect({ matched: summary.matched, conflict: summary.conflict, orphan: summary.orphan }).toEqual({
      matched: expected.matched,
      conflict: expected.conflict,
      orphan: expected.orphan,
    });
  }, 120_000);
});
