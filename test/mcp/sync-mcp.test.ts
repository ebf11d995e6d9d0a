import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectMcpStdio, toolText } from '../helpers/mcp-stdio';
import { ROOT } from '../helpers/example-data';
import { startSandboxForProcesses, type Sandbox } from '../sync/fixtures';

const JOB = path.join(ROOT, 'examples', 'sync', 'loans-to-pipedrive.json');
let box: Sandbox;
let stop: (() => Promise<void>) | undefined;
const clients: Client[] = [];
const text = toolText;

async function connect(env: Record<string, string>, args: string[]): Promise<Client> {
  const client = await connectMcpStdio(['--allow-dir', ROOT, ...args], env, 'crm-bridge-sync-test');
  clients.push(client);
  return client;
}

let env: Record<string, string>;
beforeAll(async () => {
  ({ box, env, stop } = await startSandboxForProcesses());
}, 60_000);

afterAll(async () => {
  for (const c of clients) await c.close();
  await stop?.();
});

describe('MCP plan_sync and apply_sync through a real MCP client', () => {
  it('plans the worked example, refuses to apply without --allow-writes, then applies with it', async () => {
    const readOnly = await connect(env, []);
    const { tools } = await readOnly.listTools();
    const byName = Object.fromEntries(tools.map((t) => [t.name, t]));
    // It records the plan run in the sync log: not read-only, though it writes to no CRM.
    expect(byName.plan_sync!.annotations).toMatchObject({ readOnlyHint: false, destructiveHint: false });
    expect(byName.apply_sync!.annotations).toMatchObject({ destructiveHint: true });

    const plan = await readOnly.callTool({ name: 'plan_sync', arguments: { jobFile: JOB, planLimit: 500 } });
    expect(plan.isError).toBeFalsy();
    const report = plan.structuredContent as {
      dryRun: boolean;
      plan: Array<{ stream: string; action: string; sourceId: string }>;
      totals: { created: number };
    };
    expect(report.dryRun).toBe(true);
    expect(report.plan.filter((e) => e.stream === 'loans' && e.action === 'create')).toHaveLength(20);
    expect(text(plan)).toContain('would create');
    expect(box.pd.store.all('deals')).toHaveLength(0);

    const refused = await readOnly.callTool({ name: 'apply_sync', arguments: { jobFile: JOB } });
    expect(refused.isError).toBe(true);
    expect(text(refused)).toContain('--allow-writes');
    expect(box.pd.store.all('deals')).toHaveLength(0);

    const outside = await readOnly.callTool({ name: 'plan_sync', arguments: { jobFile: '/etc/passwd' } });
    expect(outside.isError).toBe(true);
    expect(text(outside)).toContain('outside the folders');
    await readOnly.close();

    const writer = await connect(env, ['--allow-writes']);
    const applied = await writer.callTool({ name: 'apply_sync', arguments: { jobFile: JOB } });
    expect(applied.isError, text(applied)).toBeFalsy();
    expect((applied.structuredContent as { totals: { created: number } }).totals.created).toBe(
      20 +
        new Set(box.loans.map((_, i) => (i % 3 !== 2 ? box.contacts[i % box.contacts.length] : null)).filter(Boolean))
          .size,
    );
    expect(box.pd.store.all('deals')).toHaveLength(20);
    // The read-only tools reach Pipedrive too: its fields (custom ones by key, with their names) and a page of deals.
    const described = await writer.callTool({
      name: 'describe_schema',
      arguments: { crm: 'pipedrive', object: 'deals' },
    });
    const fields = (described.structuredContent as { fields: Array<{ name: string; label?: string }> }).fields;
    expect(fields.find((f) => f.label === 'Salesforce ID')?.name).toBe(
      box.pd.store.customKey('deals', 'Salesforce ID'),
    );
    const page = await writer.callTool({
      name: 'query_records',
      arguments: { crm: 'pipedrive', object: 'deals', limit: 5 },
    });
    expect((page.structuredContent as { count: number; nextCursor: string | null }).count).toBe(5);
    // Nothing changed since: a second plan has nothing to do.
    const again = await writer.callTool({ name: 'plan_sync', arguments: { jobFile: JOB } });
    expect(
      (again.structuredContent as { totals: { created: number; updated: number; read: number } }).totals,
    ).toMatchObject({ created: 0, updated: 0, read: 0 });
  }, 120_000);
});
