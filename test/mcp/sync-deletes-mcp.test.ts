import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectMcpStdio, toolText as text } from '../helpers/mcp-stdio';
import { loansJob, startSandboxForProcesses, type Sandbox } from '../sync/fixtures';

let box: Sandbox;
let client: Client | undefined;
let stop: (() => Promise<void>) | undefined;

beforeAll(async () => {
  let env: Record<string, string>;
  ({ box, env, stop } = await startSandboxForProcesses());
  client = await connectMcpStdio(['--allow-writes'], env, 'crm-bridge-deletes-test');
}, 60_000);
afterAll(async () => {
  await client?.close();
  await stop?.();
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
