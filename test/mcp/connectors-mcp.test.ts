import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConnections, openConnector } from '../../core/connectors/registry';
import { HubSpotEmulator } from '../../sandbox/hubspot';
import { SalesforceEmulator } from '../../sandbox/salesforce';
import { connectMcpStdio, toolText } from '../helpers/mcp-stdio';

// The built binary serving MCP on stdio, connected to the emulators only through environment variables.
const TOKEN = 'hub-mcp-secret-token';
const salesforce = new SalesforceEmulator();
const hubspot = new HubSpotEmulator({ tokens: [TOKEN] });
let client: Client;

type Page = {
  crm: string;
  object: string;
  count: number;
  records: Array<{ id: string; modifiedAt?: string; properties: Record<string, string | null> }>;
  nextCursor: string | null;
};
const text = toolText;

beforeAll(async () => {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    SALESFORCE_INSTANCE_URL: await salesforce.start(),
    SALESFORCE_CLIENT_ID: 'emulator-client',
    SALESFORCE_CLIENT_SECRET: 'emulator-secret',
    HUBSPOT_BASE_URL: await hubspot.start(),
    HUBSPOT_ACCESS_TOKEN: TOKEN,
  };
  // Seed both CRMs through the connectors, as any client would.
  const connections = loadConnections(undefined, env);
  const hs = await openConnector('hubspot', connections);
  const seeded = await hs.upsert!(
    'companies',
    ['A', 'B', 'C', 'D', 'E'].map((l, i) => ({
      key: `M-${i + 1}`,
      properties: { legacy_company_id: `M-${i + 1}`, name: `Company ${l}`, domain: `${l.toLowerCase()}.example` },
    })),
    { keyProperty: 'legacy_company_id' },
  );
  expect(seeded.map((r) => r.status)).toEqual(['created', 'created', 'created', 'created', 'created']);
  const sf = await openConnector('salesforce', connections);
  const sfSeeded = await sf.upsert!(
    'Account',
    [
      { key: 'L-1', properties: { Legacy_Id__c: 'L-1', Name: 'Acme Ltd' } },
      { key: 'L-2', properties: { Legacy_Id__c: 'L-2', Name: 'Globex PLC' } },
    ],
    { keyProperty: 'Legacy_Id__c' },
  );
  expect(sfSeeded.map((r) => r.status)).toEqual(['created', 'created']);
  client = await connectMcpStdio([], env, 'crm-bridge-connectors-test');
}, 60_000);

afterAll(async () => {
  await client?.close();
  await Promise.all([salesforce.stop(), hubspot.stop()]);
});

