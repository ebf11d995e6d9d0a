/**
 * Dynamics 365 in the n8n nodes, driven as n8n drives them against the Dynamics emulator (the unmodified
 * dynamics-web-api underneath): the credential's Test button, the CRM resource's describe / read / upsert, the
 * trigger's poll and the editor's object and field lists.
 */
import type {
  ICredentialsDecrypted,
  ICredentialTestFunctions,
  IDataObject,
  IExecuteFunctions,
  ILoadOptionsFunctions,
  INodeCredentialTestResult,
  IPollFunctions,
} from 'n8n-workflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CrmBridgeDynamicsApi } from '../../credentials/CrmBridgeDynamicsApi.credentials';
import { CrmBridge } from '../../nodes/CrmBridge/CrmBridge.node';
import { getSyncFieldMapping } from '../../nodes/CrmBridge/methods/syncMapping';
import { getSyncKeyFields, getSyncSourceFields, getSyncSourceObjects } from '../../nodes/CrmBridge/methods/syncOptions';
import { SYNC_CRM_OPTIONS } from '../../nodes/CrmBridge/actions/sync/systems';
import { SyncSystemSchema } from '../../core/sync/job';
import { CrmBridgeTrigger } from '../../nodes/CrmBridgeTrigger/CrmBridgeTrigger.node';
import { DynamicsEmulator } from '../../sandbox/dynamics';
import { EMULATOR_CLIENT, SalesforceEmulator } from '../../sandbox/salesforce';

const APP = { tenantId: 'contoso-tenant', clientId: 'n8n-app', clientSecret: 'dyn-right-SECRET-5c2e' };
const TOKEN = 'dyn-ready-token-SECRET-77aa';
// The emulator's clock runs with the real one; a test moves it on when two writes must fall in different seconds.
let ahead = 0;
const emulator = new DynamicsEmulator({ apps: [APP], tokens: [TOKEN], now: () => Date.now() + ahead });
let url = '';
let appCredential: Record<string, unknown> = {};

beforeAll(async () => {
  url = await emulator.start();
  appCredential = { url, authentication: 'clientCredentials', ...APP, authorityUrl: url };
});
afterAll(() => emulator.stop());

type Test = (this: ICredentialTestFunctions, credential: ICredentialsDecrypted) => Promise<INodeCredentialTestResult>;
const runTest = (test: Test, data: Record<string, unknown>) =>
  test.call(
    {} as ICredentialTestFunctions,
    {
      id: '1',
      name: 'test',
      type: 'crmBridgeDynamicsApi',
      data,
    } as ICredentialsDecrypted,
  );

/** n8n's execute context for the CRM resource with a Dynamics credential; items are the node's input. */
function execution(parameters: Record<string, unknown>, items: IDataObject[] = [{}], credential = appCredential) {
  const all: Record<string, unknown> = { resource: 'crm', crm: 'dynamics', ...parameters };
  return {
    getNodeParameter: (name: string, _i: number, fallback?: unknown) => (name in all ? all[name] : fallback),
    getCredentials: async (type: string) => (type === 'crmBridgeDynamicsApi' ? credential : undefined),
    getInputData: () => items.map((json) => ({ json })),
    getNode: () => ({ name: 'CRM Bridge', type: 'crmBridge', typeVersion: 1.1, position: [0, 0], parameters: all }),
    continueOnFail: () => false,
  } as unknown as IExecuteFunctions;
}

const execute = async (fns: IExecuteFunctions) => (await new CrmBridge().execute.call(fns))[0]!.map((i) => i.json);

