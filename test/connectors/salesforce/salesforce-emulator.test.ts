import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SalesforceEmulator } from '../../../sandbox/salesforce';
import { to18 } from '../../../sandbox/salesforce/ids';
import { parseSoql } from '../../../sandbox/salesforce/soql';

const CLIENT = { clientId: 'raw-client', clientSecret: 'raw-secret' };
let emu: SalesforceEmulator;
let base: string;
let token: string;

async function api(method: string, path: string, body?: unknown, auth = token) {
  const res = await fetch(`${base}/services/data/v60.0${path}`, {
    method,
    headers: { Authorization: `Bearer ${auth}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, headers: res.headers, json: (await res.json()) as any };
}

beforeAll(async () => {
  emu = new SalesforceEmulator({ client: CLIENT, dailyApiRequests: 1000 });
  base = await emu.start();
  const res = await fetch(`${base}/services/oauth2/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: CLIENT.clientId,
      client_secret: CLIENT.clientSecret,
    }),
  });
  const json = (await res.json()) as any;
  expect(json).toMatchObject({ instance_url: base, token_type: 'Bearer', id: `${base}/id/${emu.orgId}/${emu.userId}` });
  expect(json.signature).toBeTruthy();
  token = json.access_token;
});
afterAll(() => emu.stop());

describe('Salesforce emulator (raw HTTP)', () => {
  it('makes 18-character IDs with the case checksum Salesforce uses', () => {
    expect(to18('001A0000006Vm9r')).toBe('001A0000006Vm9rIAC');
    expect(emu.orgId).toHaveLength(18);
  });

  it('answers JSON with Sforce-Limit-Info on every response, and Salesforce error shapes', async () => {
    const ok = await api('GET', '/sobjects');
    expect(ok.headers.get('content-type')).toMatch(/^application\/json/);
    expect(ok.headers.get('sforce-limit-info')).toMatch(/^api-usage=\d+\/1000$/);
    const denied = await api('GET', '/sobjects', undefined, 'nope');
    expect(denied).toMatchObject({
      status: 401,
      json: [{ errorCode: 'INVALID_SESSION_ID', message: 'Session expired or invalid' }],
    });
    expect(denied.headers.get('sforce-limit-info')).toBeTruthy();
    expect((await api('GET', '/query?q=SELEC Id')).json[0].errorCode).toBe('MALFORMED_QUERY');
    expect((await api('GET', '/query?q=SELECT Nope FROM Account')).json[0].errorCode).toBe('INVALID_FIELD');
    expect((await api('GET', '/query?q=SELECT Id FROM Nope__c')).json[0].errorCode).toBe('INVALID_TYPE');
    expect((await api('GET', '/sobjects/Nope/describe')).status).toBe(404);
  });

  it('refuses more than 200 records per collection call', async () => {
    const records = Array.from({ length: 201 }, (_, i) => ({
      attributes: { type: 'Account' },
      Legacy_Id__c: `X${i}`,
      Name: 'n',
    }));
    const res = await api('PATCH', '/composite/sobjects/Account/Legacy_Id__c', { allOrNone: false, records });
    expect(res).toMatchObject({ status: 400, json: [{ errorCode: 'EXCEEDED_ID_LIMIT' }] });
    const notExt = await api('PATCH', '/composite/sobjects/Account/Name', { records: [] });
    expect(notExt).toMatchObject({ status: 400, json: [{ errorCode: 'INVALID_FIELD' }] });
  });

  it('rolls the whole call back with allOrNone', async () => {
    const res = await api('PATCH', '/composite/sobjects/Account/Legacy_Id__c', {
      allOrNone: true,
      records: [
        { attributes: { type: 'Account' }, Legacy_Id__c: 'R1', Name: 'ok' },
        { attributes: { type: 'Account' }, Legacy_Id__c: 'R2' },
      ],
    });
    expect(res.status).toBe(200);
    expect(res.json.map((r: any) => r.errors[0].statusCode)).toEqual([
      'ALL_OR_NONE_OPERATION_ROLLED_BACK',
      'REQUIRED_FIELD_MISSING',
    ]);
    expect(emu.store.all('Account').some((r) => r.Legacy_Id__c === 'R1')).toBe(false);
  });

  it('pages query results by 2000 through query locators, honouring WHERE, ORDER BY and LIMIT', async () => {
    emu.store.now = () => new Date('2026-01-01T00:00:00Z');
    emu.store.insert(
      'Opportunity',
      Array.from({ length: 2100 }, (_, i) => ({ Name: `O${i}`, Amount: i })),
    );
    emu.store.now = () => new Date('2026-01-02T00:00:00Z');
    emu.store.insert('Opportunity', [{ Name: 'late', Amount: 1 }]);
    const first = await api(
      'GET',
      `/query?q=${encodeURIComponent('SELECT Id, Name FROM Opportunity ORDER BY SystemModstamp, Id')}`,
    );
    expect(first.json).toMatchObject({ totalSize: 2101, done: false });
    expect(first.json.records).toHaveLength(2000);
    expect(first.json.records[0]).toMatchObject({
      attributes: { type: 'Opportunity', url: expect.stringMatching(/\/sobjects\/Opportunity\/006/) },
      Name: 'O0',
    });
    const second = await fetch(`${base}${first.json.nextRecordsUrl}`, {
      headers: { Authorization: `Bearer ${token}` },
    }).then((r) => r.json() as any);
    expect(second).toMatchObject({ done: true });
    expect(second.records.map((r: any) => r.Name).slice(-1)).toEqual(['late']);
    const since = await api(
      'GET',
      `/query?q=${encodeURIComponent('SELECT Id FROM Opportunity WHERE SystemModstamp > 2026-01-01T00:00:00.000+0000 ORDER BY SystemModstamp, Id LIMIT 5')}`,
    );
    expect(since.json.totalSize).toBe(1);
    const limited = await api(
      'GET',
      `/query?q=${encodeURIComponent("SELECT Id FROM Opportunity WHERE Amount >= 2095 OR (Name = 'O3' AND Amount = 3) ORDER BY Id DESC LIMIT 3")}`,
    );
    expect(limited.json.records).toHaveLength(3);
  });

  it('parses the SOQL subset', () => {
    expect(
      parseSoql(
        "SELECT Id, Name FROM Account WHERE SystemModstamp > 2026-01-01T00:00:00Z OR (SystemModstamp = 2026-01-01T00:00:00Z AND Id > '001') ORDER BY SystemModstamp, Id LIMIT 10",
      ),
    ).toMatchObject({
      fields: ['Id', 'Name'],
      from: 'Account',
      limit: 10,
      where: { kind: 'or' },
      orderBy: [{ field: 'SystemModstamp' }, { field: 'Id' }],
    });
  });

  it('rejects bad OAuth requests the way Salesforce does', async () => {
    const res = await fetch(`${base}/services/oauth2/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'refresh_token', client_id: CLIENT.clientId, refresh_token: 'bogus' }),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: 'invalid_grant', error_description: 'expired access/refresh token' });
  });
});
