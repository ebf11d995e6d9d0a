import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/example-data';
import { jsonDocuments, startServing, type ServedProcess } from '../../sandbox/serve-process';
import { reconciledSmallCompanies, type ReconciledSmallCompanies } from '../helpers/small-companies';

// MCP over Streamable HTTP as a remote assistant reaches it: the built CLI serving, the SDK's own HTTP client calling.
const BIN = path.join(ROOT, 'dist', 'cli', 'index.js');
const WRITE_TOKEN = 'mcp-write-token-71c3e9a2';
const READ_TOKEN = 'mcp-read-token-4b8d0f6e';

let fixture: ReconciledSmallCompanies;
let mappingFile: string;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  fixture = await reconciledSmallCompanies('crm-bridge-mcp-http-');
  ({ mappingFile, env } = fixture);
}, 120_000);
afterAll(async () => fixture?.drop());

async function connect(url: string, token?: string): Promise<Client> {
  const client = new Client({ name: 'crm-bridge-http-test', version: '1.0.0' });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(url), {
      requestInit: { headers: token ? { authorization: `Bearer ${token}` } : {} },
    }),
  );
  return client;
}

const text = (result: Record<string, unknown>) => (result.content as Array<{ text: string }>)[0]!.text;

describe('MCP over Streamable HTTP', () => {
  it('serve --mcp: tools through the SDK client; 401 without or with a wrong token; a read token cannot write', async () => {
    const served: ServedProcess = await startServing(
      BIN,
      [
        '--json',
        '--mapping',
        mappingFile,
        'serve',
        '--port',
        '0',
        '--host',
        '0.0.0.0',
        '--mcp',
        '--allow-writes',
        '--token',
        `write:${WRITE_TOKEN}`,
        READ_TOKEN,
      ],
      env,
    );
    const url = `${served.url}/mcp`;
    const clients: Client[] = [];
    let stopped: Awaited<ReturnType<ServedProcess['stop']>>;
    try {
      await expect(connect(url)).rejects.toThrow('send Authorization: Bearer <token>');
      await expect(connect(url, `${READ_TOKEN}-wrong`)).rejects.toThrow(
        'the bearer token is not one this server accepts',
      );

      const reader = await connect(url, READ_TOKEN);
      clients.push(reader);
      const { tools } = await reader.listTools();
      expect(tools.map((tool) => tool.name)).toContain('lookup_by_legacy_id');
      const found = await reader.callTool({
        name: 'lookup_by_legacy_id',
        arguments: { object: 'Companies', legacyId: 'C2' },
      });
      expect(found.isError).toBeFalsy();
      expect(found.structuredContent).toMatchObject({ legacyId: 'C2', status: 'matched', targetId: '102' });

      // The server allows writes, but not to this caller.
      const refused = await reader.callTool({
        name: 'decide_review_item',
        arguments: { object: 'companies', legacyIds: ['C9'], decision: 'approve', decidedBy: 'test' },
      });
      expect(refused.isError).toBe(true);
      expect(text(refused)).toBe(
        'usage error: decide_review_item records decisions that apply_staging acts on, and the token of this call has read scope only; call with a token of write scope (given to the server as write:TOKEN)',
      );

      const writer = await connect(url, WRITE_TOKEN);
      clients.push(writer);
      const decided = await writer.callTool({
        name: 'decide_review_item',
        arguments: { object: 'companies', legacyIds: ['C9'], decision: 'approve', decidedBy: 'test' },
      });
      // Past the write check: the answer is the review's own (C9 is matched by ID, not a fuzzy match to approve).
      expect(text(decided)).not.toContain('scope');
      expect(decided.structuredContent).toHaveProperty('refused');
    } finally {
      for (const client of clients) await client.close();
      stopped = await served.stop();
    }
    expect(stopped.code).toBe(0);
    expect(jsonDocuments(stopped.stdout).at(-1)!.result.apiRefusals).toMatchObject({
      'missing-token': 1,
      'wrong-token': 1,
    });
    for (const output of [stopped.stdout, stopped.stderr]) {
      expect(output).not.toContain(READ_TOKEN);
      expect(output).not.toContain(WRITE_TOKEN);
    }
  }, 120_000);

  it('crm-bridge mcp --http: prints its URL, serves the tools; no token means loopback only', async () => {
    const served = await startServing(BIN, ['--json', '--mapping', mappingFile, 'mcp', '--http', '--port', '0'], env);
    expect(served.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
    try {
      const client = await connect(served.url);
      const result = await client.callTool({
        name: 'lookup_by_legacy_id',
        arguments: { object: 'companies', legacyId: 'C6' },
      });
      expect(result.structuredContent).toMatchObject({ status: 'conflict', targetIds: ['106', '107'] });
      // Writes were not allowed at start: refused with the flag named, whatever the token.
      const refused = await client.callTool({
        name: 'apply_staging',
        arguments: { object: 'companies' },
      });
      expect(text(refused)).toContain('this server was started without --allow-writes; use plan_apply');
      await client.close();
    } finally {
      expect((await served.stop()).code).toBe(0);
    }
  }, 120_000);
});

describe('protocol version negotiation (SDK 1.x, revision 2025-11-25)', () => {
  it('answers an older client in its own revision, and one it does not know in the newest it speaks', async () => {
    const served = await startServing(BIN, ['--json', '--mapping', mappingFile, 'mcp', '--http', '--port', '0'], env);
    const initialize = async (protocolVersion: string) => {
      const response = await fetch(served.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
        body: JSON.stringify({
          jsonrpc: '2.0',
          id: 1,
          method: 'initialize',
          params: { protocolVersion, capabilities: {}, clientInfo: { name: 'old-client', version: '0.1.0' } },
        }),
      });
      expect(response.status).toBe(200);
      return ((await response.json()) as { result: { protocolVersion: string; serverInfo: { name: string } } }).result;
    };
    try {
      const older = await initialize('2025-03-26');
      expect(older).toMatchObject({ protocolVersion: '2025-03-26', serverInfo: { name: 'crm-bridge' } });
      expect((await initialize('2025-06-18')).protocolVersion).toBe('2025-06-18');
      // A revision the SDK does not know: the server offers its newest and the client decides whether to go on.
      expect((await initialize('2024-01-01')).protocolVersion).toBe('2025-11-25');
      expect((await initialize('2026-07-28')).protocolVersion).toBe('2025-11-25');
      // An older client then calls tools as it always did, with the version header of its revision.
      const call = await fetch(served.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          'mcp-protocol-version': '2025-03-26',
        },
        body: JSON.stringify({
          jsonrpc: '2.0',
          id: 2,
          method: 'tools/call',
          params: { name: 'lookup_by_legacy_id', arguments: { object: 'companies', legacyId: 'C2' } },
        }),
      });
      expect(
        ((await call.json()) as { result: { structuredContent: Record<string, unknown> } }).result.structuredContent,
      ).toMatchObject({ legacyId: 'C2', status: 'matched', targetId: '102' });
    } finally {
      expect((await served.stop()).code).toBe(0);
    }
  }, 120_000);
});
