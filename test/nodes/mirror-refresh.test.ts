/**
 * The n8n Mirror › Refresh operation, driven as n8n drives it (parameters and credentials by name), against the
 * HubSpot emulator and a real database: one item per object, and a failed stream never comes out as success.
 */
import type { IExecuteFunctions, ILoadOptionsFunctions, INodeExecutionData } from 'n8n-workflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { description, executeAll } from '../../nodes/CrmBridge/actions/mirror/refresh.operation';
import { getMappingObjects } from '../../nodes/CrmBridge/methods/loadOptions';
import { CrmBridge } from '../../nodes/CrmBridge/CrmBridge.node';
import { HubSpotEmulator } from '../../sandbox/hubspot';
import { seedHubSpotPortal } from '../../sandbox/examples/hubspot-portal';
import { createTestDatabase, type TestDatabase } from '../helpers/database';

const TOKEN = 'pat-na1-n8n-mirror-7c41e0';
let t: TestDatabase;
let emulator: HubSpotEmulator;
let baseUrl: string;

beforeAll(async () => {
  t = await createTestDatabase();
  // The limit lifted: these tests count what is read and written, not how long windows take.
  emulator = new HubSpotEmulator({ tokens: [TOKEN], rateLimitMax: 100_000 });
  // 300 of each: several pages of reads and more than a plan's 200 lines, without copying the whole portal.
  seedHubSpotPortal(emulator, { objects: ['companies', 'contacts'], firstRows: 300 });
  baseUrl = await emulator.start();
}, 120_000);
afterAll(async () => {
  await emulator?.stop();
  await t?.drop();
});

/** The few n8n functions the operation calls, with the node's parameters and the HubSpot credential. */
function n8n(parameters: Record<string, unknown>, options: { continueOnFail?: boolean } = {}): IExecuteFunctions {
  const all: Record<string, unknown> = {
    crm: 'hubspot',
    objects: ['companies', 'contacts'],
    full: false,
    dryRun: false,
    mappingFile: '',
    ...parameters,
  };
  return {
    getNodeParameter: (name: string, _i: number, fallback?: unknown) => (name in all ? all[name] : fallback),
    getCredentials: async (type: string) =>
      type === 'crmBridgeHubSpotApi' ? { authentication: 'accessToken', accessToken: TOKEN, baseUrl } : undefined,
    getNode: () => ({ name: 'CRM Bridge', type: 'crmBridge', typeVersion: 1, position: [0, 0], parameters: {} }),
    continueOnFail: () => options.continueOnFail ?? false,
  } as unknown as IExecuteFunctions;
}

const context = { db: async () => t.db };
const refresh = (parameters: Record<string, unknown> = {}, options: { continueOnFail?: boolean } = {}) =>
  executeAll.call(n8n(parameters, options), context);