describe('the Dynamics 365 credential', () => {
  const tests = new CrmBridge().methods.credentialTest;

  it('is offered by both nodes for Dynamics, with the same test, and its secrets are masked fields', () => {
    for (const node of [new CrmBridge(), new CrmBridgeTrigger()]) {
      expect(node.description.credentials).toContainEqual(
        expect.objectContaining({ name: 'crmBridgeDynamicsApi', testedBy: 'crmBridgeDynamicsTest' }),
      );
      expect(node.methods.credentialTest.crmBridgeDynamicsTest).toBe(tests.crmBridgeDynamicsTest);
    }
    const fields = new CrmBridgeDynamicsApi().properties;
    const masked = fields.filter((f) => f.typeOptions?.password).map((f) => f.name);
    expect(masked.sort()).toEqual(['accessToken', 'clientSecret']);
  });

  it('signs in with the app registration and calls WhoAmI; a wrong secret fails without being echoed', async () => {
    const tokens = emulator.identity.tokenRequests;
    const before = emulator.endpointCount('GET', '/api/data/v9.2/WhoAmI()');
    const ok = await runTest(tests.crmBridgeDynamicsTest, appCredential);
    expect(ok.status).toBe('OK');
    expect(ok.message).toContain(`connected to Dynamics at ${url}`);
    expect(emulator.identity.tokenRequests).toBe(tokens + 1);
    expect(emulator.endpointCount('GET', '/api/data/v9.2/WhoAmI()')).toBe(before + 1);
    const wrong = await runTest(tests.crmBridgeDynamicsTest, {
      ...appCredential,
      clientSecret: 'dyn-wrong-SECRET-0d0d',
    });
    expect(wrong.status).toBe('Error');
    expect(wrong.message).not.toContain('dyn-wrong-SECRET-0d0d');
    expect(emulator.endpointCount('GET', '/api/data/v9.2/WhoAmI()')).toBe(before + 1);
  });

  it('takes a ready access token when that method is chosen, ignoring the app fields left from before', async () => {
    const ok = await runTest(tests.crmBridgeDynamicsTest, {
      ...appCredential,
      clientSecret: 'left-over-SECRET',
      authentication: 'accessToken',
      accessToken: TOKEN,
    });
    expect(ok.status).toBe('OK');
    const wrong = await runTest(tests.crmBridgeDynamicsTest, {
      url,
      authentication: 'accessToken',
      accessToken: 'dyn-bad-token-SECRET-9999',
    });
    expect(wrong.status).toBe('Error');
    expect(wrong.message).toMatch(/401/);
    expect(wrong.message).not.toContain('dyn-bad-token-SECRET-9999');
    const incomplete = await runTest(tests.crmBridgeDynamicsTest, { url, authentication: 'clientCredentials' });
    expect(incomplete).toMatchObject({ status: 'Error', message: expect.stringContaining('tenantId') });
  });
});

describe('CRM Bridge > CRM with Dynamics 365', () => {
  it('describes a table: one item per column, custom ones and choice labels from the metadata', async () => {
    const fields = await execute(execution({ operation: 'describeSchema', crmObject: 'account' }));
    expect(fields[0]).toMatchObject({ crm: 'dynamics', object: 'account', idField: 'accountid' });
    const byName = new Map(fields.map((f) => [f.name, f]));
    expect(byName.get('new_legacyid')).toMatchObject({ label: 'Legacy ID', unique: true, type: 'string' });
    expect(byName.get('new_tier')).toMatchObject({ type: 'enum', options: ['Gold', 'Silver', 'Bronze'] });
    expect(byName.get('emailaddress1')).toMatchObject({ format: 'email' });
  });

  it('upserts by an alternate key (created, then updated), and reads the rows back with a cursor', async () => {
    const items = [
      { new_legacyid: 'N8N-1', name: 'Fabrikam', new_tier: 'Gold', numberofemployees: 40 },
      { new_legacyid: 'N8N-2', name: 'Northwind', telephone1: '+1 425 555 0100' },
      { name: 'No key' },
    ];
    const first = await execute(
      execution({ operation: 'upsert', crmObject: 'account', keyProperty: 'new_legacyid' }, items),
    );
    expect(first.map((r) => [r.key, r.status])).toEqual([
      ['N8N-1', 'created'],
      ['N8N-2', 'created'],
      ['', 'failed'],
    ]);
    expect(first[2]!.error).toBe('no value for the key property "new_legacyid"');
    const row = emulator.store.get('account', String(first[0]!.id))!;
    expect(row.values).toMatchObject({ name: 'Fabrikam', new_tier: 100000000, numberofemployees: 40 });

    ahead += 2000; // the update's second is after the creations' (rows of one second come in ID order)
    const second = await execute(
      execution({ operation: 'upsert', crmObject: 'account', keyProperty: 'new_legacyid' }, [
        { new_legacyid: 'N8N-1', name: 'Fabrikam Inc.' },
      ]),
    );
    expect(second[0]).toMatchObject({ key: 'N8N-1', status: 'updated', id: first[0]!.id });
    expect(emulator.store.get('account', String(first[0]!.id))!.values.name).toBe('Fabrikam Inc.');

    const read = { operation: 'read', crmObject: 'account', properties: 'name,new_legacyid,new_tier', limit: 1 };
    const page1 = await execute(execution(read));
    expect(page1).toHaveLength(1);
    expect(page1[0]!.nextCursor).toEqual(expect.any(String));
    const page2 = await execute(execution({ ...read, since: page1[0]!.nextCursor, limit: 10 }));
    const seen = [...page1, ...page2].map((r) => r.properties as IDataObject);
    expect(seen).toEqual([
      { name: 'Northwind', new_legacyid: 'N8N-2', new_tier: null },
      { name: 'Fabrikam Inc.', new_legacyid: 'N8N-1', new_tier: 'Gold' },
    ]);
    expect(page2.at(-1)!.nextCursor).toBeNull();
  });

  it('names a missing table in the error, never the secret', async () => {
    const fns = execution({ operation: 'describeSchema', crmObject: 'no_such_table' });
    await expect(execute(fns)).rejects.toThrow(/no_such_table/);
    await expect(execute(fns)).rejects.not.toThrow(APP.clientSecret);
  });
});

