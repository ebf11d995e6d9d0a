import type { ICredentialsDecrypted, ICredentialTestFunctions, INodeCredentialTestResult } from 'n8n-workflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CrmBridge } from '../../nodes/CrmBridge/CrmBridge.node';
import { CrmBridgeTrigger } from '../../nodes/CrmBridgeTrigger/CrmBridgeTrigger.node';
import { CrmBridgeWebhookTrigger } from '../../nodes/CrmBridgeWebhookTrigger/CrmBridgeWebhookTrigger.node';
import { HubSpotEmulator } from '../../sandbox/hubspot';
import { PipedriveEmulator } from '../../sandbox/pipedrive';
import { SalesforceEmulator } from '../../sandbox/salesforce';

// What n8n's "Test" button runs, against the emulators of the CRMs' real APIs and the PostgreSQL server.
type Test = (this: ICredentialTestFunctions, credential: ICredentialsDecrypted) => Promise<INodeCredentialTestResult>;
const run = (test: Test, type: string, data: Record<string, unknown>) =>
  test.call({} as ICredentialTestFunctions, { id: '1', name: 'test', type, data } as ICredentialsDecrypted);

const tests = new CrmBridge().methods.credentialTest;
const SERVER = process.env.DATABASE_URL ?? 'postgres://root@127.0.0.1:5432/postgres';

describe('credential tests', () => {
  const hubspot = new HubSpotEmulator({ tokens: ['hs-right-token-0815'] });
  const pipedrive = new PipedriveEmulator({ tokens: ['pd-right-token-SECRET-7e1c'] });
  const salesforce = new SalesforceEmulator();
  const urls = { hubspot: '', pipedrive: '', salesforce: '' };
  beforeAll(async () => {
    urls.hubspot = await hubspot.start();
    urls.pipedrive = await pipedrive.start();
    urls.salesforce = await salesforce.start();
  });
  afterAll(async () => {
    await Promise.all([hubspot.stop(), pipedrive.stop(), salesforce.stop()]);
  });

  it('HubSpot: reads a page of contacts with the token, and a wrong token fails without being echoed', async () => {
    const before = hubspot.requestsByEndpoint.get('GET /crm/v3/objects/contacts') ?? 0;
    const ok = await run(tests.crmBridgeHubSpotTest, 'crmBridgeHubSpotApi', {
      accessToken: 'hs-right-token-0815',
      baseUrl: urls.hubspot,
    });
    expect(ok).toMatchObject({ status: 'OK' });
    expect(ok.message).toContain(urls.hubspot);
    expect(hubspot.requestsByEndpoint.get('GET /crm/v3/objects/contacts')).toBe(before + 1);
    const wrong = await run(tests.crmBridgeHubSpotTest, 'crmBridgeHubSpotApi', {
      accessToken: 'hs-wrong-token-SECRET-4242',
      baseUrl: urls.hubspot,
    });
    expect(wrong.status).toBe('Error');
    expect(wrong.message).toMatch(/401/);
    expect(wrong.message).not.toContain('hs-wrong-token-SECRET-4242');
  });

  it('Salesforce: logs in with the connected app and reads /limits; a wrong secret fails unechoed', async () => {
    const data = { instanceUrl: urls.salesforce, authentication: 'oauth', clientId: 'emulator-client' };
    const ok = await run(tests.crmBridgeSalesforceTest, 'crmBridgeSalesforceApi', {
      ...data,
      clientSecret: 'emulator-secret',
    });
    expect(ok).toMatchObject({ status: 'OK' });
    expect(salesforce.requests.some((r) => r.path.endsWith('/limits') && r.status === 200)).toBe(true);
    const wrong = await run(tests.crmBridgeSalesforceTest, 'crmBridgeSalesforceApi', {
      ...data,
      clientSecret: 'sf-wrong-SECRET-4711',
    });
    expect(wrong.status).toBe('Error');
    expect(wrong.message).not.toContain('sf-wrong-SECRET-4711');
  });

  it('Pipedrive: GET /v1/users/me with the API token; a wrong token fails with the 401, unechoed', async () => {
    const before = pipedrive.requestsTo('/v1/users/me').length;
    const ok = await run(tests.crmBridgePipedriveTest, 'crmBridgePipedriveApi', {
      authentication: 'apiToken',
      apiToken: 'pd-right-token-SECRET-7e1c',
      baseUrl: urls.pipedrive,
    });
    expect(ok.status).toBe('OK');
    expect(pipedrive.requestsTo('/v1/users/me')).toHaveLength(before + 1);
    const wrong = await run(tests.crmBridgePipedriveTest, 'crmBridgePipedriveApi', {
      authentication: 'apiToken',
      apiToken: 'pd-wrong-token-SECRET-0b0e',
      baseUrl: urls.pipedrive,
    });
    expect(wrong.status).toBe('Error');
    expect(wrong.message).toMatch(/401/);
    expect(wrong.message).not.toContain('pd-wrong-token-SECRET-0b0e');
  });
});

