import { describe, expect, it } from 'vitest';
import { Client } from '@hubspot/api-client';
import { HubSpotConnector, HubSpotError, encodeHubSpotCursor } from '../../../core/connectors/hubspot';
import { collectRecords, hubspotConnectorSetup } from '../../helpers/emulators';

const TOKEN = 'pat-na1-assoc-token-0123456789';
const APP = {
  clientId: 'client-id-0001',
  clientSecret: 'client-SECRET-value-42',
  refreshToken: 'refresh-TOKEN-value-77',
};
const setup = hubspotConnectorSetup(TOKEN);

const toCompany = { toObject: 'companies', toKeyProperty: 'legacy_company_id', keyFrom: 'company_key' };

describe('HubSpot v4 associations (real @hubspot/api-client against the emulator)', () => {
  it('associates contacts with their company by the company key; a missing parent fails that record only, unwritten', async () => {
    const { emulator, connector } = await setup();
    const companies = await connector.upsert(
      'companies',
      [
        { key: 'CO-1', properties: { name: 'Acme' } },
        { key: 'CO-2', properties: { name: 'Globex' } },
      ],
      { keyProperty: 'legacy_company_id' },
    );
    const contacts = [
      { key: 'P-1', properties: { email: 'a@acme.test', company_key: 'CO-1' } },
      { key: 'P-2', properties: { email: 'b@globex.test', company_key: 'CO-2' } },
      { key: 'P-3', properties: { email: 'c@nowhere.test', company_key: 'CO-404' } },
      { key: 'P-4', properties: { email: 'd@solo.test', company_key: null } },
      { key: 'P-5', properties: { email: 'e@acme.test', company_key: 'CO-1' } },
    ];
    const results = await connector.upsert('contacts', contacts, {
      keyProperty: 'legacy_contact_id',
      associations: [toCompany],
    });
    expect(results.map((r) => [r.key, r.status])).toEqual([
      ['P-1', 'created'],
      ['P-2', 'created'],
      ['P-3', 'failed'],
      ['P-4', 'created'],
      ['P-5', 'created'],
    ]);
    expect(results[2]!.error).toBe(
      'not written: its parent in companies with legacy_company_id=CO-404 does not exist in HubSpot',
    );
    expect(emulator.store.findBy('contacts', 'legacy_contact_id', 'P-3')).toBeUndefined();
    expect(emulator.store.count('contacts')).toBe(4);
    // The parent key is not a HubSpot property: it is not written.
    expect(emulator.store.findBy('contacts', 'legacy_contact_id', 'P-1')!.properties).not.toHaveProperty('company_key');
    const [acme, globex] = companies.map((c) => c.id!);
    expect(
      emulator.store.associations
        .of('contacts', results[0]!.id!, 'companies')
        .map((a) => [a.toObjectId, a.types[0]!.typeId]),
    ).toEqual([[acme, 279]]);
    expect(emulator.store.associations.of('contacts', results[1]!.id!, 'companies').map((a) => a.toObjectId)).toEqual([
      globex,
    ]);
    expect(emulator.store.associations.of('contacts', results[3]!.id!, 'companies')).toEqual([]);
    // Both directions, as in HubSpot: the company lists its two contacts with the inverse type.
    expect(
      emulator.store.associations.of('companies', acme!, 'contacts').map((a) => [a.toObjectId, a.types[0]!.typeId]),
    ).toEqual([
      [results[0]!.id, 280],
      [results[4]!.id, 280],
    ]);
    // Reading back through the SDK (v4 batch read).
    const read = await connector.readAssociations('companies', [acme!, globex!], 'contacts');
    expect(Object.fromEntries(read)).toEqual({
      [acme!]: [results[0]!.id, results[4]!.id],
      [globex!]: [results[1]!.id],
    });
    // Once the parent exists, a re-run writes the failed record and creates nothing else.
    await connector.upsert('companies', [{ key: 'CO-404', properties: { name: 'Late Ltd' } }], {
      keyProperty: 'legacy_company_id',
    });
    const again = await connector.upsert('contacts', contacts, {
      keyProperty: 'legacy_contact_id',
      associations: [toCompany],
    });
    expect(again.map((r) => r.status)).toEqual(['unchanged', 'unchanged', 'created', 'unchanged', 'unchanged']);
    expect(emulator.store.count('contacts')).toBe(5);
    expect(emulator.store.associations.of('contacts', results[0]!.id!, 'companies')).toHaveLength(1);
  });

  it('associates deals with contacts and pages through many associations of one record', async () => {
    const { emulator, connector } = await setup({ associationPageSize: 2 });
    const people = Array.from({ length: 5 }, (_, i) => ({ key: `C-${i}`, properties: { email: `p${i}@x.test` } }));
    const created = await connector.upsert('contacts', people, {
      keyProperty: 'legacy_contact_id',
      detectUnchanged: false,
    });
    const deals = people.map((p, i) => ({ key: `D-${i}`, properties: { dealname: `Deal ${i}`, contact_key: p.key } }));
    const spec = { toObject: 'contacts', toKeyProperty: 'legacy_contact_id', keyFrom: 'contact_key' };
    const written = await connector.upsert('deals', deals, { keyProperty: 'legacy_deal_id', associations: [spec] });
    expect(written.every((r) => r.status === 'created')).toBe(true);
    const byDeal = await connector.readAssociations(
      'deals',
      written.map((r) => r.id!),
      'contacts',
    );
    expect(written.map((r) => byDeal.get(r.id!))).toEqual(created.map((c) => [c.id]));
    // One contact with all five deals: the emulator pages 2 at a time, the connector follows `after`.
    const hub = created[0]!.id!;
    for (const d of written.slice(1)) emulator.store.associations.add('deals', d.id!, 'contacts', hub);
    const ofContact = await connector.readAssociations('contacts', [hub, '999999'], 'deals');
    expect([...ofContact.get(hub)!].sort()).toEqual(written.map((r) => r.id!).sort());
    expect(ofContact.get('999999')).toEqual([]);
    // The sync engine then fetches the associated records by ID (unknown IDs are left out).
    const fetched = await collectRecords(
      connector.readByIds('contacts', [hub, '999999'], { properties: ['email', 'legacy_contact_id'] }),
    );
    expect(fetched.map((r) => [r.id, r.properties])).toEqual([[hub, { email: 'p0@x.test', legacy_contact_id: 'C-0' }]]);
  });

  it('serves the v4 endpoints the SDK calls: labels, PUT default, batch/create with an invalid id', async () => {
    const { emulator, basePath } = await setup();
    const client = new Client({ accessToken: TOKEN, basePath });
    const contact = emulator.store.create('contacts', { email: 'x@x.test' });
    const company = emulator.store.create('companies', { name: 'X' });
    const labels = await client.crm.associations.v4.schema.definitionsApi.getAll('contacts', 'companies');
    expect(labels.results.map((l) => [l.typeId, l.label ?? null])).toEqual([
      [279, null],
      [1, 'Primary'],
    ]);
    const made = await client.crm.associations.v4.basicApi.createDefault(
      'contacts',
      contact.id,
      'companies',
      company.id,
    );
    expect(made.results[0]!.associationSpec.associationTypeId).toBe(279);
    const batch = await client.crm.associations.v4.batchApi.create('deals', 'companies', {
      inputs: [
        {
          _from: { id: '424242' },
          to: { id: company.id },
          types: [{ associationCategory: 'HUBSPOT_DEFINED' as never, associationTypeId: 341 }],
        },
      ],
    });
    expect((batch as { errors?: Array<{ message: string }> }).errors?.[0]?.message).toBe('deals 424242 does not exist');
    expect(emulator.store.associations.of('companies', company.id, 'contacts').map((a) => a.toObjectId)).toEqual([
      contact.id,
    ]);
  });
});

