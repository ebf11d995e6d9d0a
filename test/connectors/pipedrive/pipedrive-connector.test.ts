import { describe, expect, it } from 'vitest';
import { PipedriveEmulator, type PipedriveEmulatorOptions } from '../../../sandbox/pipedrive';
import {
  PipedriveConnector,
  PipedriveError,
  encodePipedriveCursor,
  type PipedriveConnectorOptions,
} from '../../../core/connectors/pipedrive';
import type { UpsertInput } from '../../../core/connectors/connector';
import { FAST_RETRIES, collectRecords, pipedriveConnectorSetup, stopEmulatorsAfterEach } from '../../helpers/emulators';

const TOKEN = 'pd-test-token-0123456789abcdef';
const startEmulator = stopEmulatorsAfterEach<PipedriveEmulator>();
const setup = pipedriveConnectorSetup(TOKEN);

describe('PipedriveConnector against the emulator (real pipedrive SDK)', () => {
  it('checks the connection and describes fields with custom field keys, names and options', async () => {
    const { emulator, connector } = await setup();
    expect(await connector.checkConnection()).toMatchObject({ ok: true });
    expect(await connector.listObjects()).toEqual(['persons', 'organizations', 'deals', 'activities']);
    const schema = await connector.describe('persons');
    const legacyKey = emulator.store.customKey('persons', 'Legacy person ID');
    const segmentKey = emulator.store.customKey('persons', 'Segment');
    expect(legacyKey).toMatch(/^[0-9a-f]{40}$/);
    const byName = new Map(schema.fields.map((f) => [f.name, f]));
    expect(schema.idField).toBe('id');
    expect(byName.get(legacyKey)).toMatchObject({ label: 'Legacy person ID', type: 'string', readOnly: false });
    expect(byName.get(segmentKey)).toMatchObject({
      label: 'Segment',
      type: 'enum',
      options: ['SMB', 'Mid-market', 'Enterprise'],
    });
    expect(byName.get('name')).toMatchObject({ type: 'string', required: true });
    expect(byName.get('email')!.format).toBe('email');
    expect(byName.get('update_time')).toMatchObject({ type: 'date', readOnly: true });
    expect((await connector.describe('deals')).fields.find((f) => f.name === 'status')!.options).toEqual([
      'open',
      'won',
      'lost',
    ]);
    expect(emulator.requestsTo('/v1/personFields')).toHaveLength(1);
    expect(emulator.requestsTo('/v1/personFields')[0]!.query).not.toHaveProperty('api_token');
  });

  it('reads every record across cursor pages, custom enum values as labels', async () => {
    const { emulator, connector } = await setup({}, { pageSize: 100 });
    const legacy = emulator.store.customKey('persons', 'Legacy person ID');
    const segment = emulator.store.customKey('persons', 'Segment');
    for (let i = 0; i < 250; i++) {
      emulator.store.create(
        'persons',
        { name: `Person ${i}`, emails: [{ value: `p${i}@x.test`, primary: true, label: 'work' }] },
        { [legacy]: `L${i}`, [segment]: 101 },
      );
    }
    const records = await collectRecords(connector.read('persons', { properties: ['name', 'email', legacy, segment] }));
    expect(records).toHaveLength(250);
    expect(new Set(records.map((r) => r.id)).size).toBe(250);
    expect(records[0]!.properties).toEqual({
      name: 'Person 0',
      email: 'p0@x.test',
      [legacy]: 'L0',
      [segment]: 'Mid-market',
    });
    const lists = emulator.requestsTo('/api/v2/persons');
    expect(lists).toHaveLength(3);
    expect(lists[0]!.query).toMatchObject({ sort_by: 'update_time', sort_direction: 'asc', limit: '100' });
  });

  it('reads incrementally after a cursor: only newer records, ties at the cursor second kept', async () => {
    let clock = Date.parse('2026-01-01T00:00:00Z');
    const { emulator, connector } = await setup({ now: () => clock }, { pageSize: 3 });
    for (let i = 0; i < 10; i++) emulator.store.create('deals', { title: `Old ${i}` });
    clock += 1000;
    const tied = Array.from({ length: 5 }, (_, i) => emulator.store.create('deals', { title: `Tie ${i}` }));
    const cursor = encodePipedriveCursor(tied[2]!.update_time, tied[2]!.id);
    clock += 1000;
    const changed = emulator.store.all('deals').slice(0, 2);
    for (const r of changed) emulator.store.update('deals', r.id, { title: `${r.title as string} changed` });
    const created = emulator.store.create('deals', { title: 'New' });
    const records = await collectRecords(connector.read('deals', { since: cursor, properties: ['title'] }));
    expect(records.map((r) => r.id)).toEqual(
      [tied[3]!.id, tied[4]!.id, ...changed.map((r) => r.id), created.id].map(String),
    );
    expect(records[2]!.properties.title).toBe('Old 0 changed');
    expect(emulator.requestsTo('/api/v2/deals').every((r) => r.query.updated_since === '2026-01-01T00:00:01Z')).toBe(
      true,
    );
    // A cursor built from the last record read gives nothing more.
    const last = records.at(-1)!;
    expect(
      await collectRecords(connector.read('deals', { since: encodePipedriveCursor(last.modifiedAt!, last.id) })),
    ).toHaveLength(0);
  });

  it('upserts by an external-ID custom field: creates, then updates; a re-run searches nothing', async () => {
    const { emulator, connector } = await setup();
    const legacy = emulator.store.customKey('persons', 'Legacy person ID');
    const existing = emulator.store.create('persons', { name: 'Already There' }, { [legacy]: 'P-2' });
    const input: UpsertInput[] = [
      { key: 'P-1', properties: { name: 'Ada Lovelace', email: 'ada@x.test', Segment: 'Enterprise' } },
      { key: 'P-2', properties: { name: 'Grace Hopper' } },
    ];
    const first = await connector.upsert('persons', input, { keyProperty: 'Legacy person ID' });
    expect(first.map((r) => r.status)).toEqual(['created', 'updated']);
    expect(first[1]!.id).toBe(String(existing.id));
    expect(emulator.store.count('persons')).toBe(2);
    const ada = emulator.store.get('persons', Number(first[0]!.id))!;
    expect(ada).toMatchObject({
      name: 'Ada Lovelace',
      emails: [{ value: 'ada@x.test', primary: true, label: 'work' }],
    });
    expect(ada.custom_fields).toEqual({ [legacy]: 'P-1', [emulator.store.customKey('persons', 'Segment')]: 102 });
    expect(emulator.store.get('persons', existing.id)!.name).toBe('Grace Hopper');
    const searches = emulator.requestsTo('/api/v2/persons/search');
    expect(searches).toHaveLength(2);
    expect(searches[0]!.query).toMatchObject({ term: 'P-1', fields: 'custom_fields', exact_match: 'true' });

    const before = emulator.log.length;
    const again = await connector.upsert(
      'persons',
      input.map((r) => ({ ...r, properties: { ...r.properties, name: `${r.properties.name!} II` } })),
      { keyProperty: legacy },
    );
    expect(again.map((r) => r.status)).toEqual(['updated', 'updated']);
    const rerun = emulator.log.slice(before);
    expect(rerun.filter((r) => r.path.endsWith('/search'))).toHaveLength(0);
    expect(rerun.filter((r) => r.method === 'POST')).toHaveLength(0);
    // One listing by ID (both records at once) to compare, then the two writes.
    expect(rerun.map((r) => r.method)).toEqual(['GET', 'PATCH', 'PATCH']);
    expect(rerun[0]!.path).toBe('/api/v2/persons');
    expect(rerun[0]!.query.ids!.split(',').sort()).toEqual([first[0]!.id, first[1]!.id].sort());
    expect(emulator.store.count('persons')).toBe(2);
  });

  it("reports failures per record with Pipedrive's message and writes the others", async () => {
    const { emulator, connector } = await setup();
    emulator.faults.failRecord('D-3', 'Deal is locked by an automation');
    const result = await connector.upsert(
      'deals',
      [
        { key: 'D-1', properties: { title: 'Good', value: '1200' } },
        { key: 'D-2', properties: { title: '' } },
        { key: 'D-3', properties: { title: 'Locked' } },
        { key: 'D-4', properties: { title: 'Bad value', value: 'lots' } },
        { key: 'D-5', properties: { title: 'Bad field', no_such_field: 'x' } },
        { key: 'D-6', properties: { title: 'Good too', stage_id: '2' } },
      ],
      { keyProperty: 'Legacy deal ID' },
    );
    expect(result.map((r) => r.status)).toEqual(['created', 'failed', 'failed', 'failed', 'failed', 'created']);
    expect(result[1]!.error).toMatch(/HTTP 400: Validation failed: title/);
    expect(result[2]!.error).toMatch(/Deal is locked by an automation/);
    expect(result[3]!.error).toMatch(/needs a number/);
    expect(result[4]!.error).toMatch(/Unknown deals field "no_such_field"/);
    expect(emulator.store.count('deals')).toBe(2);
    expect(emulator.store.all('deals').map((d) => d.value)).toContain(1200);
  });

  it('survives a 429 storm and 5xx errors with nothing lost or duplicated', async () => {
    const { emulator, connector } = await setup({ burstBudget: 100_000 }, { maxConcurrent: 4 });
    emulator.faults.rateLimitStorm(15, 0).serverErrors(3, 503);
    const input = Array.from({ length: 30 }, (_, i) => ({
      key: `O-${i}`,
      properties: { name: `Org ${i}`, Employees: String(i * 10) },
    }));
    const result = await connector.upsert('organizations', input, { keyProperty: 'Legacy company ID' });
    expect(result.every((r) => r.status === 'created')).toBe(true);
    expect(emulator.faults.served).toEqual({ rateLimited: 15, serverErrors: 3, dropped: 0, malformed: 0 });
    expect(emulator.store.count('organizations')).toBe(30);
    const legacy = emulator.store.customKey('organizations', 'Legacy company ID');
    expect(new Set(emulator.store.all('organizations').map((o) => o.custom_fields[legacy])).size).toBe(30);
    expect(connector.retriesUsed).toBeGreaterThanOrEqual(18);
    // A storm that leaves the budget unspent does not widen the limiter's margin.
    expect((connector as unknown as { client: { account: { margin: number } } }).client.account.margin).toBe(40);
    expect(await collectRecords(connector.read('organizations'))).toHaveLength(30);
  });

  it('stays within a small token budget by waiting for the burst window (x-ratelimit-* headers)', async () => {
    const { emulator, connector } = await setup({ burstBudget: 120, burstWindowMs: 1000 }, { pageSize: 10 });
    for (let i = 0; i < 120; i++) emulator.store.create('persons', { name: `P${i}` });
    const records = await collectRecords(connector.read('persons'));
    expect(records).toHaveLength(120);
    expect(emulator.store.count('persons')).toBe(120);
    expect(emulator.requestsTo('/api/v2/persons').filter((r) => r.status === 200)).toHaveLength(12);
    // The limiter held requests until the window reset, so Pipedrive never had to refuse one.
    expect(emulator.rateLimited).toBe(0);
    expect(connector.retriesUsed).toBe(0);
  }, 20_000);

  it('honours a real 429 from another client on the same token (Retry-After) and loses nothing', async () => {
    const { emulator, connector } = await setup({ burstBudget: 60, burstWindowMs: 1500 });
    // Another process spends the window's budget first.
    for (let i = 0; i < 6; i++) await fetch(`${emulator.url}/api/v2/deals`, { headers: { 'x-api-token': TOKEN } });
    const started = Date.now();
    const result = await connector.upsert('deals', [{ key: 'R-1', properties: { title: 'After the wait' } }], {
      keyProperty: 'Legacy deal ID',
    });
    expect(result[0]).toMatchObject({ status: 'created' });
    expect(emulator.rateLimited).toBeGreaterThanOrEqual(1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(500);
    // Each refusal widens the limiter's safety margin on its window.
    const limiter = (connector as unknown as { client: { account: { margin: number } } }).client.account;
    expect(limiter.margin).toBe(40 + 50 * emulator.rateLimited);
    expect(emulator.store.count('deals')).toBe(1);
  }, 20_000);

  it('gives up after the retry budget with a clear error', async () => {
    const { emulator, connector } = await setup({}, { retryBudget: 3 });
    emulator.faults.serverErrors(100, 500);
    await expect(collectRecords(connector.read('persons'))).rejects.toThrow(
      /HTTP 500.*retry budget of 3 exhausted|retry budget of 3 exhausted/,
    );
  });

  it('a bad token gives a clear error that does not contain the token', async () => {
    const secret = 'pd-wrong-token-SECRET-9f8e7d';
    const { connector: good, emulator } = await setup();
    const bad = new PipedriveConnector({ apiToken: secret, basePath: emulator.url, minRetryDelayMs: 5 });
    const check = await bad.checkConnection();
    expect(check.ok).toBe(false);
    expect(check.message).toMatch(/HTTP 401.*unauthorized access.*API token is missing, invalid or revoked/);
    expect(check.message).not.toContain(secret);
    const error = await bad.describe('persons').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PipedriveError);
    expect((error as PipedriveError).status).toBe(401);
    expect(JSON.stringify({ message: (error as Error).message, stack: (error as Error).stack })).not.toContain(secret);
    await expect(
      bad.upsert('persons', [{ key: 'X', properties: { name: 'x' } }], { keyProperty: 'Legacy person ID' }),
    ).rejects.toThrow(/401/);
    expect(bad.retriesUsed).toBe(0);
    expect((await good.checkConnection()).ok).toBe(true);
  });

  it("lists pipelines with their stages and maps stage names within the deal's pipeline", async () => {
    const { emulator, connector } = await setup();
    const pipelines = await connector.pipelines();
    expect(pipelines.map((p) => [p.name, p.stages.map((s) => s.name)])).toEqual([
      ['Sales', ['Qualified', 'Proposal']],
      ['Partners', ['Qualified', 'Signed']],
    ]);
    const result = await connector.upsert(
      'deals',
      [
        { key: 'S-1', properties: { title: 'Partner deal', Pipeline: 'Partners', Stage: 'Qualified' } },
        { key: 'S-2', properties: { title: 'Sales deal', Stage: 'Proposal' } },
        { key: 'S-3', properties: { title: 'Ambiguous', Stage: 'Qualified' } },
        { key: 'S-4', properties: { title: 'Unknown', Pipeline: 'Sales', Stage: 'Signed' } },
      ],
      { keyProperty: 'Legacy deal ID' },
    );
    expect(result.map((r) => r.status)).toEqual(['created', 'created', 'failed', 'failed']);
    expect(emulator.store.get('deals', Number(result[0]!.id))).toMatchObject({ pipeline_id: 2, stage_id: 3 });
    expect(emulator.store.get('deals', Number(result[1]!.id))).toMatchObject({ stage_id: 2 });
    expect(result[2]!.error).toMatch(/several pipelines \(Sales, Partners\)/);
    expect(result[3]!.error).toMatch(/Unknown Pipedrive stage "Signed" in pipeline "Sales"/);
    // Stages are listed per pipeline (`/stages?pipeline_id=`), once each for the connector's life.
    expect(
      emulator
        .requestsTo('/api/v2/stages')
        .map((r) => r.query.pipeline_id)
        .sort(),
    ).toEqual(['1', '2']);
    expect(emulator.requestsTo('/api/v2/pipelines')).toHaveLength(1);
  });
});

