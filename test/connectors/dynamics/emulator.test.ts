import { afterEach, describe, expect, it } from 'vitest';
import { DynamicsWebApi } from 'dynamics-web-api';
import { DynamicsEmulator, type DynamicsEmulatorOptions } from '../../../sandbox/dynamics';

const running: DynamicsEmulator[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((e) => e.stop()));
});

async function start(options: DynamicsEmulatorOptions = {}) {
  const emulator = new DynamicsEmulator(options);
  running.push(emulator);
  await emulator.start();
  const api = new DynamicsWebApi({
    serverUrl: emulator.serverUrl,
    dataApi: { version: '9.2' },
    onTokenRefresh: () => Promise.resolve('sdk-test-token'),
  });
  return { emulator, api };
}

type Failure = Error & {
  status?: number;
  code?: string;
  error?: { code: string; message: string };
  headers?: Record<string, string>;
};

describe('Dynamics emulator through the real dynamics-web-api SDK', () => {
  it('describes tables: attributes with custom columns, choices with labels, alternate keys', async () => {
    const { api } = await start();
    const entity = await api.retrieveEntity({
      key: "LogicalName='account'",
      select: ['LogicalName', 'EntitySetName', 'PrimaryIdAttribute', 'ChangeTrackingEnabled'],
      expand: [{ property: 'Keys' }],
    });
    expect(entity).toMatchObject({
      EntitySetName: 'accounts',
      PrimaryIdAttribute: 'accountid',
      ChangeTrackingEnabled: true,
    });
    expect(entity.Keys.map((k: { KeyAttributes: string[] }) => k.KeyAttributes)).toEqual([
      ['accountnumber'],
      ['new_legacyid'],
    ]);
    const attributes = await api.retrieveAttributes({ entityKey: "LogicalName='account'" });
    const legacy = attributes.value.find((a: { LogicalName: string }) => a.LogicalName === 'new_legacyid');
    expect(legacy).toMatchObject({ AttributeType: 'String', IsCustomAttribute: true, MaxLength: 100 });
    expect(legacy.DisplayName.UserLocalizedLabel.Label).toBe('Legacy ID');
    const picklists = await api.retrieveAttributes({
      entityKey: "LogicalName='account'",
      castType: 'Microsoft.Dynamics.CRM.PicklistAttributeMetadata',
      select: ['LogicalName'],
      expand: [{ property: 'OptionSet' }],
    });
    const tier = picklists.value.find((a: { LogicalName: string }) => a.LogicalName === 'new_tier');
    expect(
      tier.OptionSet.Options.map((o: { Value: number; Label: { UserLocalizedLabel: { Label: string } } }) => [
        o.Value,
        o.Label.UserLocalizedLabel.Label,
      ]),
    ).toEqual([
      [100000000, 'Gold'],
      [100000001, 'Silver'],
      [100000002, 'Bronze'],
    ]);
  });

  it('pages with odata.maxpagesize and nextLink, filters and orders by modifiedon, times to the second', async () => {
    let clock = Date.parse('2026-01-05T10:00:00.250Z');
    const { emulator, api } = await start({ now: () => clock });
    for (let i = 0; i < 7; i++) {
      clock += 400;
      emulator.store.insert('account', { name: `Acme ${i}`, accountnumber: `A-${i}` });
    }
    const first = await api.retrieveMultiple({
      collection: 'accounts',
      select: ['name', 'modifiedon'],
      filter: 'modifiedon ge 2026-01-05T10:00:01Z',
      orderBy: ['modifiedon asc', 'accountid asc'],
      maxPageSize: 3,
    });
    expect(first.value.map((r: { name: string }) => r.name)).toEqual(['Acme 1', 'Acme 2', 'Acme 3']);
    expect(first.value[0].modifiedon).toEqual(new Date('2026-01-05T10:00:01Z'));
    const second = await api.retrieveMultiple({ collection: 'accounts', maxPageSize: 3 }, first.oDataNextLink);
    expect(second.value.map((r: { name: string }) => r.name)).toEqual(['Acme 4', 'Acme 5', 'Acme 6']);
    expect(second.oDataNextLink).toBeUndefined();
  });

  it('tracks changes: the delta link returns changed rows and deleted ones as $deletedEntity', async () => {
    const { emulator, api } = await start();
    const a = emulator.store.insert('account', { name: 'Alpha' });
    const b = emulator.store.insert('account', { name: 'Beta' });
    emulator.store.insert('account', { name: 'Gamma' });
    const initial = await api.retrieveAll({
      collection: 'accounts',
      select: ['name'],
      trackChanges: true,
      maxPageSize: 2,
    });
    expect(initial.value).toHaveLength(3);
    expect(initial.oDataDeltaLink).toContain('$deltatoken=');
    emulator.store.update('account', a, { name: 'Alpha 2' });
    emulator.store.delete('account', b.id);
    const delta = await api.retrieveMultiple({ collection: 'accounts' }, initial.oDataDeltaLink);
    expect(delta.value).toEqual([
      expect.objectContaining({ accountid: a.id, name: 'Alpha 2' }),
      expect.objectContaining({
        id: b.id,
        reason: 'deleted',
        '@odata.context': expect.stringContaining('$deletedEntity'),
      }),
    ]);
    const none = await api.retrieveMultiple({ collection: 'accounts' }, delta.oDataDeltaLink);
    expect(none.value).toEqual([]);
    const refused = (await api
      .retrieveMultiple({ collection: 'accounts', trackChanges: true, filter: "name eq 'x'" })
      .catch((e: unknown) => e)) as Failure;
    expect(refused.status).toBe(400);
  });

  it('upserts by alternate key with If-None-Match / If-Match and answers errors as {error:{code,message}}', async () => {
    const { emulator, api } = await start();
    const created = await api.upsert({
      collection: 'accounts',
      key: "accountnumber='A-1'",
      data: { name: 'Acme', new_tier: 100000000 },
      returnRepresentation: true,
      select: ['accountid', 'name'],
    });
    expect(created.name).toBe('Acme');
    expect(emulator.store.findByKey('account', { accountnumber: 'A-1' })?.values.new_tier).toBe(100000000);
    const again = await api.upsert({
      collection: 'accounts',
      key: "accountnumber='A-1'",
      data: { name: 'x' },
      ifnonematch: '*',
    });
    expect(again).toBeNull(); // the SDK turns a create-only 412 into null
    const missing = await api.upsert({
      collection: 'accounts',
      key: "accountnumber='B-9'",
      data: { name: 'x' },
      ifmatch: '*',
    });
    expect(missing).toBeNull();
    expect(emulator.store.all('account')).toHaveLength(1);
    const bad = (await api
      .upsert({ collection: 'accounts', key: "accountnumber='A-2'", data: { name: 'x', industrycode: 99 } })
      .catch((e: unknown) => e)) as Failure;
    expect(bad.status).toBe(400);
    expect(bad.code ?? bad.error?.code).toBe('0x8004431A');
    expect(bad.message).toMatch(/'industrycode'/);
  });

  it('runs $batch: independent parts with continue-on-error, and change sets that roll back as a whole', async () => {
    const { emulator, api } = await start();
    const batch = api.initializeInstance();
    batch.startBatch();
    void batch.upsert({
      collection: 'accounts',
      key: "accountnumber='K-1'",
      data: { name: 'One' },
      inChangeSet: false,
    });
    void batch.upsert({
      collection: 'accounts',
      key: "accountnumber='K-2'",
      data: { name: 'y'.repeat(200) },
      inChangeSet: false,
    });
    void batch.upsert({
      collection: 'accounts',
      key: "accountnumber='K-3'",
      data: { name: 'Three' },
      inChangeSet: false,
    });
    const results = await batch.executeBatch({ continueOnError: true });
    expect(results).toHaveLength(3);
    const failed = results[1] as Failure;
    expect(failed.status).toBe(400);
    expect(failed.error?.code).toBe('0x80044331');
    expect(
      emulator.store
        .all('account')
        .map((r) => r.values.name)
        .sort(),
    ).toEqual(['One', 'Three']);

    const atomic = api.initializeInstance();
    atomic.startBatch();
    void atomic.create({ collection: 'accounts', data: { name: 'Four', accountnumber: 'K-4' } });
    void atomic.create({ collection: 'accounts', data: { name: 'Five', accountnumber: 'K-1' } }); // key clash
    const answer = await atomic.executeBatch();
    expect((answer.at(-1) as Failure).status).toBe(412);
    expect(emulator.store.findByKey('account', { accountnumber: 'K-4' })).toBeUndefined();
    expect(emulator.batchOperations).toBe(5);
  });

  it('refuses over the request window with 429, Retry-After and the x-ms-ratelimit headers', async () => {
    const { emulator, api } = await start({ limits: { requests: 3, windowMs: 60_000 } });
    for (let i = 0; i < 3; i++) await api.retrieveMultiple({ collection: 'accounts', select: ['name'] });
    const refused = (await api.retrieveMultiple({ collection: 'accounts' }).catch((e: unknown) => e)) as Failure;
    expect(refused.status).toBe(429);
    expect(refused.code ?? refused.error?.code).toBe('0x80072322');
    expect(Number(refused.headers?.['retry-after'])).toBeGreaterThanOrEqual(59);
    expect(refused.headers?.['x-ms-ratelimit-burst-remaining-xrm-requests']).toBe('0');
    expect(emulator.protection.refused.requests).toBe(1);
  });

  it('binds a contact to the account created earlier in the same change set by its Content-ID ($1)', async () => {
    const { emulator, api } = await start();
    const batch = api.initializeInstance();
    batch.startBatch();
    void batch.create({ collection: 'accounts', data: { name: 'Parent Co' }, contentId: '1' });
    void batch.create({
      collection: 'contacts',
      data: { lastname: 'Child', 'parentcustomerid_account@odata.bind': '$1' },
    });
    await batch.executeBatch();
    const parent = emulator.store.all('account')[0]!;
    expect(emulator.store.all('contact')[0]!.values._parentcustomerid_value).toBe(parent.id);
  });

  it('refuses over the concurrency and execution-time limits with their own codes', async () => {
    const busy = await start({ limits: { concurrent: 1 } });
    busy.emulator.faults.slow(300, 1);
    const [slow, refused] = await Promise.allSettled([
      busy.api.retrieveMultiple({ collection: 'accounts' }),
      new Promise((r) => setTimeout(r, 100)).then(() => busy.api.retrieveMultiple({ collection: 'contacts' })),
    ]);
    expect(slow.status).toBe('fulfilled');
    expect(refused.status).toBe('rejected');
    const concurrency = (refused as PromiseRejectedResult).reason as Failure;
    expect(concurrency.status).toBe(429);
    expect(concurrency.code ?? concurrency.error?.code).toBe('0x80072326');
    const tired = await start({ limits: { executionMs: 0.0001 } });
    await tired.api.retrieveMultiple({ collection: 'accounts' });
    const spent = (await tired.api.retrieveMultiple({ collection: 'accounts' }).catch((e: unknown) => e)) as Failure;
    expect(spent.status).toBe(429);
    expect(spent.code ?? spent.error?.code).toBe('0x80072321');
    expect(tired.emulator.protection.refused.executionTime).toBe(1);
  });

  it('issues client-credentials tokens and refuses a wrong secret with AADSTS codes', async () => {
    const { emulator } = await start({ apps: [{ tenantId: 'contoso', clientId: 'app-1', clientSecret: 's3cret' }] });
    const form = (secret: string) =>
      new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: 'app-1',
        client_secret: secret,
        scope: `${emulator.url}/.default`,
      });
    const ok = await fetch(`${emulator.url}/contoso/oauth2/v2.0/token`, { method: 'POST', body: form('s3cret') });
    const token = (await ok.json()) as { access_token: string; token_type: string };
    expect(token.token_type).toBe('Bearer');
    const who = await fetch(`${emulator.url}/api/data/v9.2/WhoAmI`, {
      headers: { Authorization: `Bearer ${token.access_token}` },
    });
    expect(who.status).toBe(200);
    const bad = await fetch(`${emulator.url}/contoso/oauth2/v2.0/token`, { method: 'POST', body: form('nope') });
    expect(bad.status).toBe(401);
    expect(await bad.json()).toMatchObject({ error: 'invalid_client', error_codes: [7000215] });
    const anonymous = await fetch(`${emulator.url}/api/data/v9.2/WhoAmI`, {
      headers: { Authorization: 'Bearer made-up' },
    });
    expect(anonymous.status).toBe(401);
  });
});
