import { describe, expect, it } from 'vitest';
import {
  SalesforceConnector,
  salesforceCursor,
  type SalesforceConnectorOptions,
} from '../../../core/connectors/salesforce';
import { SalesforceError } from '../../../core/connectors/salesforce/errors';
import { classifyError } from '../../../core/errors';
import type { UpsertInput } from '../../../core/connectors/connector';
import { SalesforceEmulator } from '../../../sandbox/salesforce';
import { collectRecords, freshEmulatorEachTest } from '../../helpers/emulators';

const CLIENT = { clientId: 'bridge-app', clientSecret: 'sUp3r-s3cret-value' };

let emu: SalesforceEmulator;
let url: string;

const startEmulator = freshEmulatorEachTest(
  () => new SalesforceEmulator({ client: CLIENT }),
  (started, startedUrl) => ((emu = started), (url = startedUrl)),
);

function connector(extra: Partial<SalesforceConnectorOptions> = {}): SalesforceConnector {
  return new SalesforceConnector({
    instanceUrl: url,
    oauth: { ...CLIENT },
    retry: { minTimeoutMs: 5, maxTimeoutMs: 20, retries: 6 },
    ...extra,
  });
}

const loans = (n: number, from = 0): UpsertInput[] =>
  Array.from({ length: n }, (_, i) => ({
    key: `L-${from + i}`,
    properties: { Name: `Loan ${from + i}`, Amount__c: String(1000 + i), Status__c: 'Draft' },
  }));