describe('PipedriveConnector: unchanged records, large batches, references and faults', () => {
  it('reports a re-run with the same values as unchanged and writes nothing; a user edit in Pipedrive is written back', async () => {
    const { emulator, connector } = await setup();
    const input: UpsertInput[] = [
      {
        key: 'U-1',
        properties: { name: 'Ada Lovelace', email: 'ada@x.test', phone: '+44 20 7946 0001', Segment: 'Enterprise' },
      },
      { key: 'U-2', properties: { name: 'Grace Hopper', email: 'grace@x.test' } },
    ];
    const first = await connector.upsert('persons', input, { keyProperty: 'Legacy person ID' });
    expect(first.map((r) => r.status)).toEqual(['created', 'created']);
    const before = emulator.log.length;
    const again = await connector.upsert('persons', input, { keyProperty: 'Legacy person ID' });
    expect(again.map((r) => [r.status, r.id])).toEqual([
      ['unchanged', first[0]!.id],
      ['unchanged', first[1]!.id],
    ]);
    expect(emulator.log.slice(before).filter((r) => r.method !== 'GET')).toHaveLength(0);
    expect(emulator.writes).toEqual({ created: 2, updated: 0 });
    // A user renames Grace in Pipedrive: the next run puts the value back, and only for her.
    const edited = emulator.edit('persons', Number(first[1]!.id), { name: 'Grace B. Hopper' });
    expect(edited.name).toBe('Grace B. Hopper');
    const third = await connector.upsert('persons', input, { keyProperty: 'Legacy person ID' });
    expect(third.map((r) => r.status)).toEqual(['unchanged', 'updated']);
    expect(emulator.store.get('persons', Number(first[1]!.id))!.name).toBe('Grace Hopper');
    expect(emulator.writes).toEqual({ created: 2, updated: 1 });
  });

  it('lists the object once instead of searching each key for a large batch; a re-run by a new connector writes nothing', async () => {
    const { emulator, connector } = await setup({ searchRequestsPerWindow: 10 }, { primeThreshold: 100 });
    const legacy = emulator.store.customKey('organizations', 'Legacy company ID');
    const existing = emulator.store.create('organizations', { name: 'Org 7 (old name)' }, { [legacy]: 'B-7' });
    const input = Array.from({ length: 150 }, (_, i) => ({
      key: `B-${i}`,
      properties: { name: `Org ${i}`, Employees: String(i) },
    }));
    const result = await connector.upsert('organizations', input, { keyProperty: 'Legacy company ID' });
    expect(result.filter((r) => r.status === 'created')).toHaveLength(149);
    expect(result[7]).toEqual({ key: 'B-7', status: 'updated', id: String(existing.id) });
    expect(emulator.requestsTo(/\/search$/)).toHaveLength(0);
    expect(emulator.store.count('organizations')).toBe(150);
    const fresh = new PipedriveConnector({ apiToken: TOKEN, basePath: emulator.url, primeThreshold: 100 });
    const before = emulator.log.length;
    const rerun = await fresh.upsert('organizations', input, { keyProperty: 'Legacy company ID' });
    expect(rerun.every((r) => r.status === 'unchanged')).toBe(true);
    const calls = emulator.log.slice(before);
    expect(calls.filter((r) => r.method !== 'GET')).toHaveLength(0);
    expect(calls.filter((r) => r.path === '/api/v2/organizations')).toHaveLength(1);
    expect(emulator.store.count('organizations')).toBe(150);
  });

  it('points deals at persons by their Pipedrive ID (persons upserted first), and reports an unknown person per record', async () => {
    const { emulator, connector } = await setup();
    const persons = await connector.upsert(
      'persons',
      [
        { key: 'P-1', properties: { name: 'Ada' } },
        { key: 'P-2', properties: { name: 'Grace' } },
      ],
      { keyProperty: 'Legacy person ID' },
    );
    const deals = await connector.upsert(
      'deals',
      [
        {
          key: 'D-1',
          properties: { title: 'Ada deal', person_id: persons[0]!.id!, Pipeline: 'Sales', Stage: 'Proposal' },
        },
        { key: 'D-2', properties: { title: 'Grace deal', 'Contact person': persons[1]!.id!, stage_id: 'Signed' } },
        { key: 'D-3', properties: { title: 'Nobody', person_id: '999999' } },
      ],
      { keyProperty: 'Legacy deal ID' },
    );
    expect(deals.map((r) => r.status)).toEqual(['created', 'created', 'failed']);
    expect(emulator.store.get('deals', Number(deals[0]!.id))).toMatchObject({
      person_id: Number(persons[0]!.id),
      pipeline_id: 1,
      stage_id: 2,
    });
    expect(emulator.store.get('deals', Number(deals[1]!.id))).toMatchObject({
      person_id: Number(persons[1]!.id),
      pipeline_id: 2,
      stage_id: 4,
    });
    expect(deals[2]!.error).toMatch(/person_id: Person not found/);
    const [deal] = await collectRecords(connector.read('deals', { properties: ['person_id', 'stage_id'] }));
    expect(deal!.properties).toEqual({ person_id: persons[0]!.id, stage_id: '2' });
  });

  it('never duplicates a create whose connection dropped, before or after Pipedrive applied it', async () => {
    const { emulator, connector } = await setup();
    emulator.faults.dropConnections(2, { afterProcessing: true, methods: ['POST'] });
    const a = await connector.upsert(
      'persons',
      [
        { key: 'X-1', properties: { name: 'One' } },
        { key: 'X-2', properties: { name: 'Two' } },
      ],
      { keyProperty: 'Legacy person ID' },
    );
    expect(a.map((r) => r.status)).toEqual(['created', 'created']);
    emulator.faults.dropConnections(2, { afterProcessing: false, methods: ['POST'] });
    const b = await connector.upsert(
      'persons',
      [
        { key: 'X-3', properties: { name: 'Three' } },
        { key: 'X-4', properties: { name: 'Four' } },
      ],
      { keyProperty: 'Legacy person ID' },
    );
    expect(b.map((r) => r.status)).toEqual(['created', 'created']);
    expect(emulator.faults.served.dropped).toBe(4);
    const legacy = emulator.store.customKey('persons', 'Legacy person ID');
    expect(
      emulator.store
        .all('persons')
        .map((p) => p.custom_fields[legacy])
        .sort(),
    ).toEqual(['X-1', 'X-2', 'X-3', 'X-4']);
    expect(a[0]!.id).toBe(String(emulator.store.findByCustomValue('persons', 'X-1')[0]!.id));
  });

  it('retries slow answers that exceed the request timeout and reads everything', async () => {
    const { emulator, connector } = await setup({}, { requestTimeoutMs: 150, pageSize: 5 });
    for (let i = 0; i < 12; i++) emulator.store.create('persons', { name: `P${i}` });
    await connector.describe('persons');
    emulator.faults.slow(400, 2);
    const records = await collectRecords(connector.read('persons'));
    expect(records.map((r) => r.properties.name)).toEqual(Array.from({ length: 12 }, (_, i) => `P${i}`));
    expect(connector.retriesUsed).toBe(2);
  });

  it('keeps secrets out of per-record errors even when Pipedrive echoes them', async () => {
    const { emulator, connector } = await setup();
    emulator.faults.failRecord('S-1', `token ${TOKEN} may not write this`);
    const [result] = await connector.upsert('persons', [{ key: 'S-1', properties: { name: 'x' } }], {
      keyProperty: 'Legacy person ID',
    });
    expect(result!.status).toBe('failed');
    expect(result!.error).toMatch(/may not write this/);
    expect(result!.error).not.toContain(TOKEN);
  });
});