describe('MCP describe_schema and query_records against the emulators', () => {
  it('lists both tools as read-only, with the limit bounded and the environment variables documented', async () => {
    const { tools } = await client.listTools();
    const byName = Object.fromEntries(tools.map((t) => [t.name, t]));
    for (const name of ['describe_schema', 'query_records']) {
      expect(byName[name]!.annotations).toMatchObject({ readOnlyHint: true });
      expect(byName[name]!.description).toContain('HUBSPOT_ACCESS_TOKEN');
      expect(byName[name]!.description).toContain('SALESFORCE_INSTANCE_URL');
      expect(byName[name]!.outputSchema).toBeDefined();
    }
    expect(byName.query_records!.inputSchema.properties!.limit).toMatchObject({ maximum: 500 });
    expect(byName.query_records!.inputSchema.required).toEqual(['crm', 'object']);
  });

  it("describes the emulator's HubSpot companies and Salesforce Account fields", async () => {
    const hs = await client.callTool({ name: 'describe_schema', arguments: { crm: 'hubspot', object: 'companies' } });
    expect(hs.isError).toBeFalsy();
    const hsContent = hs.structuredContent as {
      crm: string;
      object: string;
      idField: string;
      fields: Array<{ name: string; unique?: boolean }>;
    };
    expect(hsContent).toMatchObject({ crm: 'hubspot', object: 'companies', idField: 'hs_object_id' });
    const names = hsContent.fields.map((f) => f.name);
    expect(names).toEqual(expect.arrayContaining(['name', 'domain', 'legacy_company_id']));
    expect(hsContent.fields.find((f) => f.name === 'legacy_company_id')!.unique).toBe(true);

    // CRM names in any case: models write "Salesforce" as the vendor does.
    const sf = await client.callTool({ name: 'describe_schema', arguments: { crm: 'Salesforce ', object: 'Account' } });
    expect(sf.isError).toBeFalsy();
    const sfContent = sf.structuredContent as {
      crm: string;
      idField: string;
      fields: Array<{ name: string; required?: boolean }>;
    };
    expect(sfContent.crm).toBe('salesforce');
    expect(sfContent.idField).toBe('Id');
    expect(sfContent.fields.find((f) => f.name === 'Name')).toMatchObject({ required: true });
    expect(sfContent.fields.map((f) => f.name)).toContain('Legacy_Id__c');
  });

  it('pages through HubSpot companies with a cursor, every record once', async () => {
    const seen: string[] = [];
    const counts: number[] = [];
    let cursor: string | undefined;
    for (let calls = 0; calls < 5; calls++) {
      const result = await client.callTool({
        name: 'query_records',
        arguments: {
          crm: 'hubspot',
          object: 'companies',
          limit: 2,
          properties: ['name', 'legacy_company_id'],
          ...(cursor ? { cursor } : {}),
        },
      });
      expect(result.isError).toBeFalsy();
      const page = result.structuredContent as Page;
      counts.push(page.count);
      seen.push(...page.records.map((r) => r.properties.legacy_company_id!));
      for (const r of page.records) expect(r.modifiedAt).toMatch(/^\d{4}-\d\d-\d\dT/);
      if (!page.nextCursor) break;
      cursor = page.nextCursor;
    }
    expect(counts).toEqual([2, 2, 1]);
    expect(seen.sort()).toEqual(['M-1', 'M-2', 'M-3', 'M-4', 'M-5']);
  });

  it('reads Salesforce accounts in one page when the limit allows, with no cursor to continue', async () => {
    const result = await client.callTool({
      name: 'query_records',
      arguments: { crm: 'salesforce', object: 'Account', properties: ['Name', 'Legacy_Id__c'], limit: 10 },
    });
    expect(result.isError).toBeFalsy();
    const page = result.structuredContent as Page;
    expect(page.nextCursor).toBeNull();
    expect(page.records.map((r) => r.properties.Name).sort()).toEqual(['Acme Ltd', 'Globex PLC']);
    const first = await client.callTool({
      name: 'query_records',
      arguments: { crm: 'salesforce', object: 'Account', properties: ['Name'], limit: 1 },
    });
    const second = await client.callTool({
      name: 'query_records',
      arguments: {
        crm: 'salesforce',
        object: 'Account',
        properties: ['Name'],
        limit: 1,
        cursor: (first.structuredContent as Page).nextCursor,
      },
    });
    expect(
      [(first.structuredContent as Page).records[0]!.id, (second.structuredContent as Page).records[0]!.id].sort(),
    ).toEqual(page.records.map((r) => r.id).sort());
    expect((second.structuredContent as Page).nextCursor).toBeNull();
  });

  it('refuses an unknown CRM, and a limit over 500, as tool errors without echoing the token', async () => {
    const unknown = await client.callTool({
      name: 'query_records',
      arguments: { crm: 'zoho', object: 'accounts' },
    });
    expect(unknown.isError).toBe(true);
    expect(text(unknown)).toMatch(/Unknown connector "zoho"/);
    const unknownDescribe = await client.callTool({
      name: 'describe_schema',
      arguments: { crm: 'zoho', object: 'accounts' },
    });
    expect(unknownDescribe.isError).toBe(true);
    const tooMany = await client.callTool({
      name: 'query_records',
      arguments: { crm: 'hubspot', object: 'companies', limit: 501 },
    });
    expect(tooMany.isError).toBe(true);
    const noSuchObject = await client.callTool({
      name: 'describe_schema',
      arguments: { crm: 'hubspot', object: 'widgets' },
    });
    expect(noSuchObject.isError).toBe(true);
    for (const r of [unknown, unknownDescribe, tooMany, noSuchObject]) expect(text(r)).not.toContain(TOKEN);
  });
});
