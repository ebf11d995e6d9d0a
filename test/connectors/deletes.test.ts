import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ReadItem, SourceRecord } from '../../core/connectors/connector';
import { HubSpotConnector } from '../../core/connectors/hubspot';
import { PipedriveConnector } from '../../core/connectors/pipedrive';
import { PostgresMirrorConnector } from '../../core/connectors/postgres/postgres-mirror';
import { SalesforceConnector } from '../../core/connectors/salesforce';
import { HubSpotEmulator } from '../../sandbox/hubspot';
import { PipedriveEmulator } from '../../sandbox/pipedrive';
import { SalesforceEmulator } from '../../sandbox/salesforce';
import { createTestDatabase, type TestDatabase } from '../helpers/database';

const stops: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(stops.splice(0).map((s) => s()));
});

async function collect(items: AsyncIterable<ReadItem>): Promise<SourceRecord[]> {
  const out: SourceRecord[] = [];
  for await (const item of items) if (item.type === 'record') out.push(item.record);
  return out;
}

describe('deletes through the real SDKs against the emulators', () => {
  it('HubSpot archives by ID (batch/archive): the records leave lists and are reported by readDeleted', async () => {
    const TOKEN = 'pat-na1-deletes-token-0123456789';
    const emulator = new HubSpotEmulator({ tokens: [TOKEN], rateLimitMax: 100_000 });
    const connector = new HubSpotConnector({ accessToken: TOKEN, basePath: await emulator.start() });
    stops.push(() => emulator.stop());
    const records = Array.from({ length: 150 }, (_, i) =>
      emulator.store.create('companies', { name: `C${i}`, legacy_company_id: `L-${i}` }),
    );
    const ids = records.slice(0, 120).map((r) => r.id);
    const results = await connector.delete('companies', ids);
    expect(results).toHaveLength(120);
    expect(results.every((r) => r.status === 'deleted')).toBe(true);
    // 120 IDs: two batch/archive calls of at most 100.
    expect(emulator.endpointCount('POST', '/crm/v3/objects/companies/batch/archive')).toBe(2);
    expect((await collect(connector.read('companies', { properties: ['name'] }))).map((r) => r.id)).toEqual(
      records.slice(120).map((r) => r.id),
    );
    const deleted = await collect(connector.readDeleted('companies'));
    expect(deleted.map((r) => r.id).sort()).toEqual([...ids].sort());
    await expect(connector.delete('engagements', ['1'])).rejects.toThrow(/engagements by ID is not supported/);
  });

  it('Salesforce deletes through sObject Collections (per-record results) and reports deletions by getDeleted', async () => {
    const client = { clientId: 'del-app', clientSecret: 'del-secret-value' };
    const sf = new SalesforceEmulator({ client });
    const instanceUrl = await sf.start();
    stops.push(() => sf.stop());
    const connector = new SalesforceConnector({ instanceUrl, oauth: client });
    const accounts = sf.store.insert(
      'Account',
      Array.from({ length: 250 }, (_, i) => ({ Name: `Account ${i}` })),
    );
    const before = new Date(Date.now() - 1000).toISOString();
    const ids = accounts.slice(0, 210).map((a) => a.Id);
    const results = await connector.delete('Account', [...ids, ids[0]!.replace(/.$/, 'X')]);
    expect(results.slice(0, 210).every((r) => r.status === 'deleted')).toBe(true);
    // An Id of no live record: Salesforce says ENTITY_IS_DELETED, which is no failure.
    expect(results[210]).toMatchObject({ status: 'missing' });
    const calls = sf.requests.filter((r) => r.method === 'DELETE' && r.path.endsWith('/composite/sobjects'));
    expect(calls).toHaveLength(2); // 211 IDs in calls of at most 200
    expect(sf.store.count('Account')).toBe(40);
    // Deleting again: each is deleted already.
    expect((await connector.delete('Account', ids.slice(0, 3))).map((r) => r.status)).toEqual([
      'missing',
      'missing',
      'missing',
    ]);

    const deleted = await collect(connector.readDeleted('Account', { since: before }));
    expect(deleted.map((r) => r.id).sort()).toEqual([...ids].sort());
    expect(Date.parse(deleted[0]!.modifiedAt!)).toBeGreaterThan(Date.parse(before) - 60_000);
    expect(sf.requests.some((r) => r.method === 'GET' && r.path.endsWith('/sobjects/Account/deleted'))).toBe(true);
    // Without a time: what the recycle bin holds. A later time: nothing.
    expect(await collect(connector.readDeleted('Account'))).toHaveLength(210);
    const later = new Date(Date.now() + 120_000).toISOString();
    expect(await collect(connector.readDeleted('Account', { since: later }))).toHaveLength(0);
  });

  it('Pipedrive deletes by ID (v2 DELETE) and reports deleted records from /v1/recents', async () => {
    const token = 'pd-deletes-token-0123456789';
    const pd = new PipedriveEmulator({ tokens: [token], burstBudget: 100_000 });
    const basePath = await pd.start();
    stops.push(() => pd.stop());
    const connector = new PipedriveConnector({ apiToken: token, basePath, pageSize: 3 });
    const persons = Array.from({ length: 8 }, (_, i) => pd.store.create('persons', { name: `P${i}` }));
    const deals = Array.from({ length: 3 }, (_, i) => pd.store.create('deals', { title: `D${i}`, status: 'open' }));
    const gone = persons.slice(0, 5).map((p) => String(p.id));
    const results = await connector.delete('persons', [...gone, '999999']);
    expect(results.map((r) => r.status)).toEqual(['deleted', 'deleted', 'deleted', 'deleted', 'deleted', 'missing']);
    expect(pd.requestsTo(/^\/api\/v2\/persons\/\d+$/).filter((r) => r.method === 'DELETE')).toHaveLength(6);
    expect((await collect(connector.read('persons'))).map((r) => r.id)).toEqual(
      persons.slice(5).map((p) => String(p.id)),
    );
    // Recents pages (3 a page here) hold live changes too: only the ones flagged deleted are deletions.
    const deleted = await collect(connector.readDeleted('persons'));
    expect(pd.requestsTo('/v1/recents').length).toBeGreaterThanOrEqual(3);
    expect(deleted.map((r) => r.id).sort()).toEqual([...gone].sort());
    expect(deleted[0]!.modifiedAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(
      await collect(connector.readDeleted('persons', { since: new Date(Date.now() + 5000).toISOString() })),
    ).toEqual([]);
    // A deal is flagged deleted by its status.
    await connector.delete('deals', [String(deals[1]!.id)]);
    expect((await collect(connector.readDeleted('deals'))).map((r) => r.id)).toEqual([String(deals[1]!.id)]);
    expect(await collect(connector.readDeleted('organizations'))).toEqual([]);
  });
});

describe('Postgres mirror: rows missing since the last call are deletions', () => {
  let t: TestDatabase;
  let mirror: PostgresMirrorConnector;
  beforeAll(async () => {
    t = await createTestDatabase();
    await t.db.pool.query('CREATE SCHEMA mirror_del');
    await t.db.pool.query('CREATE TABLE mirror_del.companies (hs_object_id bigint PRIMARY KEY, name text)');
    await t.db.pool.query("INSERT INTO mirror_del.companies SELECT i, 'Company ' || i FROM generate_series(1, 10) i");
    mirror = new PostgresMirrorConnector(t.db.pool, {
      schema: 'mirror_del',
      tables: { companies: { table: 'companies', idColumn: 'hs_object_id' } },
    });
  }, 60_000);
  afterAll(async () => t?.drop());

  it('takes a baseline first, then reports the rows gone (and not again after a later time), and deletes by ID', async () => {
    expect(await collect(mirror.readDeleted('companies'))).toEqual([]);
    await t.db.pool.query('DELETE FROM mirror_del.companies WHERE hs_object_id IN (3, 7)');
    const first = await collect(mirror.readDeleted('companies'));
    expect(first.map((r) => r.id)).toEqual(['3', '7']);
    const at = first[1]!.modifiedAt!;
    expect(Number.isNaN(Date.parse(at))).toBe(false);

    const results = await mirror.delete('companies', ['5', '3']);
    expect(results).toEqual([
      { id: '5', status: 'deleted' },
      { id: '3', status: 'missing' },
    ]);
    const since = await collect(mirror.readDeleted('companies', { since: at }));
    expect(since.map((r) => r.id)).toEqual(['5']);
    // A row that comes back is live again; the bookkeeping table is no object of the mirror.
    await t.db.pool.query("INSERT INTO mirror_del.companies VALUES (3, 'Company 3')");
    expect((await collect(mirror.readDeleted('companies'))).map((r) => r.id)).toEqual(['7', '5']);
    expect(await mirror.listObjects()).toEqual(['companies']);
  });
});
