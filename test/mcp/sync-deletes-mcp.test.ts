import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTemporaryDatabase } from '../../core/db/temporary-database';
import { migratedHome } from '../helpers/embedded-home';
import { ROOT } from '../helpers/example-data';
import { loansJob, PD_TOKEN, SF_CLIENT, startSandbox, type Sandbox } from '../sync/fixtures';

const BIN = path.join(ROOT, 'dist', 'cli', 'index.js');
let box: Sandbox;
let client: Client | undefined;
let dropDatabase: (() => Promise<void>) | undefined;
const text = (r: unknown) => (r as { content: Array<{ text: string }> }).content[0]!.text;

beforeAll(async () => {
  box = await startSandbox();
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    SALESFORCE_INSTANCE_URL: box.sfUrl,
    SALESFORCE_CLIENT_ID: SF_CLIENT.clientId,
    SALESFORCE_CLIENT_SECRET: SF_CLIENT.clientSecret,
    PIPEDRIVE_BASE_URL: box.pdUrl,
    PIPEDRIVE_API_TOKEN: PD_TOKEN,
  };
  if (process.env.DATABASE_URL) {
    const t = await createTemporaryDatabase(process.env.DATABASE_URL, 'crm_bridge_test');
    env.DATABASE_URL = t.url;
    dropDatabase = t.drop;
  } else env.CRM_BRIDGE_HOME = migratedHome(mkdtempSync(path.join(os.tmpdir(), 'crm-bridge-mcp-deletes-')));
  client = new Client({ name: 'crm-bridge-deletes-test', version: '1.0.0' });
  await client.connect(
    new StdioClientTransport({
      command: process.execPath,
      args: [BIN, 'mcp', '--allow-writes'],
      env,
      stderr: 'pipe',
    }),
  );
}, 60_000);
afterAll(async () => {
  await client?.close();
  await box?.stop();
  await dropDatabase?.();
});

describe('MCP apply_sync and the mass-delete guard', () => {
  it('reports the refusal with how to override, and allowMassDelete lets the deletes through', async () => {
    const job = loansJob();
    Object.assign(
      job.streams.find((s) => s.name === 'loans')!,
      { onDelete: 'delete', maxDeleteShare: 0.1 },
    );
    const first = await client!.callTool({ name: 'apply_sync', arguments: { job } });
    expect(first.isError, text(first)).toBeFalsy();
    for (const i of [0, 1, 3]) box.sf.store.delete('Loan__c', box.loans[i]!);

    const refused = await client!.callTool({ name: 'apply_sync', arguments: { job } });
    const report = refused.structuredContent as {
      status: string;
      streams: Array<{ stream: string; status: string; errorKind?: string }>;
    };
    expect(report.status).toBe('partial');
    expect(report.streams.find((s) => s.stream === 'loans')).toMatchObject({ status: 'failed', errorKind: 'input' });
    expect(text(refused)).toMatch(/Refused to delete 3 of the 20 deals records .*allowMassDelete in MCP/);
    expect(box.pd.store.all('deals')).toHaveLength(20);

    const allowed = await client!.callTool({ name: 'apply_sync', arguments: { job, allowMassDelete: true } });
    expect(allowed.isError, text(allowed)).toBeFalsy();
    expect((allowed.structuredContent as { totals: { deleted: number } }).totals.deleted).toBe(3);
    expect(text(allowed)).toContain('did delete 3, flag 0');
    expect(box.pd.store.all('deals')).toHaveLength(17);
  }, 120_000);
});
