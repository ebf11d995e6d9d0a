import { afterEach, describe, expect, it } from 'vitest';
import { PipedriveEmulator } from '../../../sandbox/pipedrive';

const TOKEN = 'pd-emulator-token';
const running: PipedriveEmulator[] = [];

async function start(options: ConstructorParameters<typeof PipedriveEmulator>[0] = {}) {
  const emulator = new PipedriveEmulator({ tokens: [TOKEN], ...options });
  running.push(emulator);
  const url = await emulator.start();
  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = { 'x-api-token': TOKEN }) => {
    const res = await fetch(`${url}${path}`, { method, headers: { 'content-type': 'application/json', ...headers }, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, any> };
  };
  return { emulator, call };
}

afterEach(async () => {
  await Promise.all(running.splice(0).map((e) => e.stop()));
});

describe('Pipedrive emulator over raw HTTP', () => {
  it('authenticates by x-api-token header or api_token query, and answers 401 with Pipedrive\'s body', async () => {
    const { call } = await start();
    expect((await call('GET', '/api/v2/persons', undefined, {})).body).toMatchObject({ success: false, error: 'unauthorized access', errorCode: 401 });
    expect((await call('GET', `/api/v2/persons?api_token=${TOKEN}`, undefined, {})).status).toBe(200);
    expect((await call('GET', '/api/v2/persons')).body).toEqual({ success: true, data: [], additional_data: { next_cursor: null } });
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
    const second = await call('GET', `/api/v2/organizations?sort_by=update_time&limit=1&cursor=${first.body.additional_data.next_cursor}`);
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
    const created = await call('POST', '/api/v2/deals', { title: 'Big deal', value: 10, custom_fields: { [legacy.key]: 'D-77' } });
    expect(created.body).toMatchObject({ success: true, data: { title: 'Big deal', custom_fields: { [legacy.key]: 'D-77' } } });
    const hit = await call('GET', '/api/v2/deals/search?term=D-77&fields=custom_fields&exact_match=true');
    expect(hit.body.data.items).toEqual([{ result_score: 1, item: expect.objectContaining({ id: created.body.data.id, type: 'deal', custom_fields: ['D-77'] }) }]);
    expect((await call('GET', '/api/v2/deals/search?term=D-7&fields=custom_fields&exact_match=true')).body.data.items).toEqual([]);
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
});