describe('SalesforceConnector against the emulator, through jsforce', () => {
  it('logs in with OAuth client credentials and checks the connection', async () => {
    const c = connector();
    const check = await c.checkConnection();
    expect(check).toMatchObject({ ok: true });
    expect(check.message).toContain(url);
    expect(await c.listObjects()).toEqual(expect.arrayContaining(['Account', 'Contact', 'Opportunity', 'Loan__c']));
    expect(emu.oauth.accessTokens.size).toBe(1);
  });

  it('logs in with a refresh token', async () => {
    const c = connector({ oauth: { ...CLIENT, refreshToken: emu.oauth.issueRefreshToken() } });
    expect((await c.checkConnection()).ok).toBe(true);
  });

  it('describes a custom object: types, picklists, external IDs, read-only fields', async () => {
    const schema = await connector().describe('Loan__c');
    const byName = new Map(schema.fields.map((f) => [f.name, f]));
    expect(schema.idField).toBe('Id');
    expect(byName.get('Status__c')).toMatchObject({
      type: 'enum',
      options: ['Draft', 'Approved', 'Disbursed', 'Repaid'],
    });
    expect(byName.get('Channels__c')).toMatchObject({ type: 'enum', multiValue: true });
    expect(byName.get('Amount__c')).toMatchObject({ type: 'number', format: 'currency' });
    expect(byName.get('Loan_Number__c')).toMatchObject({
      type: 'string',
      unique: true,
      externalId: true,
      readOnly: false,
    });
    expect(byName.get('Score__c')).toMatchObject({ readOnly: true });
    expect(byName.get('Name')).toMatchObject({ required: true });
    expect(byName.get('SystemModstamp')).toMatchObject({ type: 'datetime', readOnly: true });
    expect(byName.get('Account__c')).toMatchObject({ format: 'reference' });
  });

  it('reads across several 2000-record pages in SystemModstamp, Id order', async () => {
    emu.store.insert(
      'Account',
      Array.from({ length: 4500 }, (_, i) => ({ Name: `Acme ${i}`, NumberOfEmployees: i })),
    );
    const records = await collectRecords(connector().read('Account', { properties: ['Name', 'NumberOfEmployees'] }));
    expect(records).toHaveLength(4500);
    expect(new Set(records.map((r) => r.id)).size).toBe(4500);
    expect(records.every((r) => r.id.length === 18)).toBe(true);
    expect(records[4499]!.properties).toEqual({ Name: 'Acme 4499', NumberOfEmployees: '4499' });
    expect(emu.requests.filter((r) => r.path.includes('/query/')).length).toBe(2);
  });

  it('an incremental read after a cursor returns only newer records, including those sharing its SystemModstamp', async () => {
    let now = new Date('2026-11-01T10:00:00.250Z');
    emu.store.now = () => now;
    emu.store.insert(
      'Contact',
      Array.from({ length: 6 }, (_, i) => ({ LastName: `Old ${i}` })),
    );
    const c = connector();
    const first = await collectRecords(c.read('Contact', { properties: ['LastName'] }));
    expect(first).toHaveLength(6);
    const cursor = salesforceCursor(first[2]!); // three records after it share its SystemModstamp
    now = new Date('2026-11-01T10:00:05Z');
    emu.store.insert('Contact', [{ LastName: 'New 1' }, { LastName: 'New 2' }]);
    const newer = await collectRecords(c.read('Contact', { since: cursor, properties: ['LastName'] }));
    expect(newer.map((r) => r.properties.LastName)).toEqual(['Old 3', 'Old 4', 'Old 5', 'New 1', 'New 2']);
    const afterAll = await collectRecords(c.read('Contact', { since: salesforceCursor(newer[4]!) }));
    expect(afterAll).toHaveLength(0);
    // A plain ISO time works too.
    expect(await collectRecords(c.read('Contact', { since: '2026-11-01T10:00:01Z' }))).toHaveLength(2);
  });

  it('upserts create, then update; a re-run creates nothing', async () => {
    const c = connector();
    const first = await c.upsert('Loan__c', loans(450), { keyProperty: 'Loan_Number__c' });
    expect(first.every((r) => r.status === 'created' && r.id?.length === 18)).toBe(true);
    expect(emu.store.count('Loan__c')).toBe(450);
    // 450 records = 3 collection calls of at most 200
    expect(emu.requests.filter((r) => r.method === 'PATCH').length).toBe(3);
    const changed = loans(450).map((r) => ({ ...r, properties: { ...r.properties, Status__c: 'Approved' } }));
    const second = await c.upsert('Loan__c', changed, { keyProperty: 'Loan_Number__c' });
    expect(second.every((r) => r.status === 'updated')).toBe(true);
    expect(second.map((r) => r.id)).toEqual(first.map((r) => r.id));
    const third = await c.upsert('Loan__c', changed, { keyProperty: 'Loan_Number__c' });
    expect(third.filter((r) => r.status === 'created')).toHaveLength(0);
    expect(emu.store.count('Loan__c')).toBe(450);
    expect(emu.store.all('Loan__c').every((r) => r.Status__c === 'Approved' && typeof r.Amount__c === 'number')).toBe(
      true,
    );
  });

  it('reports partial failures per record with a clear message', async () => {
    const c = connector();
    await c.upsert('Contact', [{ key: 'C-1', properties: { LastName: 'Lovelace', Email: 'ada@example.com' } }], {
      keyProperty: 'Legacy_Id__c',
    });
    emu.store.recordFaults.set('C-6', {
      statusCode: 'UNABLE_TO_LOCK_ROW',
      message: 'unable to obtain exclusive access to this record',
      fields: [],
    });
    const results = await c.upsert(
      'Contact',
      [
        { key: 'C-2', properties: { LastName: 'Byron', Email: 'ADA@example.com' } },
        { key: 'C-3', properties: { FirstName: 'No last name' } },
        { key: 'C-4', properties: { LastName: 'X', Shoe_Size__c: '42' } },
        { key: 'C-5', properties: { LastName: 'Hopper', Email: 'grace@example.com' } },
        { key: 'C-6', properties: { LastName: 'Locked' } },
        { key: 'C-5', properties: { LastName: 'Twice' } },
      ],
      { keyProperty: 'Legacy_Id__c' },
    );
    expect(results.map((r) => r.status)).toEqual(['failed', 'failed', 'failed', 'created', 'failed', 'failed']);
    expect(results[0]!.error).toMatch(/^Salesforce duplicate rules blocked this record \(DUPLICATES_DETECTED/);
    expect(results[1]!.error).toMatch(/requires fields.*REQUIRED_FIELD_MISSING.*\[LastName\]/);
    expect(results[2]!.error).toMatch(/INVALID_FIELD.*Shoe_Size__c/);
    expect(results[4]!.error).toMatch(/UNABLE_TO_LOCK_ROW/);
    expect(results[5]!.error).toMatch(/more than once/);
    const loan = await c.upsert('Loan__c', [{ key: 'L-neg', properties: { Name: 'Bad', Amount__c: '-5' } }], {
      keyProperty: 'Loan_Number__c',
    });
    expect(loan[0]).toMatchObject({
      status: 'failed',
      error: expect.stringMatching(/validation rule.*FIELD_CUSTOM_VALIDATION_EXCEPTION.*Amount__c/),
    });
    expect(emu.store.count('Contact')).toBe(2);
  });

  it('survives a 5xx storm, dropped connections and slow answers on writes with nothing lost or duplicated', async () => {
    const c = connector({ requestTimeoutMs: 300, retry: { minTimeoutMs: 5, maxTimeoutMs: 20, retries: 8 } });
    emu.faults.serverErrors(3, { method: 'PATCH' });
    emu.faults.serverErrors(1, { method: 'PATCH', status: 500 });
    emu.faults.drop(1, { method: 'PATCH' });
    emu.faults.drop(1, { method: 'PATCH', afterProcessing: true });
    emu.faults.slow(1, 1000, { method: 'PATCH' });
    const results = await c.upsert('Loan__c', loans(500), { keyProperty: 'Loan_Number__c' });
    expect(emu.faults.hits).toEqual({ status: 4, drop: 2, slow: 1, malformed: 0 });
    expect(results.filter((r) => r.status === 'failed')).toEqual([]);
    expect(results).toHaveLength(500);
    await new Promise((r) => setTimeout(r, 1000)); // let the slow request that was given up on land
    expect(emu.store.count('Loan__c')).toBe(500);
    const keys = emu.store.all('Loan__c').map((r) => r.Loan_Number__c);
    expect(new Set(keys).size).toBe(500);
  });

  it('stops retrying when the retry budget is spent', async () => {
    const c = connector({ retry: { minTimeoutMs: 1, maxTimeoutMs: 2, retries: 10, budget: 2 } });
    emu.faults.serverErrors(100, { method: 'PATCH' });
    // The call fails for good, but its record is not lost from the results: it says why and that a re-run is safe.
    const results = await c.upsert('Loan__c', loans(1), { keyProperty: 'Loan_Number__c' });
    expect(results).toEqual([
      {
        key: expect.any(String),
        status: 'failed',
        error: expect.stringMatching(/SERVER_UNAVAILABLE.*retry budget.*outcome is unknown; run the upsert again/),
      },
    ]);
    expect(emu.faults.hits.status).toBe(3);
  });

  it('gives a clear error once the daily API limit is spent, naming the org, and sends nothing more', async () => {
    await emu.stop();
    emu = new SalesforceEmulator({ client: CLIENT, dailyApiRequests: 3 });
    url = await startEmulator(emu);
    const c = connector();
    await c.upsert('Loan__c', loans(10), { keyProperty: 'Loan_Number__c' }); // describe + 1 PATCH
    await expect(c.upsert('Loan__c', loans(10, 10), { keyProperty: 'Loan_Number__c' })).resolves.toHaveLength(10); // 3/3
    // The org refuses every call now: that is no record's failure, so the upsert as a whole fails (exit code 6).
    const refused = await c.upsert('Loan__c', loans(10, 20), { keyProperty: 'Loan_Number__c' }).catch((e: Error) => e);
    expect(refused).toBeInstanceOf(SalesforceError);
    expect((refused as Error).message).toMatch(/daily API request limit is used up \(api-usage 3\/3\)/);
    expect((refused as Error).message).toContain(`[Salesforce at ${url}]`);
    expect(classifyError(refused)).toBe('crm');
    // The emulator answers REQUEST_LIMIT_EXCEEDED itself to a client that does not track the header.
    const fresh = connector();
    const raw = await collectRecords(fresh.read('Loan__c', { properties: ['Name'] })).catch((e: Error) => e);
    expect(raw).toMatchObject({
      code: 'REQUEST_LIMIT_EXCEEDED',
      message: expect.stringContaining('daily API request limit'),
    });
    expect(emu.store.count('Loan__c')).toBe(20);
  });

  it('a bad token or bad client secret gives a clear error without the secret in it', async () => {
    const token = '00Dxx0000001gPL!AQ4AQFakeTokenValue123456';
    const c = new SalesforceConnector({ instanceUrl: url, accessToken: token });
    const check = await c.checkConnection();
    expect(check.ok).toBe(false);
    expect(check.message).toMatch(/rejected the access token \(INVALID_SESSION_ID/);
    expect(check.message).not.toContain(token);
    const e = await c.describe('Account').catch((err: Error) => err);
    expect(e).toMatchObject({ code: 'INVALID_SESSION_ID' });
    expect(String((e as Error).message) + String((e as Error).stack)).not.toContain(token);

    const bad = connector({ oauth: { clientId: CLIENT.clientId, clientSecret: 'wrong-secret-123' } });
    const login = await bad.listObjects().catch((err: Error) => err);
    expect((login as Error).message).toMatch(/OAuth login failed \(invalid_client/);
    expect((login as Error).message).not.toContain('wrong-secret-123');
  });

  it('renews an expired client-credentials session by itself', async () => {
    const c = connector();
    await c.describe('Account');
    emu.oauth.expireSessions();
    await expect(
      c.upsert('Account', [{ key: 'A-1', properties: { Name: 'Acme' } }], { keyProperty: 'Legacy_Id__c' }),
    ).resolves.toMatchObject([{ status: 'created' }]);
  });
});
