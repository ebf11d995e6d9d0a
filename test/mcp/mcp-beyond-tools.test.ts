import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ElicitRequestSchema, type ElicitResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { migratedHome } from '../helpers/embedded-home';
import { EXPORT_DIR, loadExampleMirror, ROOT } from '../helpers/example-data';
import { startServing } from '../../sandbox/serve-process';

// Resources, prompts, progress, cancellation, cursors, annotations and elicitation, through the SDK's own client
// against the built CLI (stdio, then Streamable HTTP), on the shipped example.
const BIN = path.join(ROOT, 'dist', 'cli', 'index.js');
const EXAMPLES = path.join(ROOT, 'examples');

let t: TestDatabase;
let home: string | undefined;
let env: Record<string, string>;

beforeAll(async () => {
  home = process.env.DATABASE_URL ? undefined : migratedHome(mkdtempSync(path.join(os.tmpdir(), 'crm-bridge-mcp-bt-')));
  t = await createTestDatabase({ embeddedHome: home });
  await loadExampleMirror(t.db);
  // The embedded database serves one process at a time: each server below has it in turn.
  if (home) await t.db.close();
  env = { PATH: process.env.PATH ?? '', ...(t.url ? { DATABASE_URL: t.url } : { CRM_BRIDGE_HOME: home! }) };
}, 120_000);

afterAll(async () => {
  if (t?.url) await t.drop();
});

type Answer = ElicitResult;

/** A stdio client of `crm-bridge mcp --allow-writes`; with `answer`, it declares elicitation and answers so. */
async function stdioClient(answer?: (message: string) => Answer): Promise<{ client: Client; asked: string[] }> {
  const asked: string[] = [];
  const client = new Client(
    { name: 'crm-bridge-beyond-tools', version: '1.0.0' },
    answer ? { capabilities: { elicitation: { form: {} } } } : {},
  );
  if (answer)
    client.setRequestHandler(ElicitRequestSchema, (request) => {
      asked.push(request.params.message);
      return answer(request.params.message);
    });
  await client.connect(
    new StdioClientTransport({
      command: process.execPath,
      args: [BIN, 'mcp', '--allow-writes', '--allow-dir', EXAMPLES],
      env,
      stderr: 'pipe',
    }),
  );
  return { client, asked };
}

const text = (result: Record<string, unknown>) => (result.content as Array<{ text: string }>)[0]!.text;
const json = (read: { contents: Array<object> }) => JSON.parse(String((read.contents[0] as { text?: string }).text));

async function latestRun(client: Client, object: string): Promise<{ status: string; error: string | null }> {
  for (let i = 0; ; i++) {
    const run = json(await client.readResource({ uri: `crm-bridge://reconciliation/${object}/latest` }));
    if (run.status !== 'running' || i > 100) return run;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const EXPECTED_ANNOTATIONS: Record<string, Record<string, boolean>> = {
  lookup_by_legacy_id: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
  reconcile: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  reconciliation_status: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  suggest_field_mappings: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
  resolve_conflicts: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
  find_duplicates: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
  describe_schema: { readOnlyHint: true, idempotentHint: true, openWorldHint: true },
  query_records: { readOnlyHint: true, idempotentHint: true, openWorldHint: true },
  plan_sync: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  apply_sync: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: true },
  list_review_items: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
  decide_review_item: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
  plan_apply: { readOnlyHint: true, idempotentHint: true, openWorldHint: true },
  apply_staging: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: true },
  refresh_mirror: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: true },
};