const json = (items: INodeExecutionData[]) => items.map((i) => i.json as Record<string, any>);
const mirrored = async (table: string) =>
  (await t.db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM hubspot.${table}`)).rows[0]!.n;

describe('n8n Mirror › Refresh', () => {
  it('offers Objects from the mapping (all when none is chosen), Full and Dry Run (off), and the credentials', async () => {
    const objects = description.find((p) => p.name === 'objects')!;
    expect([objects.type, objects.default, objects.typeOptions?.loadOptionsMethod]).toEqual([
      'multiOptions',
      [],
      'getMappingObjects',
    ]);
    expect(
      description.filter((p) => p.name === 'full' || p.name === 'dryRun').map((p) => [p.name, p.type, p.default]),
    ).toEqual([
      ['full', 'boolean', false],
      ['dryRun', 'boolean', false],
    ]);
    const loader = {
      getNodeParameter: (_name: string, fallback: unknown) => fallback,
    } as unknown as ILoadOptionsFunctions;
    const options = await getMappingObjects.call(loader);
    expect(options.map((o) => o.value)).toEqual(expect.arrayContaining(['companies', 'contacts']));
    expect(options.find((o) => o.value === 'companies')).toMatchObject({
      name: 'Companies',
      description: 'hubspot.companies',
    });

    const node = new CrmBridge().description;
    const shownFor = (name: string) => node.credentials!.find((c) => c.name === name)!.displayOptions!.show!.resource;
    expect(shownFor('crmBridgePostgresApi')).toContain('mirror');
    expect(shownFor('crmBridgeHubSpotApi')).toContain('mirror');
    expect(new CrmBridge().methods.loadOptions.getMappingObjects).toBe(getMappingObjects);
  });

  it('plans on an empty database without creating anything, then creates the tables and copies every record: one item per object with its counts and the run ID', async () => {
    const plan = json(await refresh({ dryRun: true }));
    expect(plan.map((i) => [i.object, i.status, i.dryRun])).toEqual([
      ['companies', 'succeeded', true],
      ['contacts', 'succeeded', true],
    ]);
    expect(plan[0]!.counts).toMatchObject({ created: emulator.store.count('companies'), failed: 0 });
    expect(
      await t.db.pool.query(`SELECT 1 FROM information_schema.tables WHERE table_schema = 'hubspot'`),
    ).toMatchObject({ rowCount: 0 });

    const items = json(await refresh());
    expect(items.map((i) => [i.object, i.status])).toEqual([
      ['companies', 'succeeded'],
      ['contacts', 'succeeded'],
    ]);
    const [companies, contacts] = items;
    expect(companies!.runId).toMatch(/^[0-9a-f-]{36}$/);
    expect(contacts!.runId).toBe(companies!.runId);
    expect(companies).toMatchObject({
      dryRun: false,
      full: false,
      table: { created: true, columnsAdded: [] },
      removed: 0,
      problems: [],
    });
    expect(companies!.counts).toMatchObject({
      read: emulator.store.count('companies'),
      created: emulator.store.count('companies'),
      failed: 0,
    });
    expect(contacts!.counts).toMatchObject({ created: emulator.store.count('contacts'), failed: 0 });
    expect(companies!.error).toBeUndefined();
    expect(await mirrored('companies')).toBe(emulator.store.count('companies'));
    expect(await mirrored('contacts')).toBe(emulator.store.count('contacts'));
  }, 240_000);

  it('a dry run counts an edit made in HubSpot without writing it; the refresh then writes it and removes an archived record', async () => {
    const [edited, archived] = emulator.store.records('companies').slice(3, 5);
    emulator.userEdit('companies', edited!.id, { name: 'Renamed for n8n Ltd' });
    emulator.store.archive('companies', archived!.id);
    const nameOf = async (id: string) =>
      (await t.db.pool.query<{ name: string }>('SELECT name FROM hubspot.companies WHERE hs_object_id = $1', [id]))
        .rows[0]?.name;

    const [plan] = json(await refresh({ objects: ['companies'], dryRun: true }));
    expect(plan).toMatchObject({ object: 'companies', status: 'succeeded', dryRun: true, table: null, removed: 0 });
    expect(plan!.counts).toMatchObject({ updated: 1, created: 0 });
    expect(await nameOf(edited!.id)).not.toBe('Renamed for n8n Ltd');

    const items = json(await refresh({ objects: ['companies'] }));
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({
      object: 'companies',
      status: 'succeeded',
      table: { created: false, columnsAdded: [] },
      removed: 1,
    });
    expect(items[0]!.counts).toMatchObject({ updated: 1, created: 0, failed: 0 });
    expect(await nameOf(edited!.id)).toBe('Renamed for n8n Ltd');
    expect(await nameOf(archived!.id)).toBeUndefined();
  }, 120_000);

  it('a stream with a record the mirror refused fails the node, naming the object and its reason (an item with the error when continuing on fail)', async () => {
    // The mirror refuses one contact's new value. Records re-read in the engine's lookback window count as through,
    // so the engine may call the stream partial rather than failed: for a mirror both are failures (the next
    // reconcile would take the record it lacks for new).
    await t.db.pool.query(
      `ALTER TABLE hubspot.contacts ADD CONSTRAINT mirror_refuses_this CHECK (firstname IS DISTINCT FROM 'Refused')`,
    );
    const contact = emulator.store.records('contacts')[7]!;
    const company = emulator.store.records('companies')[9]!;
    emulator.userEdit('contacts', contact.id, { firstname: 'Refused' });
    emulator.userEdit('companies', company.id, { city: 'Lisbon' });

    const failed = await refresh().catch((e: Error) => e);
    expect(failed).toBeInstanceOf(Error);
    expect((failed as Error).name).toBe('NodeOperationError');
    expect((failed as Error).message).toMatch(
      /^Mirror refresh \(run [0-9a-f-]{36}\) failed for contacts: contacts (partial|failed): 1 failed: .*mirror_refuses_this.* \(e\.g\. \d+\)$/,
    );
    expect((failed as Error).message).not.toContain(TOKEN);

    const items = json(await refresh({}, { continueOnFail: true }));
    expect(items.map((i) => i.object)).toEqual(['companies', 'contacts']);
    expect(items[0]!.status).toBe('succeeded');
    expect(['partial', 'failed']).toContain(items[1]!.status);
    expect(items[1]!.error).toMatch(/mirror_refuses_this/);
    // Retried from pending and read again in the look-back window, the record is tried twice and counted once.
    expect(items[1]!.counts.failed).toBe(1);
    expect(items[1]!.problems).toEqual([expect.objectContaining({ kind: 'failed', example: contact.id })]);
    expect(items[0]!.error).toBeUndefined();
    // Refused records are kept for the next run: once the mirror takes the value, the refresh brings it.
    await t.db.pool.query('ALTER TABLE hubspot.contacts DROP CONSTRAINT mirror_refuses_this');
    expect(json(await refresh()).map((i) => [i.object, i.status])).toEqual([
      ['companies', 'succeeded'],
      ['contacts', 'succeeded'],
    ]);
    expect(
      (await t.db.pool.query('SELECT firstname FROM hubspot.contacts WHERE hs_object_id = $1', [contact.id])).rows,
    ).toEqual([{ firstname: 'Refused' }]);
  }, 120_000);

  it('refuses an object the mapping does not have, before reading anything', async () => {
    const before = emulator.requests;
    await expect(refresh({ objects: ['tickets'] })).rejects.toThrow(/Not in the mapping: tickets/);
    expect(json(await refresh({ objects: ['tickets'] }, { continueOnFail: true }))).toEqual([
      { error: expect.stringMatching(/Not in the mapping: tickets/) },
    ]);
    expect(emulator.requests).toBe(before);
  }, 60_000);
});