describe("PipedriveConnector with OAuth (the SDK's OAuth2Configuration against the emulator's /oauth/token)", () => {
  const client = {
    clientId: 'pd-client-id',
    clientSecret: 'pd-client-SECRET-8d7c',
    refreshToken: 'pd-refresh-SECRET-31f2',
  };

  async function oauthSetup(
    options: Partial<PipedriveConnectorOptions> = {},
    emulatorOptions: PipedriveEmulatorOptions = {},
  ) {
    const emulator = new PipedriveEmulator({ oauthClients: [client], ...emulatorOptions });
    const url = await startEmulator(emulator);
    const connector = new PipedriveConnector({ oauth: { ...client, oauthHost: url }, ...FAST_RETRIES, ...options });
    return { emulator, url, connector };
  }

  it('refreshes an access token with HTTP Basic client credentials and calls the api_domain it names', async () => {
    const { emulator, connector } = await oauthSetup();
    expect(await connector.checkConnection()).toMatchObject({ ok: true });
    const result = await connector.upsert('persons', [{ key: 'O-1', properties: { name: 'Via OAuth' } }], {
      keyProperty: 'Legacy person ID',
    });
    expect(result[0]!.status).toBe('created');
    expect(emulator.requestsTo('/oauth/token')).toHaveLength(1);
    // An API token is refused: only Bearer tokens from /oauth/token are accepted here.
    expect((await fetch(`${emulator.url}/api/v2/persons`, { headers: { 'x-api-token': 'anything' } })).status).toBe(
      401,
    );
  });

  it('refreshes again when the access token is refused or expires, and loses nothing', async () => {
    const { emulator, url, connector } = await oauthSetup({ basePath: undefined }, { accessTokenTtlSeconds: 61 });
    expect(url).toBe(emulator.url);
    await connector.upsert('persons', [{ key: 'R-1', properties: { name: 'First' } }], {
      keyProperty: 'Legacy person ID',
    });
    emulator.revokeAccessTokens();
    const after = await connector.upsert('persons', [{ key: 'R-2', properties: { name: 'Second' } }], {
      keyProperty: 'Legacy person ID',
    });
    expect(after[0]!.status).toBe('created');
    expect(emulator.requestsTo('/oauth/token')).toHaveLength(2);
    expect(emulator.store.count('persons')).toBe(2);
  });

  it('a wrong client secret gives a clear error without any secret in it', async () => {
    const emulator = new PipedriveEmulator({ oauthClients: [client] });
    const url = await startEmulator(emulator);
    const wrong = 'wrong-client-SECRET-0042';
    const connector = new PipedriveConnector({
      oauth: { ...client, clientSecret: wrong, oauthHost: url },
      basePath: url,
      minRetryDelayMs: 5,
    });
    const check = await connector.checkConnection();
    expect(check.ok).toBe(false);
    expect(check.message).toMatch(/OAuth token refresh failed: invalid_client/);
    const error = await connector.describe('persons').catch((e: unknown) => e as Error);
    expect(error).toBeInstanceOf(PipedriveError);
    for (const secret of [wrong, client.refreshToken, client.clientSecret]) {
      expect(check.message).not.toContain(secret);
      expect(`${(error as Error).message}\n${(error as Error).stack}`).not.toContain(secret);
    }
    expect(() => new PipedriveConnector({ oauth: { ...client, refreshToken: '' } })).toThrow(/refresh token/);
  });
});