describe('CRM Bridge Trigger with Dynamics 365', () => {
  it('emits the rows changed since its last poll, oldest first, and nothing when none changed', async () => {
    const staticData: IDataObject = {};
    const fns = {
      getNodeParameter: (name: string, fallback?: unknown) =>
        ({ crm: 'dynamics', object: 'contact', properties: 'lastname,emailaddress1', start: 'beginning', maxItems: 2 })[
          name
        ] ?? fallback,
      getCredentials: async () => appCredential,
      getWorkflowStaticData: () => staticData,
      getMode: () => 'trigger',
      getNode: () => ({ name: 'CRM Bridge Trigger', type: 'crmBridgeTrigger', typeVersion: 1, position: [0, 0] }),
      logger: { warn: () => undefined },
    } as unknown as IPollFunctions;
    const trigger = new CrmBridgeTrigger();
    const names = async () =>
      ((await trigger.poll.call(fns))?.[0] ?? []).map((i) => (i.json.properties as IDataObject).lastname);
    // A second apart: rows of one second come in ID order (random here), as cursors compare them.
    const start = Date.now() - 60_000;
    ['Ahmed', 'Brown', 'Chen'].forEach((lastname, i) =>
      emulator.store.insert('contact', { lastname }, start + i * 1000),
    );
    expect(await names()).toEqual(['Ahmed', 'Brown']);
    expect(await names()).toEqual(['Chen']);
    expect(await names()).toEqual([]);
    const chen = emulator.store.all('contact').find((r) => r.values.lastname === 'Chen')!;
    ahead += 2000;
    emulator.store.update('contact', chen, { emailaddress1: 'chen@example.com' });
    expect(await names()).toEqual(['Chen']);
  });
});

describe('the editor lists with Dynamics 365', () => {
  const salesforce = new SalesforceEmulator();
  let salesforceCredential: Record<string, unknown> = {};
  beforeAll(async () => {
    salesforceCredential = { authentication: 'oauth', instanceUrl: await salesforce.start(), ...EMULATOR_CLIENT };
  });
  afterAll(() => salesforce.stop());

  /** n8n's LoadOptionsContext; `&name` is the stream row's own parameter (one row here). */
  const loader = (parameters: Record<string, unknown>) =>
    ({
      getCurrentNodeParameter: (name: string) => parameters[name.replace(/^&/, '')],
      getNodeParameter: (name: string, fallback: unknown) => parameters[name] ?? fallback,
      getCredentials: async (type: string) =>
        ({ crmBridgeDynamicsApi: appCredential, crmBridgeSalesforceApi: salesforceCredential })[type],
      getNode: () => ({ name: 'CRM Bridge', type: 'crmBridge', typeVersion: 1.1, position: [0, 0], parameters }),
    }) as unknown as ILoadOptionsFunctions;

  it('list its tables and the columns of the tables a stream names, from describe', async () => {
    const objects = await getSyncSourceObjects.call(loader({ sourceCrm: 'dynamics' }));
    expect(objects.map((o) => o.value)).toEqual(['account', 'contact']);
    const fields = await getSyncSourceFields.call(
      loader({ sourceCrm: 'dynamics', editorStreams: { stream: [{ sourceObject: 'contact' }] } }),
    );
    expect(fields).toContainEqual(expect.objectContaining({ name: 'Legacy ID (new_legacyid)', value: 'new_legacyid' }));
    expect(fields.find((f) => f.value === 'parentcustomerid')?.description).toContain('in contact');
  });

  it("offer a table's alternate key first as the stream's key, and map Salesforce Contact fields to its columns", async () => {
    const row = { sourceCrm: 'salesforce', targetCrm: 'dynamics', sourceObject: 'Contact', targetObject: 'contact' };
    const keys = await getSyncKeyFields.call(loader(row));
    expect(keys[0]).toMatchObject({ value: 'new_legacyid' });
    expect(keys.map((k) => k.value)).not.toContain('contactid');
    const { fields } = await getSyncFieldMapping.call(loader({ ...row, key: 'new_legacyid' }));
    const suggested = Object.fromEntries(fields.filter((f) => f.defaultValue).map((f) => [f.id, f.defaultValue]));
    expect(suggested).toEqual({
      firstname: 'FirstName',
      lastname: 'LastName',
      emailaddress1: 'Email',
      telephone1: 'Phone',
      birthdate: 'Birthdate',
      parentcustomerid: 'AccountId',
    });
    expect(fields.map((f) => f.id)).not.toContain('new_legacyid'); // the key: the engine writes the source ID there
    expect(fields.map((f) => f.id)).not.toContain('fullname'); // computed by Dataverse
  });

  it('offer Dynamics as a sync end exactly when a sync job may name it', () => {
    const accepted = SyncSystemSchema.safeParse('dynamics').success;
    expect(SYNC_CRM_OPTIONS.some((o) => o.value === 'dynamics')).toBe(accepted);
    expect(SYNC_CRM_OPTIONS.map((o) => o.value)).toEqual(
      expect.arrayContaining(['salesforce', 'hubspot', 'pipedrive']),
    );
  });
});
