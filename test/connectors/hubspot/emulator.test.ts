import { describe, expect, it } from 'vitest';
import { HubSpotEmulator, type HubSpotEmulatorOptions } from '../../../sandbox/hubspot';
import { AccountLimiter } from '../../../core/connectors/hubspot/rate-limit';
import { stopEmulatorsAfterEach } from '../../helpers/emulators';

const startEmulator = stopEmulatorsAfterEach<HubSpotEmulator>();

async function start(options: HubSpotEmulatorOptions = {}) {
  const emulator = new HubSpotEmulator(options);
  await startEmulator(emulator);
  const call = async (method: string, path: string, body?: unknown, token: string | null = 'tok') => {
    const res = await fetch(`${emulator.url}${path}`, {
      method,
      headers: { ...(token ? { Authorization: `Bearer ${token}` } : {}), 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> };
  };
  return { emulator, call };
}

describe('HubSpot emulator (raw HTTP)', () => {
  it("answers 401 in HubSpot's error shape without a bearer token", async () => {
    const { call } = await start();
    const res = await call('GET', '/crm/v3/objects/contacts', undefined, null);
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ status: 'error', category: 'INVALID_AUTHENTICATION' });
    expect(res.body.correlationId).toBeTypeOf('string');
  });

  it('sends rate-limit headers (190 on pro) and a TEN_SECONDLY_ROLLING 429 with Retry-After', async () => {
    const pro = await start({ tier: 'pro' });
    expect((await pro.call('GET', '/crm/v3/properties/deals')).headers.get('x-hubspot-ratelimit-max')).toBe('190');
    const { call, emulator } = await start({ rateLimitMax: 2 });
    const first = await call('GET', '/crm/v3/objects/contacts');
    expect(first.headers.get('x-hubspot-ratelimit-max')).toBe('2');
    expect(first.headers.get('x-hubspot-ratelimit-remaining')).toBe('1');
    expect(first.headers.get('x-hubspot-ratelimit-interval-milliseconds')).toBe('10000');
    await call('GET', '/crm/v3/objects/contacts');
    const limited = await call('GET', '/crm/v3/objects/contacts');
    expect(limited.status).toBe(429);
    expect(limited.body).toMatchObject({
      status: 'error',
      message: 'You have reached your ten_secondly_rolling limit.',
      policyName: 'TEN_SECONDLY_ROLLING',
      errorType: 'RATE_LIMIT',
    });
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await call('GET', '/crm/v3/objects/contacts', undefined, 'other-token')).status).toBe(200);
    expect(emulator.rateLimited).toBe(1);
  });

  it('lists with paging, searches with EQ filters and refuses upserts of more than 100 inputs', async () => {
    const { call, emulator } = await start();
    for (let i = 0; i < 5; i++) emulator.store.create('companies', { name: `N${i}`, city: i % 2 ? 'Leeds' : 'York' });
    const page = await call('GET', '/crm/v3/objects/companies?limit=2&properties=name,city');
    expect(page.body.results).toHaveLength(2);
    expect((page.body.results as Array<{ properties: object }>)[0]!.properties).toEqual({ name: 'N0', city: 'York' });
    const after = (page.body.paging as { next: { after: string } }).next.after;
    const rest = await call('GET', `/crm/v3/objects/companies?limit=10&after=${after}`);
    expect(rest.body.results).toHaveLength(3);
    expect(rest.body.paging).toBeUndefined();
    const found = await call('POST', '/crm/v3/objects/companies/search', {
      filterGroups: [{ filters: [{ propertyName: 'city', operator: 'EQ', value: 'leeds' }] }],
      limit: 10,
    });
    expect(found.body.total).toBe(2);
    const tooMany = await call('POST', '/crm/v3/objects/companies/batch/upsert', {
      inputs: Array.from({ length: 101 }, (_, i) => ({ idProperty: 'legacy_company_id', id: `x${i}`, properties: {} })),
    });
    expect(tooMany.status).toBe(400);
  });

  it('keeps hs_object_id, createdate and hs_lastmodifieddate on every write', async () => {
    let clock = 1_000_000;
    const { emulator } = await start({ now: () => clock });
    const r = emulator.store.create('contacts', { email: 'a@x.test' });
    expect(r.properties).toMatchObject({ hs_object_id: r.id, hs_lastmodifieddate: new Date(1_000_000).toISOString() });
    clock += 5000;
    expect(emulator.store.update(r, { email: 'a@x.test' })).toBe(false);
    expect(r.updatedAt).toBe(1_000_000);
    expect(emulator.store.update(r, { firstname: 'A' })).toBe(true);
    expect(r.properties.hs_lastmodifieddate).toBe(new Date(1_005_000).toISOString());
  });
});

describe('AccountLimiter', () => {
  const headers = (max: number, remaining: number, interval: number) => ({
    'x-hubspot-ratelimit-max': String(max),
    'x-hubspot-ratelimit-remaining': String(remaining),
    'x-hubspot-ratelimit-interval-milliseconds': String(interval),
  });

  it('sends at the full allowance, then starts a request only when one leaves the rolling window', async () => {
    const limiter = new AccountLimiter('test-window', 3, 0);
    limiter.observe(headers(4, 4, 300));
    const started: number[] = [];
    const t0 = Date.now();
    await Promise.all(
      Array.from({ length: 10 }, () =>
        limiter.schedule(async () => {
          started.push(Date.now() - t0);
          await new Promise((r) => setTimeout(r, 5));
        }),
      ),
    );
    started.sort((a, b) => a - b);
    // The first four go at once; no five starts ever fall within one 300 ms window.
    expect(started[3]!).toBeLessThan(250);
    for (let i = 4; i < started.length; i++) expect(started[i]! - started[i - 4]!).toBeGreaterThanOrEqual(299);
    expect(started[9]!).toBeLessThan(1500);
    expect(limiter.waits).toBeGreaterThan(0);
  });

  it("does not take its own requests that stopped counting after the answer left HubSpot for another client's", async () => {
    const limiter = new AccountLimiter('test-own', 3, 0);
    limiter.observe(headers(3, 3, 150));
    await Promise.all(Array.from({ length: 3 }, () => limiter.schedule(async () => undefined)));
    const sentAt = Date.now();
    await new Promise((r) => setTimeout(r, 200));
    expect(limiter.inWindow).toBe(0);
    // An answer whose request left before they stopped counting: HubSpot counted our three then, nobody else's.
    limiter.observe(headers(3, 0, 150), sentAt);
    expect(limiter.inWindow).toBe(0);
    // The same Remaining for a request sent just now means another client spent the window.
    limiter.observe(headers(3, 0, 150), Date.now());
    expect(limiter.inWindow).toBe(3);
  });

  it('counts what another client spent (Remaining lower than its own use) and holds after a 429', async () => {
    const limiter = new AccountLimiter('test-foreign', 2, 0);
    const observedAt = Date.now();
    limiter.observe(headers(10, 1, 400));
    expect(limiter.inWindow).toBe(9);
    limiter.pause(150);
    const started = Date.now();
    await limiter.schedule(async () => undefined);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    await limiter.schedule(async () => undefined);
    // The window is full (9 foreign + 1 own): the next start waits for the foreign ones to leave it, 400 ms after.
    expect(Date.now() - observedAt).toBeGreaterThanOrEqual(395);
  });
});