describe('PipedriveConnector reads by name and by ID', () => {
  it('reads properties asked for by field name (keyed as asked) and records by their IDs', async () => {
    const { emulator, connector } = await setup();
    const legacy = emulator.store.customKey('persons', 'Legacy person ID');
    const made = Array.from({ length: 3 }, (_, i) =>
      emulator.store.create('persons', { name: `N${i}` }, { [legacy]: `K${i}` }),
    );
    const [first] = await collectRecords(connector.read('persons', { properties: ['Name', 'Legacy person ID'] }));
    expect(first!.properties).toEqual({ Name: 'N0', 'Legacy person ID': 'K0' });
    const byId = await collectRecords(
      connector.readByIds!('persons', [String(made[2]!.id), String(made[0]!.id), '424242'], { properties: ['name'] }),
    );
    expect(byId.map((r) => [r.id, r.properties.name])).toEqual([
      [String(made[0]!.id), 'N0'],
      [String(made[2]!.id), 'N2'],
    ]);
    await expect(collectRecords(connector.read('persons', { properties: ['nope'] }))).rejects.toThrow(
      /Unknown persons field "nope"/,
    );
  });
});

describe('PipedriveConnector: activities', () => {
  it('describes and reads activities incrementally; refuses to upsert them (Pipedrive gives activities no custom fields)', async () => {
    let clock = Date.parse('2026-02-01T09:00:00Z');
    const { emulator, connector } = await setup({ now: () => clock }, { pageSize: 2 });
    const deal = emulator.store.create('deals', { title: 'D' });
    const made = Array.from({ length: 3 }, (_, i) =>
      emulator.store.create('activities', { subject: `Call ${i}`, type: 'call', deal_id: deal.id, done: false }),
    );
    const schema = await connector.describe('activities');
    expect(schema.fields.map((f) => f.name)).toEqual(
      expect.arrayContaining(['subject', 'type', 'due_date', 'deal_id', 'person_id', 'done']),
    );
    expect(schema.fields.find((f) => f.name === 'deal_id')!.format).toBe('reference');
    const all = await collectRecords(connector.read('activities', { properties: ['subject', 'deal_id'] }));
    expect(all.map((r) => r.properties)).toEqual(
      made.map((_, i) => ({ subject: `Call ${i}`, deal_id: String(deal.id) })),
    );
    clock += 5000;
    emulator.edit('activities', made[1]!.id, { done: true });
    const changed = await collectRecords(
      connector.read('activities', {
        since: encodePipedriveCursor(all[2]!.modifiedAt!, all[2]!.id),
        properties: ['subject', 'done'],
      }),
    );
    expect(changed.map((r) => r.properties)).toEqual([{ subject: 'Call 1', done: 'true' }]);
    await expect(
      connector.upsert('activities', [{ key: 'A-1', properties: { subject: 'x' } }], { keyProperty: 'subject' }),
    ).rejects.toThrow(/activities have no custom fields/);
  });
});
