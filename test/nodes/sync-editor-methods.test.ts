/**
 * The Sync editor's lists and field mapping, loaded as n8n loads them (parameters of the node being edited, a
 * parameter path for the row, credentials by type) from the Salesforce and Pipedrive emulators.
 */
import type { ILoadOptionsFunctions } from 'n8n-workflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CrmBridge } from '../../nodes/CrmBridge/CrmBridge.node';
import { getSyncFieldMapping } from '../../nodes/CrmBridge/methods/syncMapping';
import {
  getSyncKeyFields,
  getSyncSourceFields,
  getSyncSourceObjects,
  getSyncTargetFields,
  getSyncTargetObjects,
} from '../../nodes/CrmBridge/methods/syncOptions';
import { PD_TOKEN, SF_CLIENT, startSandbox, type Sandbox } from '../sync/fixtures';

let box: Sandbox;
beforeAll(async () => {
  box = await startSandbox();
});
afterAll(async () => {
  await box?.stop();
});

/** n8n's LoadOptionsContext: `&name` is a sibling of the parameter at `path` (n8n-core resolves it the same way). */
function loader(parameters: Record<string, unknown>, path = '', credentials?: Record<string, unknown>) {
  const get = (p: string) =>
    p
      .split(/\.|\[(\d+)\]/)
      .filter((k) => k !== undefined && k !== '')
      .reduce<any>((v, k) => v?.[k], parameters);
  return {
    getCurrentNodeParameter: (name: string) =>
      get(name.startsWith('&') ? `${path.split('.').slice(1, -1).join('.')}.${name.slice(1)}` : name),
    getNodeParameter: (name: string, fallback: unknown) => get(name) ?? fallback,
    getCredentials: async (type: string) =>
      (credentials ?? {
        crmBridgeSalesforceApi: { authentication: 'oauth', instanceUrl: box.sfUrl, ...SF_CLIENT },
        crmBridgePipedriveApi: { apiToken: PD_TOKEN, baseUrl: box.pdUrl },
      })[type],
    getNode: () => ({ name: 'CRM Bridge', type: 'crmBridge', typeVersion: 1.1, position: [0, 0], parameters }),
  } as unknown as ILoadOptionsFunctions;
}

const stream = (row: Record<string, unknown>) => ({
  sourceCrm: 'salesforce',
  targetCrm: 'pipedrive',
  editorStreams: { stream: [{ name: 'other', sourceObject: 'Contact', targetObject: 'persons' }, row] },
});
const rowPath = (name: string) => `parameters.editorStreams.stream[1].${name}`;

describe('Sync editor lists, through the credentials', () => {
  it('are registered on the node', () => {
    const { methods } = new CrmBridge();
    expect(methods.resourceMapping.getSyncFieldMapping).toBe(getSyncFieldMapping);
    expect(methods.loadOptions).toMatchObject({ getSyncSourceObjects, getSyncTargetObjects, getSyncKeyFields });
  });

  it("list each side's objects from its CRM", async () => {
    const params = { sourceCrm: 'salesforce', targetCrm: 'pipedrive' };
    const sources = (await getSyncSourceObjects.call(loader(params))).map((o) => o.value);
    expect(sources).toEqual(expect.arrayContaining(['Contact', 'Loan__c']));
    const targets = (await getSyncTargetObjects.call(loader(params))).map((o) => o.value);
    expect(targets).toEqual(expect.arrayContaining(['persons', 'deals']));
    expect(targets).not.toContain('Loan__c');
  });

  it("offer the stream's target fields as keys, the external-ID field first, never the target's own ID", async () => {
    const keys = await getSyncKeyFields.call(loader(stream({ targetObject: 'deals' }), rowPath('key')));
    expect(keys[0]).toMatchObject({ value: 'Salesforce ID' });
    expect(keys.map((k) => k.value)).toEqual(expect.arrayContaining(['title', 'value']));
    expect(keys.map((k) => k.value)).not.toContain('id');
  });

  it("list the fields of every stream's objects for filters and references, saying which objects have them", async () => {
    const params = stream({ sourceObject: 'Loan__c', targetObject: 'deals' });
    const sourceFields = await getSyncSourceFields.call(loader(params, rowPath('filter.condition[0].field')));
    expect(sourceFields.map((f) => f.value)).toEqual(
      expect.arrayContaining(['Loan_Officer__c', 'Primary_Borrower__c', 'Email', 'Name']),
    );
    expect(sourceFields.find((f) => f.value === 'CreatedDate')!.description).toContain('in Contact, Loan__c');
    expect(sourceFields.find((f) => f.value === 'Email')!.description).toMatch(/in Contact$/);
    const targetFields = await getSyncTargetFields.call(loader(params));
    expect(targetFields.map((f) => f.value)).toEqual(expect.arrayContaining(['person_id', 'title', 'email']));
  });

  it('say why a list cannot load, without the credential secrets', async () => {
    const bad = loader({ sourceCrm: 'salesforce' }, '', {
      crmBridgeSalesforceApi: {
        authentication: 'oauth',
        instanceUrl: box.sfUrl,
        clientId: 'x',
        clientSecret: 'wrong-s3cret-99',
      },
    });
    const error = await getSyncSourceObjects.call(bad).catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/^Cannot list the source CRM's objects: /);
    expect((error as Error).message).not.toContain('wrong-s3cret-99');
  });
});