describe('MCP beyond tools, over stdio', () => {
  it('annotations, progress, cancellation, resources, cursors, prompts and confirmation by elicitation', async () => {
    const { client, asked } = await stdioClient((message) =>
      message.includes('"reject"')
        ? { action: 'decline' }
        : message.includes('by unticked')
          ? { action: 'accept', content: { confirm: false } }
          : { action: 'accept', content: { confirm: true } },
    );
    try {
      // Annotations, tool by tool: every tool is in the table and says exactly this.
      const { tools } = await client.listTools();
      expect(tools.map((tool) => tool.name).sort()).toEqual(Object.keys(EXPECTED_ANNOTATIONS).sort());
      for (const tool of tools)
        expect([tool.name, tool.annotations]).toEqual([tool.name, EXPECTED_ANNOTATIONS[tool.name]]);

      // Progress: received, and never going back.
      const progress: number[] = [];
      const reconciled = await client.callTool(
        { name: 'reconcile', arguments: { object: 'companies', legacyPath: EXPORT_DIR } },
        undefined,
        { onprogress: (p) => progress.push(p.progress), resetTimeoutOnProgress: true },
      );
      expect(reconciled.isError).toBeFalsy();
      expect(progress.length).toBeGreaterThan(0);
      expect(progress).toEqual([...progress].sort((a, b) => a - b));
      expect(new Set(progress).size).toBe(progress.length);
      const summary = reconciled.structuredContent as Record<string, number>;
      expect(reconciled.content).toContainEqual(
        expect.objectContaining({ type: 'resource_link', uri: 'crm-bridge://reconciliation/companies/latest' }),
      );

      // Cancellation: stopped at the first progress report; the run is rolled back whole and says why.
      const abort = new AbortController();
      const cancelled = client.callTool(
        { name: 'reconcile', arguments: { object: 'contacts', legacyPath: EXPORT_DIR, batchSize: 100 } },
        undefined,
        { signal: abort.signal, onprogress: () => abort.abort('the user stopped it') },
      );
      await expect(cancelled).rejects.toThrow();
      const run = await latestRun(client, 'contacts');
      expect(run).toMatchObject({
        status: 'failed',
        error: "the reconcile of contacts was cancelled before it finished; staging holds the previous run's rows",
      });
      const contact = await client.callTool({
        name: 'lookup_by_legacy_id',
        arguments: { object: 'contacts', legacyId: 10001 },
      });
      expect(contact.structuredContent).toMatchObject({ found: false });

      // A staging row by legacy ID: numeric ID, object in any case, the same JSON as the lookup tool.
      const read = await client.readResource({ uri: 'crm-bridge://staging/COMPANIES/1010' });
      expect(read.contents[0]).toMatchObject({
        uri: 'crm-bridge://staging/COMPANIES/1010',
        mimeType: 'application/json',
      });
      const lookedUp = await client.callTool({
        name: 'lookup_by_legacy_id',
        arguments: { object: 'companies', legacyId: 1010 },
      });
      expect(json(read)).toEqual(lookedUp.structuredContent);
      expect(json(read)).toMatchObject({ found: true, legacyId: '1010', status: expect.any(String) });
      await expect(client.readResource({ uri: 'crm-bridge://staging/companies/999999' })).rejects.toThrow(
        'no companies record has legacy ID 999999 in staging',
      );
      await expect(client.readResource({ uri: 'crm-bridge://staging/widgets/1' })).rejects.toThrow(
        'Object "widgets" is not in the mapping config (it has: companies, contacts, deals, engagements)',
      );
      expect(json(await client.readResource({ uri: 'crm-bridge://reconciliation/companies/latest' }))).toMatchObject({
        status: 'succeeded',
        matched: summary.matched,
        fuzzyMatch: summary.fuzzyMatch,
      });
      const mapping = json(await client.readResource({ uri: 'crm-bridge://mapping' }));
      expect(mapping.sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(Object.keys(mapping.config.objects)).toEqual(['companies', 'contacts', 'deals', 'engagements']);
      expect(
        (
          await client.complete({
            ref: { type: 'ref/resource', uri: 'crm-bridge://staging/{object}/{legacyId}' },
            argument: { name: 'object', value: 'CO' },
          })
        ).completion.values,
      ).toEqual(['companies', 'contacts']);

      // resources/list pages through every staging row once: companies' rows, and contacts' none (rolled back).
      const staged: string[] = [];
      let pages = 0;
      let first: string[] = [];
      for (let cursor: string | undefined; ;) {
        const page = await client.listResources(cursor ? { cursor } : {});
        if (pages++ === 0) first = page.resources.map((r) => r.uri);
        staged.push(...page.resources.map((r) => r.uri).filter((uri) => uri.startsWith('crm-bridge://staging/')));
        if (!page.nextCursor) break;
        cursor = page.nextCursor;
      }
      const rows =
        summary.matched! +
        summary.fuzzyMatch! +
        summary.new! +
        summary.conflict! +
        summary.orphan! +
        summary.unreadableInExport!;
      expect(pages).toBeGreaterThan(10);
      expect(staged.length).toBe(rows);
      expect(new Set(staged).size).toBe(rows);
      expect(first.slice(0, 5)).toEqual([
        'crm-bridge://mapping',
        ...['companies', 'contacts', 'deals', 'engagements'].map((o) => `crm-bridge://reconciliation/${o}/latest`),
      ]);
      await expect(client.listResources({ cursor: 'not-a-cursor' })).rejects.toThrow('is not one this server gave');

      // Review items page with `cursor` to the end, no row twice, each linked to its staging resource.
      const items: string[] = [];
      for (let cursor: string | undefined; ;) {
        const page = await client.callTool({
          name: 'list_review_items',
          arguments: { object: 'companies', limit: 7, ...(cursor ? { cursor } : {}) },
        });
        const list = page.structuredContent as { items: Array<{ legacyId: string }>; nextCursor: string | null };
        items.push(...list.items.map((i) => i.legacyId));
        const links = (page.content as Array<{ type: string; uri?: string }>).filter((c) => c.type === 'resource_link');
        expect(links.map((l) => l.uri)).toEqual(list.items.map((i) => `crm-bridge://staging/companies/${i.legacyId}`));
        if (!list.nextCursor) break;
        cursor = list.nextCursor;
      }
      expect(items.length).toBe(summary.fuzzyMatch! + summary.conflict!);
      expect(new Set(items).size).toBe(items.length);

      // Prompts: listed, filled in with the concrete names, arguments checked.
      const { prompts } = await client.listPrompts();
      expect(prompts.map((p) => p.name).sort()).toEqual([
        'explain_conflict',
        'propose_mapping',
        'review_fuzzy_matches',
      ]);
      const review = await client.getPrompt({ name: 'review_fuzzy_matches', arguments: { object: 'Companies' } });
      const reviewText = (review.messages[0]!.content as { text: string }).text;
      expect(reviewText).toContain('list_review_items with {"object": "companies", "kind": "fuzzy_match"');
      expect(reviewText).toContain('crm-bridge://reconciliation/companies/latest');
      const explain = await client.getPrompt({
        name: 'explain_conflict',
        arguments: { object: 'companies', legacyId: '1006' },
      });
      expect((explain.messages[0]!.content as { text: string }).text).toContain('crm-bridge://staging/companies/1006');
      await expect(
        client.getPrompt({ name: 'review_fuzzy_matches', arguments: { object: 'widgets' } }),
      ).rejects.toThrow('Object "widgets" is not in the mapping');
      await expect(
        client.getPrompt({ name: 'explain_conflict', arguments: { object: 'companies' } }),
      ).rejects.toThrow();

      // Elicitation: the plan is shown; decline and an unticked accept write nothing; a ticked accept decides.
      const fuzzy = await client.callTool({
        name: 'list_review_items',
        arguments: { object: 'companies', kind: 'fuzzy_match', limit: 1 },
      });
      const legacyId = (fuzzy.structuredContent as { items: Array<{ legacyId: string }> }).items[0]!.legacyId;
      const decide = (decision: string, decidedBy: string) =>
        client.callTool({
          name: 'decide_review_item',
          arguments: { object: 'companies', legacyIds: [legacyId], decision, decidedBy },
        });
      const declined = await decide('reject', 'tester');
      expect(declined.isError).toBe(true);
      expect(text(declined)).toBe('decide_review_item was not done: the user declined, so nothing was written.');
      const unticked = await decide('approve', 'by unticked');
      expect(text(unticked)).toBe(
        'decide_review_item was not done: the user answered without ticking confirm, so nothing was written.',
      );
      const decisionOf = async () => {
        const page = await client.callTool({
          name: 'lookup_by_legacy_id',
          arguments: { object: 'companies', legacyId },
        });
        const list = await client.callTool({
          name: 'list_review_items',
          arguments: { object: 'companies', kind: 'fuzzy_match', limit: 500 },
        });
        expect(page.isError).toBeFalsy();
        return (list.structuredContent as { items: Array<{ legacyId: string; decision: unknown }> }).items.find(
          (i) => i.legacyId === legacyId,
        )!.decision;
      };
      expect(await decisionOf()).toBeNull();
      const accepted = await decide('approve', 'tester');
      expect(accepted.isError).toBeFalsy();
      expect(accepted.structuredContent).toMatchObject({ decided: [{ legacyId, decision: 'approve' }] });
      expect(await decisionOf()).toMatchObject({ decision: 'approve', decidedBy: 'tester' });
      expect(asked).toHaveLength(3);
      expect(asked[2]).toContain(`Record "approve" for 1 companies item(s): ${legacyId}, decided by tester`);
    } finally {
      await client.close();
    }

    // A client without elicitation: writes allowed at start go ahead as before, nothing is asked.
    const plain = await stdioClient();
    try {
      const fuzzy = await plain.client.callTool({
        name: 'list_review_items',
        arguments: { object: 'companies', kind: 'fuzzy_match', undecidedOnly: true, limit: 1 },
      });
      const legacyId = (fuzzy.structuredContent as { items: Array<{ legacyId: string }> }).items[0]!.legacyId;
      const decided = await plain.client.callTool({
        name: 'decide_review_item',
        arguments: { object: 'companies', legacyIds: [legacyId], decision: 'reject', decidedBy: 'plain' },
      });
      expect(decided.structuredContent).toMatchObject({ decided: [{ legacyId, decision: 'reject' }] });
    } finally {
      await plain.client.close();
    }
  }, 240_000);
});

describe('MCP beyond tools, over Streamable HTTP', () => {
  it('progress reaches an HTTP client; resources and prompts are served; a numeric ID reads its row', async () => {
    const served = await startServing(BIN, ['--json', 'mcp', '--http', '--port', '0', '--allow-dir', EXAMPLES], env);
    const client = new Client({ name: 'crm-bridge-beyond-tools-http', version: '1.0.0' });
    try {
      await client.connect(new StreamableHTTPClientTransport(new URL(served.url)));
      const progress: number[] = [];
      const result = await client.callTool(
        { name: 'reconcile', arguments: { object: 'deals', legacyPath: EXPORT_DIR } },
        undefined,
        { onprogress: (p) => progress.push(p.progress), resetTimeoutOnProgress: true },
      );
      expect(result.isError).toBeFalsy();
      expect(progress.length).toBeGreaterThan(0);
      expect(progress).toEqual([...progress].sort((a, b) => a - b));
      // Without a progress token the answer is plain JSON, as before.
      const row = json(await client.readResource({ uri: 'crm-bridge://staging/deals/20001' }));
      const looked = await client.callTool({
        name: 'lookup_by_legacy_id',
        arguments: { object: 'deals', legacyId: 20001 },
      });
      expect(row).toEqual(looked.structuredContent);
      expect(json(await client.readResource({ uri: 'crm-bridge://reconciliation/deals/latest' }))).toMatchObject({
        status: 'succeeded',
      });
      expect((await client.listPrompts()).prompts).toHaveLength(3);
    } finally {
      await client.close();
      expect((await served.stop()).code).toBe(0);
    }
  }, 180_000);

  it('cancellation: notifications/cancelled from the SDK client, or a closed response stream, rolls the run back whole', async () => {
    const served = await startServing(BIN, ['--json', 'mcp', '--http', '--port', '0', '--allow-dir', EXAMPLES], env);
    const client = new Client({ name: 'crm-bridge-beyond-tools-http', version: '1.0.0' });
    const cancelledRun = {
      status: 'failed',
      error: "the reconcile of contacts was cancelled before it finished; staging holds the previous run's rows",
    };
    try {
      const transport = new StreamableHTTPClientTransport(new URL(served.url));
      await client.connect(transport);
      // The stateless server gave the client an ID to name its requests by, which it repeats on each POST.
      expect(transport.sessionId).toMatch(/^[0-9a-f-]{36}$/);

      // As over stdio: aborted at the first progress report; the SDK sends notifications/cancelled in a POST of its own.
      const abort = new AbortController();
      const cancelled = client.callTool(
        { name: 'reconcile', arguments: { object: 'contacts', legacyPath: EXPORT_DIR, batchSize: 100 } },
        undefined,
        { signal: abort.signal, onprogress: () => abort.abort('the user stopped it') },
      );
      await expect(cancelled).rejects.toThrow('the user stopped it');
      const first = (await latestRun(client, 'contacts')) as { runId?: string };
      expect(first).toMatchObject(cancelledRun);
      const contact = await client.callTool({
        name: 'lookup_by_legacy_id',
        arguments: { object: 'contacts', legacyId: 10001 },
      });
      expect(contact.structuredContent).toMatchObject({ found: false });

      // A client without an ID (or whose cancellation went elsewhere) stops a call by closing its response stream.
      const closing = new AbortController();
      const response = await fetch(served.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
        body: JSON.stringify({
          jsonrpc: '2.0',
          id: 1,
          method: 'tools/call',
          params: {
            name: 'reconcile',
            arguments: { object: 'contacts', legacyPath: EXPORT_DIR, batchSize: 100 },
            _meta: { progressToken: 'p1' },
          },
        }),
        signal: closing.signal,
      });
      expect(response.headers.get('content-type')).toContain('text/event-stream');
      const reader = response.body!.getReader();
      let events = '';
      while (!events.includes('notifications/progress')) {
        const { value, done } = await reader.read();
        if (done) break;
        events += new TextDecoder().decode(value);
      }
      expect(events).toContain('notifications/progress');
      closing.abort();
      const second = (await latestRun(client, 'contacts')) as { runId?: string };
      expect(second).toMatchObject(cancelledRun);
      // A run of its own, not the first one read again.
      expect(second.runId).toEqual(expect.any(String));
      expect(second.runId).not.toBe(first.runId);
    } finally {
      await client.close();
      expect((await served.stop()).code).toBe(0);
    }
  }, 180_000);
});
