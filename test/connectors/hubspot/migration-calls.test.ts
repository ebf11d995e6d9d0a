import { describe, expect, it } from 'vitest';
import { HubSpotEmulator } from '../../../sandbox/hubspot';
import { HubSpotConnector } from '../../../core/connectors/hubspot';
import type { UpsertInput } from '../../../core/connectors/connector';
import { collectRecords, hubspotConnectorSetup, stopEmulatorsAfterEach } from '../../helpers/emulators';

const TOKEN = 'pat-na1-migration-token-0123456789';
const startEmulator = stopEmulatorsAfterEach<HubSpotEmulator>();
const start = hubspotConnectorSetup(TOKEN);
const READ = ['POST', '/crm/v3/objects/companies/batch/read'] as const;
const UPSERT = ['POST', '/crm/v3/objects/companies/batch/upsert'] as const;

// The limit is not what these tests are about: lifted so they count calls without waiting out windows.
const setup = () => start({ rateLimitMax: 100_000 });

const companies = (n: number, suffix = ''): UpsertInput[] =>
  Array.from({ length: n }, (_, i) => ({
    key: `L-${i}`,
    properties: { name: `Company ${i}${suffix}`, city: i % 2 ? 'Leeds' : 'York' },
  }));

describe('HubSpot calls a migration needs, through the real SDK', () => {
  it('reads back only while it pays: a first load of new records reads 1 batch in 16, a re-run reads every batch and writes nothing', async () => {
    const { emulator, connector } = await setup();
    const first = await connector.upsert('companies', companies(6400), { keyProperty: 'legacy_company_id' });
    expect(first.filter((r) => r.status === 'created')).toHaveLength(6400);
    // 64 batches: the opening batches are read until the share of unchanged records falls below a fifth, then 1 in 16.
    const firstReads = emulator.endpointCount(...READ);
    expect(firstReads).toBeGreaterThanOrEqual(4);
    expect(firstReads).toBeLessThanOrEqual(5 + Math.ceil(64 / 16));
    expect(emulator.endpointCount(...UPSERT)).toBe(64);

    // A new process (new connector) re-running the same data: every batch is read, nothing is written.
    const rerun = new HubSpotConnector({ accessToken: TOKEN, basePath: emulator.url });
    const again = await rerun.upsert('companies', companies(6400), { keyProperty: 'legacy_company_id' });
    expect(again.filter((r) => r.status === 'unchanged')).toHaveLength(6400);
    expect(emulator.endpointCount(...READ) - firstReads).toBe(64);
    expect(emulator.endpointCount(...UPSERT)).toBe(64);

    // And a re-run with every name changed goes back to sampling after the opening batches.
    const changedReadsBefore = emulator.endpointCount(...READ);
    const changed = await rerun.upsert('companies', companies(6400, ' Ltd'), { keyProperty: 'legacy_company_id' });
    expect(changed.filter((r) => r.status === 'updated')).toHaveLength(6400);
    expect(emulator.endpointCount(...READ) - changedReadsBefore).toBeLessThanOrEqual(5 + Math.ceil(64 / 16));
    expect(emulator.store.findBy('companies', 'legacy_company_id', 'L-17')!.properties.name).toBe('Company 17 Ltd');
  });

  it('detectUnchanged: true reads every batch, false none', async () => {
    const { emulator, connector } = await setup();
    await connector.upsert('companies', companies(300), { keyProperty: 'legacy_company_id', detectUnchanged: true });
    expect(emulator.endpointCount(...READ)).toBe(3);
    await connector.upsert('companies', companies(300, '!'), {
      keyProperty: 'legacy_company_id',
      detectUnchanged: false,
    });
    expect(emulator.endpointCount(...READ)).toBe(3);
  });

  it('updates records by HubSpot ID, failing unknown IDs and taken unique values one by one', async () => {
    const { emulator, connector } = await setup();
    const a = emulator.store.create('companies', { name: 'Acme' });
    const b = emulator.store.create('companies', { name: 'Globex', legacy_company_id: 'G-1' });
    const results = await connector.updateByIds('companies', [
      { id: a.id, properties: { legacy_company_id: 'A-1', city: 'Leeds' } },
      { id: '999999', properties: { name: 'Nobody' } },
      { id: b.id, properties: { numberofemployees: 'many' } },
    ]);
    expect(results).toEqual([
      { id: a.id, status: 'updated' },
      { id: '999999', status: 'failed', error: expect.stringContaining('not found') },
      { id: b.id, status: 'failed', error: expect.stringContaining('not a valid number') },
    ]);
    expect(emulator.store.get('companies', a.id)!.properties).toMatchObject({
      legacy_company_id: 'A-1',
      city: 'Leeds',
    });
    expect(emulator.store.findBy('companies', 'legacy_company_id', 'A-1')!.id).toBe(a.id);
    const clash = await connector.updateByIds('companies', [{ id: a.id, properties: { legacy_company_id: 'G-1' } }]);
    expect(clash[0]).toMatchObject({ status: 'failed', error: expect.stringContaining(`Existing ID: ${b.id}`) });
  });

  it('refuses an upsert that would give a second record a unique value another record holds', async () => {
    const { emulator, connector } = await setup();
    const holder = emulator.store.create('contacts', { email: 'ann@acme.test', firstname: 'Ann' });
    const results = await connector.upsert(
      'contacts',
      [
        { key: 'P-1', properties: { email: 'ann@acme.test', firstname: 'Ann' } },
        { key: 'P-2', properties: { email: 'bob@acme.test', firstname: 'Bob' } },
      ],
      { keyProperty: 'legacy_contact_id', detectUnchanged: false },
    );
    expect(results[0]).toMatchObject({
      key: 'P-1',
      status: 'failed',
      error: expect.stringContaining(`Existing ID: ${holder.id}`),
    });
    expect(results[1]).toMatchObject({ key: 'P-2', status: 'created' });
    expect(emulator.store.count('contacts')).toBe(2);
  });

  it('reports archived records as deletions, with their unique keys and the time they were archived', async () => {
    let clock = Date.parse('2026-03-01T10:00:00Z');
    const emulator = new HubSpotEmulator({ tokens: [TOKEN], now: () => clock });
    const connector = new HubSpotConnector({ accessToken: TOKEN, basePath: await startEmulator(emulator) });
    const records = Array.from({ length: 130 }, (_, i) =>
      emulator.store.create('companies', { name: `C${i}`, legacy_company_id: `L-${i}` }),
    );
    clock += 60_000;
    for (const r of records.slice(0, 120)) emulator.store.archive('companies', r.id);
    clock += 60_000;
    emulator.store.archive('companies', records[125]!.id);
    const all = await collectRecords(connector.readDeleted('companies'));
    expect(all).toHaveLength(121);
    expect(all[0]).toMatchObject({
      id: records[0]!.id,
      modifiedAt: '2026-03-01T10:01:00.000Z',
      properties: expect.objectContaining({ legacy_company_id: 'L-0' }),
    });
    const later = await collectRecords(connector.readDeleted('companies', { since: '2026-03-01T10:01:30.000Z' }));
    expect(later.map((r) => r.id)).toEqual([records[125]!.id]);
    // Archived records leave lists and unique keys.
    expect(await collectRecords(connector.read('companies', { properties: ['name'] }))).toHaveLength(9);
    expect(emulator.store.findBy('companies', 'legacy_company_id', 'L-0')).toBeUndefined();
  });
});