describe('HubSpot OAuth (refresh-token grant through the SDK)', () => {
  it('gets a token, renews it when it expires (401), loses nothing, and shares one limit across tokens', async () => {
    const { emulator, basePath } = await setup({ tokens: undefined, oauthApps: [APP] });
    const connector = new HubSpotConnector({ oauth: { ...APP }, basePath, minRetryDelayMs: 5 });
    expect(await connector.checkConnection()).toMatchObject({ ok: true });
    expect(connector.tokenRefreshes).toBe(1);
    const first = await connector.upsert(
      'companies',
      Array.from({ length: 150 }, (_, i) => ({ key: `O-${i}`, properties: { name: `Org ${i}` } })),
      { keyProperty: 'legacy_company_id', detectUnchanged: false },
    );
    expect(first.every((r) => r.status === 'created')).toBe(true);
    emulator.expireAccessTokens();
    const second = await connector.upsert(
      'companies',
      Array.from({ length: 250 }, (_, i) => ({ key: `O-${i}`, properties: { name: `Org ${i}`, city: 'Leeds' } })),
      { keyProperty: 'legacy_company_id' },
    );
    expect(second.filter((r) => r.status === 'updated')).toHaveLength(150);
    expect(second.filter((r) => r.status === 'created')).toHaveLength(100);
    expect(connector.tokenRefreshes).toBe(2);
    expect(emulator.oauth.tokenRequests).toBe(2);
    expect(emulator.store.count('companies')).toBe(250);
    // A plain access token is refused when the emulator only knows OAuth apps.
    const stranger = new HubSpotConnector({ accessToken: 'pat-unknown', basePath, minRetryDelayMs: 5 });
    expect((await stranger.checkConnection()).ok).toBe(false);
  });

  it('a wrong client secret or refresh token fails clearly, with no secret in the error', async () => {
    const { basePath } = await setup({ tokens: undefined, oauthApps: [APP] });
    for (const wrong of [
      { ...APP, clientSecret: 'WRONG-secret-zz' },
      { ...APP, refreshToken: 'WRONG-refresh-yy' },
    ]) {
      const connector = new HubSpotConnector({ oauth: wrong, basePath, minRetryDelayMs: 5 });
      const check = await connector.checkConnection();
      expect(check.ok).toBe(false);
      expect(check.message).toMatch(
        /OAuth token refresh failed with HTTP 400: missing or (invalid client_secret|unknown refresh token)/,
      );
      const error = await collectRecords(connector.read('contacts', { properties: ['email'] })).catch(
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(HubSpotError);
      const text = `${check.message} ${JSON.stringify(error)} ${String((error as Error).stack)}`;
      for (const secret of [wrong.clientSecret, wrong.refreshToken, APP.clientSecret])
        expect(text).not.toContain(secret);
    }
  });
});

describe('HubSpot emulator: a user edit in HubSpot', () => {
  it('bumps hs_lastmodifieddate even on the same instant and with the same values, so an incremental read sees it', async () => {
    const clock = Date.parse('2026-03-01T00:00:00Z');
    const { emulator, connector } = await setup({ now: () => clock });
    const [a, b] = [
      emulator.store.create('contacts', { email: 'a@x.test' }),
      emulator.store.create('contacts', { email: 'b@x.test' }),
    ];
    const cursor = encodeHubSpotCursor(new Date(clock).toISOString(), b.id);
    expect(await collectRecords(connector.read('contacts', { since: cursor, properties: ['email'] }))).toHaveLength(0);
    const edited = emulator.userEdit('contacts', a.id, { email: 'a@x.test', firstname: 'Ann' });
    expect(edited.updatedAt).toBe(clock + 1);
    expect(edited.properties.hs_lastmodifieddate).toBe(new Date(clock + 1).toISOString());
    const again = emulator.userEdit('contacts', a.id, {});
    expect(again.updatedAt).toBe(clock + 2);
    const seen = await collectRecords(
      connector.read('contacts', { since: cursor, properties: ['email', 'firstname'] }),
    );
    expect(seen.map((r) => [r.id, r.properties.firstname])).toEqual([[a.id, 'Ann']]);
    expect(() => emulator.userEdit('contacts', '1', {})).toThrow(/No contacts record with id 1/);
  });
});

describe('HubSpot rate limit at full allowance', () => {
  it('runs at the limit with one call per 100 records when the pre-read is skipped, and never gets a 429', async () => {
    const { emulator, connector } = await setup({ rateLimitMax: 10, rateLimitIntervalMs: 500 });
    const input = Array.from({ length: 3000 }, (_, i) => ({ key: `R-${i}`, properties: { name: `R${i}` } }));
    const started = Date.now();
    const results = await connector.upsert('companies', input, {
      keyProperty: 'legacy_company_id',
      detectUnchanged: false,
    });
    const elapsed = Date.now() - started;
    expect(results.filter((r) => r.status === 'created')).toHaveLength(3000);
    expect(emulator.requests).toBe(30);
    expect(emulator.rateLimited).toBe(0);
    // 30 calls at 10 per 500 ms: the 21st can start at 1,000 ms; allow the answers' own time on top.
    expect(elapsed).toBeGreaterThanOrEqual(1000);
    expect(elapsed).toBeLessThan(3000);
  });

  it('waits a fixed short pause per 429 without Retry-After instead of a growing backoff', async () => {
    const { emulator, connector } = await setup(
      {},
      { minRetryDelayMs: 400, maxRetryDelayMs: 30_000, rateLimitDelayMs: 100, maxConcurrent: 1 },
    );
    emulator.faults.rateLimitStorm(8);
    const started = Date.now();
    const results = await connector.upsert('companies', [{ key: 'S-1', properties: { name: 'Storm' } }], {
      keyProperty: 'legacy_company_id',
      detectUnchanged: false,
    });
    const elapsed = Date.now() - started;
    expect(results[0]!.status).toBe('created');
    expect(connector.retriesUsed).toBe(8);
    // 8 waits of 100 ms (+ jitter < 100 ms); exponential from 400 ms would be > 100 s.
    expect(elapsed).toBeGreaterThanOrEqual(800);
    expect(elapsed).toBeLessThan(6000);
  });
});
