import { describe, expect, it } from 'vitest';
import { HubSpotConnector, HubSpotError, encodeHubSpotCursor } from '../../../core/connectors/hubspot';
import type { SourceRecord } from '../../../core/connectors/connector';
import { collectRecords, hubspotConnectorSetup } from '../../helpers/emulators';

const TOKEN = 'pat-na1-test-token-0123456789';
const setup = hubspotConnectorSetup(TOKEN);

describe('HubSpotConnector against the emulator (real @hubspot/api-client)', () => {
  it('describes properties: type, options, unique, read-only, format', async () => {
    const { connector } = await setup();
    const schema = await connector.describe('companies');
    const byName = new Map(schema.fields.map((f) => [f.name, f]));
    expect(schema.idField).toBe('hs_object_id');
    expect(byName.get('legacy_company_id')).toMatchObject({ type: 'string', unique: true, readOnly: false });
    expect(byName.get('hs_lastmodifieddate')).toMatchObject({ type: 'datetime', readOnly: true });
    expect(byName.get('industry')).toMatchObject({ type: 'enum' });
    expect(byName.get('industry')!.options).toContain('RETAIL');
    expect(byName.get('numberofemployees')!.type).toBe('number');
    expect(byName.get('phone')!.format).toBe('phone');
    expect(await connector.checkConnection()).toMatchObject({ ok: true });
  });

  it('reads every record across pages of the list endpoint', async () => {
    const { emulator, connector } = await setup({}, { pageSize: 100 });
    for (let i = 0; i < 250; i++)
      emulator.store.create('companies', { name: `Company ${i}`, legacy_company_id: `L${i}` });
    const before = emulator.requests;
    const records = await collectRecords(connector.read('companies', { properties: ['name', 'legacy_company_id'] }));
    expect(records).toHaveLength(250);
    expect(new Set(records.map((r) => r.id)).size).toBe(250);
    expect(records[0]!.properties).toEqual({ name: 'Company 0', legacy_company_id: 'L0' });
    expect(emulator.requests - before).toBe(3);
  });

  it('reads incrementally after a cursor: only newer records, ties at the cursor instant kept', async () => {
    let clock = Date.parse('2026-01-01T00:00:00Z');
    const { emulator, connector } = await setup({ now: () => clock });
    for (let i = 0; i < 20; i++) emulator.store.create('contacts', { email: `old${i}@x.test` });
    // Five records share the cursor's instant; the cursor sits on the third.
    clock += 1000;
    const tied = Array.from({ length: 5 }, (_, i) => emulator.store.create('contacts', { email: `tie${i}@x.test` }));
    const cursor = encodeHubSpotCursor(new Date(clock).toISOString(), tied[2]!.id);
    clock += 1000;
    const changed = emulator.store.records('contacts').slice(0, 3);
    for (const r of changed) emulator.store.update(r, { firstname: 'Changed' });
    const created = emulator.store.create('contacts', { email: 'new@x.test' });
    const records = await collectRecords(
      connector.read('contacts', { since: cursor, properties: ['email', 'firstname'] }),
    );
    expect(records.map((r) => r.id)).toEqual([tied[3]!.id, tied[4]!.id, ...changed.map((r) => r.id), created.id]);
    expect(records[2]!.properties.firstname).toBe('Changed');
    expect(records.every((r) => r.modifiedAt)).toBe(true);
  });

  it('survives more matches than the search cap by restarting windows from the last modified time', async () => {
    let clock = Date.parse('2026-02-01T00:00:00Z');
    const cap = 500;
    const { emulator, connector } = await setup(
      { now: () => clock, searchCap: cap },
      { searchCap: cap, searchPageSize: 200 },
    );
    const since = new Date(clock).toISOString();
    // 1,300 records, 7 per millisecond, so windows end in the middle of ties.
    for (let i = 0; i < 1300; i++) {
      if (i % 7 === 0) clock += 1;
      emulator.store.create('deals', { dealname: `Deal ${i}`, legacy_deal_id: `D${i}` });
    }
    const records = await collectRecords(connector.read('deals', { since, properties: ['dealname'] }));
    expect(records).toHaveLength(1300);
    expect(new Set(records.map((r) => r.id)).size).toBe(1300);
    const times = records.map((r) => Date.parse(r.modifiedAt!));
    expect(times).toEqual([...times].sort((a, b) => a - b));
  });

  it('the emulator answers 400 when search pages beyond its cap (10,000 by default)', async () => {
    const { emulator } = await setup();
    const res = await fetch(`${emulator.url}/crm/v3/objects/contacts/search`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ limit: 100, after: '10000' }),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { category: string }).category).toBe('VALIDATION_ERROR');
  });

  it('upserts in batches of 100: creates, then updates; a re-run creates nothing', async () => {
    const { emulator, connector } = await setup();
    const input = Array.from({ length: 150 }, (_, i) => ({
      key: `C${i}`,
      properties: { name: `Company ${i}`, city: 'Leeds' },
    }));
    const first = await connector.upsert('companies', input, { keyProperty: 'legacy_company_id' });
    expect(first.map((r) => r.status)).toEqual(Array(150).fill('created'));
    expect(first.every((r) => r.id)).toBe(true);
    expect(emulator.store.count('companies')).toBe(150);
    const changed = input.map((r, i) => (i < 10 ? { ...r, properties: { ...r.properties, city: 'York' } } : r));
    const second = await connector.upsert('companies', changed, { keyProperty: 'legacy_company_id' });
    expect(second.slice(0, 10).map((r) => r.status)).toEqual(Array(10).fill('updated'));
    expect(second.slice(10).map((r) => r.status)).toEqual(Array(140).fill('unchanged'));
    expect(second.map((r) => r.id)).toEqual(first.map((r) => r.id));
    expect(emulator.store.findBy('companies', 'legacy_company_id', 'C3')!.properties.city).toBe('York');
    const stamp = emulator.store.findBy('companies', 'legacy_company_id', 'C100')!.updatedAt;
    const third = await connector.upsert('companies', changed, { keyProperty: 'legacy_company_id' });
    expect(third.map((r) => r.status)).toEqual(Array(150).fill('unchanged'));
    expect(emulator.store.count('companies')).toBe(150);
    expect(emulator.store.findBy('companies', 'legacy_company_id', 'C100')!.updatedAt).toBe(stamp);
    // Without the pre-read, HubSpot does not say whether values changed: existing records come back `updated`.
    const blind = new HubSpotConnector({ accessToken: TOKEN, basePath: emulator.url, detectUnchanged: false });
    const fourth = await blind.upsert('companies', changed, { keyProperty: 'legacy_company_id' });
    expect(fourth.map((r) => r.status)).toEqual(Array(150).fill('updated'));
    expect(emulator.store.count('companies')).toBe(150);
  });

  it("reports per-record failures of a 207 answer with HubSpot's message", async () => {
    const { emulator, connector } = await setup();
    emulator.faults.failRecord('companies', 'X3', 'Injected: record locked');
    const results = await connector.upsert(
      'companies',
      [
        { key: 'X1', properties: { name: 'Fine' } },
        { key: 'X2', properties: { name: 'Bad', no_such_property: 'x' } },
        { key: 'X3', properties: { name: 'Locked' } },
        { key: 'X4', properties: { industry: 'NOT_AN_INDUSTRY' } },
        { key: 'X5', properties: { numberofemployees: 'approx 50' } },
      ],
      { keyProperty: 'legacy_company_id' },
    );
    expect(results.map((r) => [r.key, r.status])).toEqual([
      ['X1', 'created'],
      ['X2', 'failed'],
      ['X3', 'failed'],
      ['X4', 'failed'],
      ['X5', 'failed'],
    ]);
    expect(results[1]!.error).toContain('no_such_property');
    expect(results[2]!.error).toBe('Injected: record locked');
    expect(results[3]!.error).toContain('NOT_AN_INDUSTRY');
    expect(results[4]!.error).toContain('approx 50');
    expect(emulator.store.count('companies')).toBe(1);
  });

  it('isolates bad records when HubSpot refuses a whole batch (400), writing the others', async () => {
    const { emulator, connector } = await setup({ upsertValidation: 'whole-batch' });
    const input = Array.from({ length: 40 }, (_, i) => ({
      key: `W${i}`,
      properties: { name: `W${i}`, ...(i === 7 || i === 31 ? { industry: 'BOGUS' } : {}) },
    }));
    const results = await connector.upsert('companies', input, { keyProperty: 'legacy_company_id' });
    expect(results.map((r) => r.key)).toEqual(input.map((r) => r.key));
    expect(results.filter((r) => r.status === 'failed').map((r) => r.key)).toEqual(['W7', 'W31']);
    expect(results[7]!.error).toMatch(/HTTP 400 VALIDATION_ERROR.*BOGUS/);
    expect(results.filter((r) => r.status === 'created')).toHaveLength(38);
    expect(emulator.store.count('companies')).toBe(38);
  });

  it('survives a 429 storm and 5xx errors with nothing lost', async () => {
    const { emulator, connector } = await setup();
    emulator.faults.rateLimitStorm(12);
    const input = Array.from({ length: 300 }, (_, i) => ({
      key: `S${i}`,
      properties: { email: `s${i}@x.test`, firstname: `P${i}` },
    }));
    const results = await connector.upsert('contacts', input, { keyProperty: 'legacy_contact_id' });
    expect(results.filter((r) => r.status === 'created')).toHaveLength(300);
    expect(emulator.faults.served.rateLimited).toBe(12);
    emulator.faults.serverErrors(4, 503);
    const records = await collectRecords(connector.read('contacts', { properties: ['legacy_contact_id'] }));
    expect(records).toHaveLength(300);
    expect(emulator.faults.served.serverErrors).toBe(4);
    expect(emulator.store.count('contacts')).toBe(300);
    expect(connector.retriesUsed).toBe(16);
  });

  it('shares one limiter per account and keeps within the real limit without a single 429', async () => {
    const { emulator, connector } = await setup({ rateLimitMax: 10, rateLimitIntervalMs: 1000 });
    const other = new HubSpotConnector({
      accessToken: TOKEN,
      basePath: emulator.url,
      minRetryDelayMs: 5,
      maxRetryDelayMs: 50,
    });
    expect(other.accountId).toBe(connector.accountId);
    expect(other.accountId).not.toContain(TOKEN);
    for (let i = 0; i < 30; i++) emulator.store.create('deals', { dealname: `D${i}` });
    const reads = await Promise.all([
      collectRecords(connector.read('deals', { properties: ['dealname'] })),
      ...Array.from({ length: 14 }, () => other.describe('deals').then(() => [])),
      ...Array.from({ length: 10 }, (_, i) =>
        connector.upsert('deals', [{ key: `K${i}`, properties: { dealname: 'x' } }], { keyProperty: 'legacy_deal_id' }),
      ),
    ]);
    expect((reads[0] as SourceRecord[]).filter((r) => r.properties.dealname !== 'x')).toHaveLength(30);
    expect(emulator.store.count('deals')).toBe(40);
    // 1 list page + 14 describes + 10 × (pre-read + upsert) = 35 calls at 10 per second: >= 3 s, no 429.
    expect(emulator.requests).toBe(35);
    expect(emulator.rateLimited).toBe(0);
    expect(connector.retriesUsed + other.retriesUsed).toBe(0);
  });

  it('honours Retry-After when another client spent the window, and loses nothing', async () => {
    const { emulator, connector } = await setup({ rateLimitMax: 10, rateLimitIntervalMs: 1500 });
    for (let i = 0; i < 10; i++)
      await fetch(`${emulator.url}/crm/v3/objects/deals?limit=1`, { headers: { authorization: `Bearer ${TOKEN}` } });
    const started = Date.now();
    const result = await connector.upsert('deals', [{ key: 'R-1', properties: { dealname: 'After the wait' } }], {
      keyProperty: 'legacy_deal_id',
      detectUnchanged: false,
    });
    expect(result[0]).toMatchObject({ status: 'created' });
    expect(emulator.rateLimited).toBe(1);
    // The emulator says Retry-After: 2 (seconds, rounded up); the connector waited that, once, without a growing backoff.
    expect(Date.now() - started).toBeGreaterThanOrEqual(1900);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(emulator.store.count('deals')).toBe(1);
  });

  it('survives connections dropped before and after the write: nothing lost, nothing duplicated', async () => {
    const { emulator, connector } = await setup({}, { maxConcurrent: 1 });
    const input = Array.from({ length: 400 }, (_, i) => ({ key: `DR${i}`, properties: { name: `Dropped ${i}` } }));
    emulator.faults.dropConnections(2, 'before').dropConnections(2, 'after');
    const results = await connector.upsert('companies', input, {
      keyProperty: 'legacy_company_id',
      detectUnchanged: false,
    });
    expect(emulator.faults.served.dropped).toBe(4);
    expect(results.every((r) => r.status === 'created' || r.status === 'updated')).toBe(true);
    // A batch written and then dropped is sent again: HubSpot's upsert by key makes that an update, not a duplicate.
    expect(results.filter((r) => r.status === 'updated').length).toBeGreaterThanOrEqual(100);
    expect(emulator.store.count('companies')).toBe(400);
    const keys = emulator.store.records('companies').map((r) => r.properties.legacy_company_id);
    expect(new Set(keys).size).toBe(400);
    expect(connector.retriesUsed).toBe(4);
  });

  it('retries a call that times out', async () => {
    const { emulator, connector } = await setup({}, { requestTimeoutMs: 150 });
    emulator.store.create('contacts', { email: 'a@x.test' });
    emulator.faults.slow(400, 1);
    const records = await collectRecords(connector.read('contacts', { properties: ['email'] }));
    expect(records).toHaveLength(1);
    expect(connector.retriesUsed).toBe(1);
  });

  it('stops at the retry budget with an error that says so', async () => {
    const { emulator, connector } = await setup({}, { retryBudget: 3 });
    emulator.faults.serverErrors(50, 500);
    await expect(collectRecords(connector.read('contacts', { properties: ['email'] }))).rejects.toThrow(
      /HTTP 500.*retry budget of 3 exhausted/,
    );
    expect(connector.retriesUsed).toBe(3);
  });

  it('a bad token gives a clear error that does not contain the token', async () => {
    const { emulator } = await setup();
    const bad = 'pat-na1-WRONG-secret-token-9876';
    const connector = new HubSpotConnector({ accessToken: bad, basePath: emulator.url, minRetryDelayMs: 5 });
    const check = await connector.checkConnection();
    expect(check.ok).toBe(false);
    expect(check.message).toMatch(/401/);
    expect(check.message).toMatch(/access token is missing, invalid or expired/);
    expect(check.message).not.toContain(bad);
    const error = await collectRecords(connector.read('contacts', { properties: ['email'] })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HubSpotError);
    expect((error as HubSpotError).status).toBe(401);
    expect(JSON.stringify(error) + String((error as Error).stack)).not.toContain(bad);
    expect(connector.retriesUsed).toBe(0);
    await expect(
      connector.upsert('contacts', [{ key: 'a', properties: {} }], { keyProperty: 'legacy_contact_id' }),
    ).rejects.toThrow(/401/);
  });
});