describe('Sync editor field mapping (resourceMapper)', () => {
  it("fills in core's suggestions for a stream's target fields, with their reasons in the field names", async () => {
    const params = stream({ sourceObject: 'Loan__c', targetObject: 'deals', key: 'Salesforce ID' });
    const { fields, emptyFieldsNotice } = await getSyncFieldMapping.call(loader(params, rowPath('mapping')));
    expect(emptyFieldsNotice).toBeUndefined();
    const byId = new Map(fields.map((f) => [f.id, f]));
    expect(byId.get('value')).toMatchObject({ defaultValue: 'Amount__c', type: 'string', display: true });
    expect(byId.get('value')!.displayName).toBe(
      'Value (value) ← Amount__c: 100% (name "Amount__c" ~ "value" 100% (synonyms: amount = value); + sample values look like currency; types agree (number/currency))',
    );
    expect(byId.get('status')).toMatchObject({ defaultValue: 'Status__c' });
    // No guess below the suggester's threshold: Name reaches only 35 for title, so title stays empty.
    expect(byId.get('title')).toMatchObject({ displayName: 'Title (title) [required]' });
    expect(byId.get('title')!.defaultValue).toBeUndefined();
    // A Pipedrive custom field goes by its label, which the connector takes as well as its hash.
    expect(byId.has('Legacy deal ID')).toBe(true);
    // The key and the target's own ID are not mapped: the engine fills the key with the source ID.
    expect(byId.has('Salesforce ID')).toBe(false);
    expect(byId.has('id')).toBe(false);
    // Suggested fields first.
    const firstUnsuggested = fields.findIndex((f) => f.defaultValue === undefined);
    expect(fields.slice(firstUnsuggested).every((f) => f.defaultValue === undefined)).toBe(true);
  });

  it('returns a notice instead of failing when the stream has no objects yet or the CRM refuses', async () => {
    expect(await getSyncFieldMapping.call(loader(stream({}), rowPath('mapping')))).toEqual({
      fields: [],
      emptyFieldsNotice: "Choose this stream's source and target objects first",
    });
    const refused = await getSyncFieldMapping.call(
      loader(stream({ sourceObject: 'Loan__c', targetObject: 'deals' }), rowPath('mapping'), {
        crmBridgeSalesforceApi: { authentication: 'oauth', instanceUrl: box.sfUrl, ...SF_CLIENT },
        crmBridgePipedriveApi: { apiToken: 'pd-wrong-token-123456', baseUrl: box.pdUrl },
      }),
    );
    expect(refused.fields).toEqual([]);
    expect(refused.emptyFieldsNotice).toMatch(/^Cannot read the stream's objects: /);
    expect(refused.emptyFieldsNotice).not.toContain('pd-wrong-token-123456');
  });
});
