import { describe, expect, it } from 'vitest';
import { PipedriveEmulator } from '../../../sandbox/pipedrive';
import { stopEmulatorsAfterEach } from '../../helpers/emulators';

const TOKEN = 'pd-emulator-token';
const startEmulator = stopEmulatorsAfterEach<PipedriveEmulator>();

async function start(options: ConstructorParameters<typeof PipedriveEmulator>[0] = {}) {
  const emulator = new PipedriveEmulator({ tokens: [TOKEN], ...options });
  const url = await startEmulator(emulator);
  const call = async (
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = { 'x-api-token': TOKEN },
  ) => {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, any> };
  };
  return { emulator, call };
}

describe('Pipedrive emulator over raw HTTP', () => {
  it("authenticates by x-api-token header or api_token query, and answers 401 with Pipedrive's body", async () => {
    const { call } = await start();
    expect((await call('GET', '/api/v2/persons', undefined, {})).body).toMatchObject({
      success: false,
      error: 'unauthorized access',
      errorCode: 401,
    });
    expect((await call('GET', `/api/v2/persons?api_token=${TOKEN}`, undefined, {})).status).toBe(200);
    expect((await call('GET', '/api/v2/persons')).body).toEqual({
      success: true,
      data: [],
      additional_data: { next_cursor: null },
    });
  });

  it('pages with next_cursor, filters by updated_since and sorts by update_time', async () => {
    let clock = Date.parse('2026-03-01T10:00:00Z');
    const { emulator, call } = await start({ now: () => clock });
    const a = emulator.store.create('organizations', { name: 'A' });
    clock += 5000;
    emulator.store.create('organizations', { name: 'B' });
    clock += 5000;
    emulator.store.update('organizations', a.id, { name: 'A2' });
    const first = await call('GET', '/api/v2/organizations?sort_by=update_time&limit=1');
    expect(first.body.data.map((r: { name: string }) => r.name)).toEqual(['B']);
    const second = await call(
      'GET',
      `/api/v2/organizations?sort_by=update_time&limit=1&cursor=${first.body.additional_data.next_cursor}`,
    );
    expect(second.body.data[0]).toMatchObject({ name: 'A2', update_time: '2026-03-01T10:00:10Z' });
    expect(second.body.additional_data.next_cursor).toBeNull();
    const since = await call('GET', '/api/v2/organizations?updated_since=2026-03-01T10:00:10Z');
    expect(since.body.data.map((r: { name: string }) => r.name)).toEqual(['A2']);
  });

  it('serves v1 fields with 40-hex custom keys, exact-match search on custom fields, and validation errors', async () => {
    const { emulator, call } = await start();
    const fields = await call('GET', '/v1/dealFields');
    const legacy = fields.body.data.find((f: { name: string }) => f.name === 'Legacy deal ID');
    expect(legacy.key).toMatch(/^[0-9a-f]{40}$/);
    expect(fields.body.additional_data.pagination).toMatchObject({ start: 0, more_items_in_collection: false });
    const created = await call('POST', '/api/v2/deals', {
      title: 'Big deal',
      value: 10,
      custom_fields: { [legacy.key]: 'D-77' },
    });
    expect(created.body).toMatchObject({
      success: true,
      data: { title: 'Big deal', custom_fields: { [legacy.key]: 'D-77' } },
    });
    const hit = await call('GET', '/api/v2/deals/search?term=D-77&fields=custom_fields&exact_match=true');
    expect(hit.body.data.items).toEqual([
      {
        result_score: 1,
        item: expect.objectContaining({ id: created.body.data.id, type: 'deal', custom_fields: ['D-77'] }),
      },
    ]);
    expect(
      (await call('GET', '/api/v2/deals/search?term=D-7&fields=custom_fields&exact_match=true')).body.data.items,
    ).toEqual([]);
    const bad = await call('PATCH', `/api/v2/deals/${created.body.data.id}`, { title: '' });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ success: false, error: expect.stringMatching(/title/) });
    expect(emulator.store.get('deals', created.body.data.id)!.title).toBe('Big deal');
  });

  it('charges token costs per 2-second window and answers 429 with x-ratelimit headers; faults are injectable', async () => {
    const { emulator, call } = await start({ burstBudget: 30 });
    const first = await call('GET', '/api/v2/persons');
    expect(first.headers.get('x-ratelimit-limit')).toBe('30');
    expect(first.headers.get('x-ratelimit-remaining')).toBe('20');
    await call('GET', '/api/v2/persons');
    await call('GET', '/api/v2/persons');
    const refused = await call('GET', '/api/v2/persons');
    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({ success: false, error: 'Request over limit', errorCode: 429 });
    expect(Number(refused.headers.get('x-ratelimit-reset'))).toBeGreaterThan(0);
    expect(emulator.rateLimited).toBe(1);
    const other = await start();
    other.emulator.faults.serverErrors(1, 503).rateLimitStorm(1);
    expect((await other.call('GET', '/api/v2/deals')).status).toBe(429);
    expect((await other.call('GET', '/api/v2/deals')).status).toBe(503);
    expect((await other.call('GET', '/api/v2/deals')).status).toBe(200);
  });

  it("charges Pipedrive's token costs per call (list 10, get 1, write 5, search 20) and caps searches per window when asked", async () => {
    const { emulator, call } = await start({ burstBudget: 1000, searchRequestsPerWindow: 2 });
    const person = emulator.store.create('persons', { name: 'A' });
    const remaining = async (method: string, path: string, body?: unknown) =>
      Number((await call(method, path, body)).headers.get('x-ratelimit-remaining'));
    expect(await remaining('GET', '/api/v2/persons')).toBe(990);
    expect(await remaining('GET', `/api/v2/persons/${person.id}`)).toBe(989);
    expect(await remaining('PATCH', `/api/v2/persons/${person.id}`, { name: 'Bob' })).toBe(984);
    expect(await remaining('GET', '/api/v2/persons/search?term=Bob&fields=name')).toBe(964);
    expect((await call('GET', '/api/v2/persons/search?term=Bob&fields=name')).status).toBe(200);
    const third = await call('GET', '/api/v2/persons/search?term=Bob&fields=name');
    expect(third.status).toBe(429);
    expect(emulator.rateLimited).toBe(1);
  });

  it('issues OAuth access tokens for a refresh token and HTTP Basic client credentials; they expire and can be revoked', async () => {
    const client = { clientId: 'app-1', clientSecret: 'app-secret', refreshToken: 'refresh-1' };
    const { emulator, call } = await start({ tokens: undefined, oauthClients: [client], accessTokenTtlSeconds: 1 });
    const token = async (clientId: string, secret: string, refresh: string) => {
      const res = await fetch(`${emulator.url}/oauth/token`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}`,
        },
        body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refresh }).toString(),
      });
      return { status: res.status, body: (await res.json()) as Record<string, any> };
    };
    expect(await token('app-1', 'nope', 'refresh-1')).toMatchObject({ status: 401, body: { error: 'invalid_client' } });
    expect(await token('app-1', 'app-secret', 'other')).toMatchObject({
      status: 400,
      body: { error: 'invalid_grant' },
    });
    const ok = await token('app-1', 'app-secret', 'refresh-1');
    expect(ok.body).toMatchObject({
      token_type: 'Bearer',
      refresh_token: 'refresh-1',
      expires_in: 1,
      api_domain: emulator.url,
    });
    const bearer = { authorization: `Bearer ${ok.body.access_token}` };
    expect((await call('GET', '/v1/users/me', undefined, bearer)).body).toMatchObject({
      success: true,
      data: { id: 1 },
    });
    // API tokens are not accepted by an OAuth-only company.
    expect((await call('GET', '/v1/users/me', undefined, { 'x-api-token': 'anything' })).status).toBe(401);
    emulator.revokeAccessTokens();
    expect((await call('GET', '/v1/users/me', undefined, bearer)).status).toBe(401);
    const again = await token('app-1', 'app-secret', 'refresh-1');
    await new Promise((r) => setTimeout(r, 1100));
    expect(
      (await call('GET', '/v1/users/me', undefined, { authorization: `Bearer ${again.body.access_token}` })).status,
    ).toBe(401);
  });

  it('lists by ids and by updated_until, and a user edit bumps update_time and is found by search', async () => {
    let clock = Date.parse('2026-05-01T08:00:00Z');
    const { emulator, call } = await start({ now: () => clock });
    const made = Array.from({ length: 4 }, (_, i) => emulator.store.create('persons', { name: `P${i}` }));
    const byIds = await call('GET', `/api/v2/persons?ids=${made[3]!.id},${made[1]!.id},99999`);
    expect(byIds.body.data.map((r: { name: string }) => r.name)).toEqual(['P1', 'P3']);
    expect(
      (await call('GET', `/api/v2/persons?ids=${Array.from({ length: 101 }, (_, i) => i + 1).join(',')}`)).status,
    ).toBe(400);
    clock += 60_000;
    const edited = emulator.edit('persons', made[0]!.id, { name: 'P0 renamed', 'Legacy person ID': 'LX-9' });
    expect(edited).toMatchObject({ name: 'P0 renamed', update_time: '2026-05-01T08:01:00Z' });
    const before = await call('GET', '/api/v2/persons?updated_until=2026-05-01T08:00:30Z');
    expect(before.body.data.map((r: { name: string }) => r.name)).toEqual(['P1', 'P2', 'P3']);
    const hit = await call('GET', '/api/v2/persons/search?term=lx-9&fields=custom_fields&exact_match=true');
    expect(hit.body.data.items.map((i: { item: { id: number } }) => i.item.id)).toEqual([made[0]!.id]);
  });

  it('drops connections before or after applying a write, and rejects deals pointing at unknown persons', async () => {
    const { emulator, call } = await start();
    emulator.faults.dropConnections(1, { afterProcessing: true });
    await expect(call('POST', '/api/v2/persons', { name: 'Applied' })).rejects.toThrow();
    expect(emulator.store.count('persons')).toBe(1);
    emulator.faults.dropConnections(1, { afterProcessing: false });
    await expect(call('POST', '/api/v2/persons', { name: 'Never' })).rejects.toThrow();
    expect(emulator.store.count('persons')).toBe(1);
    expect(emulator.faults.served.dropped).toBe(2);
    // Reads are not dropped by default.
    expect((await call('GET', '/api/v2/persons')).status).toBe(200);
    const bad = await call('POST', '/api/v2/deals', { title: 'Orphan', person_id: 4242 });
    expect(bad).toMatchObject({ status: 400, body: { error: 'Validation failed: person_id: Person not found' } });
  });
});