describe('PostgreSQL credential test', () => {
  const server = new URL(SERVER);
  const credential = {
    host: server.hostname,
    port: Number(server.port || 5432),
    database: server.pathname.slice(1) || 'postgres',
    user: decodeURIComponent(server.username),
    password: decodeURIComponent(server.password),
    ssl: 'disable',
  };

  it('connects and runs a query on the server', async () => {
    expect(await run(tests.crmBridgePostgresTest, 'crmBridgePostgresApi', credential)).toEqual({
      status: 'OK',
      message: 'Connection successful',
    });
  });

  it('names what is wrong (no such database, nothing listening, an incomplete credential), never the password', async () => {
    const password = 'pg-SECRET-password-31337';
    const missing = await run(tests.crmBridgePostgresTest, 'crmBridgePostgresApi', {
      ...credential,
      password,
      database: 'crm_bridge_no_such_database',
    });
    expect(missing.status).toBe('Error');
    expect(missing.message).toMatch(/crm_bridge_no_such_database|password authentication failed/);
    const closed = await run(tests.crmBridgePostgresTest, 'crmBridgePostgresApi', { ...credential, password, port: 1 });
    expect(closed).toMatchObject({ status: 'Error', message: expect.stringMatching(/ECONNREFUSED/) });
    const incomplete = await run(tests.crmBridgePostgresTest, 'crmBridgePostgresApi', { ...credential, host: '' });
    expect(incomplete).toMatchObject({ status: 'Error', message: expect.stringContaining('host') });
    for (const result of [missing, closed, incomplete]) expect(result.message).not.toContain(password);
  });
});

describe('webhook secrets credential test', () => {
  const test = new CrmBridgeWebhookTrigger().methods.credentialTest.crmBridgeWebhookTest;
  const check = (data: Record<string, string>) => run(test, 'crmBridgeWebhookApi', data);

  it('is ready for each vendor whose fields are complete', async () => {
    expect(await check({ hubspotClientSecret: 'hs-client-secret-1234' })).toEqual({
      status: 'OK',
      message: 'Ready for HubSpot',
    });
    expect(
      await check({
        hubspotClientSecret: 'hs-client-secret-1234',
        pipedriveUser: 'n8n',
        pipedrivePassword: 'pd-basic-auth-pass',
        salesforceOrganizationId: '00D5g000004XyZaEAK',
      }),
    ).toEqual({ status: 'OK', message: 'Ready for HubSpot, Pipedrive, Salesforce' });
  });

  it('refuses an empty credential and a vendor filled in halfway or wrongly, without echoing secrets', async () => {
    expect((await check({})).status).toBe('Error');
    const half = await check({ pipedriveUser: 'n8n', pipedrivePassword: '' });
    expect(half).toMatchObject({ status: 'Error', message: expect.stringMatching(/^Pipedrive: .*password/) });
    const org = await check({ salesforceOrganizationId: '001000000000001' });
    expect(org).toMatchObject({ status: 'Error', message: expect.stringContaining('org ID (00D') });
    const short = await check({ pipedriveUser: 'n8n', pipedrivePassword: 'short', hubspotClientSecret: 'hs-1' });
    expect(short.status).toBe('Error');
    expect(short.message).not.toContain('hs-1');
  });
});

describe('every node tests the credentials it uses', () => {
  it('each credential slot names a test the same node provides', () => {
    for (const node of [new CrmBridge(), new CrmBridgeTrigger(), new CrmBridgeWebhookTrigger()]) {
      const provided = Object.keys(node.methods.credentialTest);
      for (const slot of node.description.credentials ?? []) {
        expect(slot.testedBy, `${node.description.name}: ${slot.name}`).toBeTypeOf('string');
        expect(provided, `${node.description.name}: ${slot.name}`).toContain(slot.testedBy);
      }
    }
  });
});
