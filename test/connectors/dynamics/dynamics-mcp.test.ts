import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamicsEmulator } from '../../../sandbox/dynamics';
import { compareCursors } from '../../../core/connectors/cursor';
import { ROOT } from '../../helpers/example-data';

// The built binary serving MCP on stdio, reaching the Dynamics emulator only through environment variables.
const BIN = path.join(ROOT, 'dist', 'cli', 'index.js');
const emulator = new DynamicsEmulator({
  apps: [{ tenantId: 'fabrikam', clientId: 'mcp-app', clientSecret: 'mcp-secret-9d2' }],
});
let client: Client;

type Page = {
  crm: string;
  count: number;
  records: Array<{ id: string; modifiedAt?: string; properties: Record<string, string | null> }>;
  nextCursor: string | null;
};

beforeAll(async () => {
  for (let i = 0; i < 5; i++)
    emulator.store.insert(
      'contact',
      { firstname: `First${i}`, lastname: `Last${i}`, new_legacyid: `C-${i}` },
      Date.parse('2026-02-02T09:00:00Z') + i * 700,
    );
  const url = await emulator.start();
  client = new Client({ name: 'crm-bridge-dynamics-mcp-test', version: '1.0.0' });
  await client.connect(
    new StdioClientTransport({
      command: process.execPath,
      args: [BIN, 'mcp'],
      env: {
        PATH: process.env.PATH ?? '',
        DYNAMICS_URL: url,
        DYNAMICS_AUTHORITY_URL: url,
        DYNAMICS_TENANT_ID: 'fabrikam',
        DYNAMICS_CLIENT_ID: 'mcp-app',
        DYNAMICS_CLIENT_SECRET: 'mcp-secret-9d2',
      },
      stderr: 'pipe',
    }),
  );
}, 60_000);

afterAll(async () => {
  await client?.close();
  await emulator.stop();
});

describe('MCP describe_schema and query_records reach Dynamics', () => {
  it('documents the DYNAMICS_* variables and describes a table', async () => {
    const { tools } = await client.listTools();
    expect(tools.find((t) => t.name === 'describe_schema')!.description).toContain('DYNAMICS_CLIENT_SECRET');
    const result = await client.callTool({
      name: 'describe_schema',
      arguments: { crm: 'dynamics', object: 'contact' },
    });
    expect(result.isError).toBeFalsy();
    const schema = result.structuredContent as { idField: string; fields: Array<{ name: string; format?: string }> };
    expect(schema.idField).toBe('contactid');
    expect(schema.fields.find((f) => f.name === 'emailaddress1')?.format).toBe('email');
  });

  it('pages through records with nextCursor, oldest change first, none lost or repeated', async () => {
    const seen: Array<{ name: string; cursor: string }> = [];
    let cursor: string | undefined;
    for (let pages = 0; pages < 5; pages++) {
      const result = await client.callTool({
        name: 'query_records',
        arguments: {
          crm: 'dynamics',
          object: 'contacts',
          properties: ['lastname'],
          limit: 2,
          ...(cursor ? { cursor } : {}),
        },
      });
      const page = result.structuredContent as Page;
      seen.push(...page.records.map((r) => ({ name: r.properties.lastname!, cursor: `${r.modifiedAt}|${r.id}` })));
      if (!page.nextCursor) break;
      cursor = page.nextCursor;
    }
    expect(seen.map((s) => s.name).sort()).toEqual(['Last0', 'Last1', 'Last2', 'Last3', 'Last4']);
    // Oldest change first; within one second (Dataverse shows seconds) by ID, as the cursor compares them.
    const cursors = seen.map((s) => s.cursor);
    expect(cursors).toEqual([...cursors].sort((a, b) => compareCursors(a, b)));
  });

  it("suggest_field_mappings takes describe_schema's result for a Dynamics table as it is, and maps Salesforce Contact fields to it", async () => {
    const described = await client.callTool({
      name: 'describe_schema',
      arguments: { crm: 'dynamics', object: 'contact' },
    });
    const source = {
      object: 'Contact',
      idField: 'Id',
      fields: [
        { name: 'Id', label: 'Contact ID', type: 'id' },
        { name: 'FirstName', label: 'First Name', type: 'string' },
        { name: 'LastName', label: 'Last Name', type: 'string' },
        { name: 'Email', label: 'Email', type: 'email' },
        { name: 'Phone', label: 'Business Phone', type: 'phone' },
        { name: 'Title', label: 'Title', type: 'string' },
        { name: 'AccountId', label: 'Account ID', type: 'reference' },
        { name: 'Legacy_ID__c', label: 'Legacy ID', type: 'string' },
      ],
    };
    const result = await client.callTool({
      name: 'suggest_field_mappings',
      arguments: { source, target: described.structuredContent },
    });
    expect(result.isError).toBeFalsy();
    const { suggestions } = result.structuredContent as {
      suggestions: Array<{ source: string; target: string | null }>;
    };
    expect(Object.fromEntries(suggestions.map((s) => [s.source, s.target]))).toEqual({
      Id: null,
      FirstName: 'firstname',
      LastName: 'lastname',
      Email: 'emailaddress1',
      Phone: 'telephone1',
      Title: 'jobtitle',
      AccountId: 'parentcustomerid',
      Legacy_ID__c: 'new_legacyid',
    });
  });
});
