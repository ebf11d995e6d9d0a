import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectMcpStdio, toolText } from '../helpers/mcp-stdio';
import { ROOT } from '../helpers/example-data';
import { loansJob, startSandboxForProcesses, type Sandbox } from '../sync/fixtures';

let box: Sandbox;
let client: Client;
let stop: (() => Promise<void>) | undefined;
const text = toolText;

beforeAll(async () => {
  let env: Record<string, string>;
  ({ box, env, stop } = await startSandboxForProcesses());
  client = await connectMcpStdio(['--allow-dir', ROOT, '--allow-writes'], env, 'crm-bridge-sync-honesty-test');
}, 60_000);
afterAll(async () => {
  await client?.close();
  await stop?.();
});

describe('MCP plan_sync and apply_sync never report a failure as a success', () => {
  it('a job naming a field the target lacks: plan_sync is an error that names it, and nothing is written', async () => {
    const job = loansJob();
    job.streams[1]!.properties[1]!.to = 'foo';
    const plan = await client.callTool({ name: 'plan_sync', arguments: { job } });
    expect(plan.isError).toBe(true);
    expect(text(plan)).toContain('usage error: The sync job names fields its CRMs do not have');
    expect(text(plan)).toContain('streams[1].properties[1].to: Pipedrive deals has no field "foo"');
    expect(box.pd.writes).toEqual({ created: 0, updated: 0 });
  }, 60_000);

  it('refused records: apply_sync says partial first, with the reason, in its text and its structured status', async () => {
    const refused = box.loans.filter((_, i) => i % 3 !== 2).slice(0, 4);
    for (const id of refused) box.pd.faults.failRecord(id, 'Validation failed: value: must be at least 5000');
    const applied = await client.callTool({ name: 'apply_sync', arguments: { job: loansJob() } });
    expect(applied.isError).toBeFalsy();
    const report = applied.structuredContent as {
      status: string;
      headline: string;
      totals: { created: number; failed: number };
    };
    expect(report.status).toBe('partial');
    expect(report.totals.failed).toBe(4);
    expect(report.headline).toMatch(
      /: partial — loans: 4 failed: deals …: .*Validation failed: value: must be at least 5000/,
    );
    expect(text(applied).split('\n')[0]).toBe(report.headline);
    box.pd.faults.clear();
  }, 60_000);

  it('nothing goes through: apply_sync is an error result that still carries the report', async () => {
    // The loans alone (no borrowers stream), every one of them refused by Pipedrive.
    const job = loansJob({ name: 'loans-nothing-through' });
    job.streams = [{ ...job.streams[1]!, references: [] }];
    for (const id of box.loans) {
      box.pd.faults.failRecord(id, 'Validation failed: value: refused');
      // Changed since the previous test wrote them, so each is written (and refused) rather than found unchanged.
      box.sf.editRecord('Loan__c', id, { Amount__c: 7777 });
    }
    const applied = await client.callTool({ name: 'apply_sync', arguments: { job } });
    expect(applied.isError, text(applied)).toBe(true);
    const report = applied.structuredContent as {
      status: string;
      headline: string;
      totals: { failed: number; created: number; updated: number };
    };
    expect(report.status).toBe('failed');
    expect(report.totals).toMatchObject({ failed: 20, created: 0, updated: 0 });
    expect(text(applied)).toMatch(
      /^Run [0-9a-f-]{36} of loans-nothing-through: failed — loans: \d+ failed: deals …: .*Validation failed: value: refused/,
    );
    box.pd.faults.clear();
  }, 60_000);
});
