import { once } from 'node:events';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/example-data';
import { startServing, type ServedProcess } from '../../sandbox/serve-process';
import { reconciledSmallCompanies, type ReconciledSmallCompanies } from '../helpers/small-companies';

// Several `serve` processes on one server database behind one port, as a load balancer would put them: a round-robin
// proxy sends each request to the next process, so no two consecutive requests of a client meet the same process.
// The embedded database serves one process at a time, so this needs a PostgreSQL server (DATABASE_URL).
const BIN = path.join(ROOT, 'dist', 'cli', 'index.js');
const TOKEN = 'scale-out-read-token-9d2e4b1a';

let fixture: ReconciledSmallCompanies;
const processes: ServedProcess[] = [];
let proxy: Server;
let proxyUrl: string;
const served: string[] = [];

/** Forwards each request to the next backend in turn, and notes which one answered. */
function roundRobin(backends: string[]): Server {
  let next = 0;
  return createServer((req, res) => {
    const backend = backends[next++ % backends.length]!;
    served.push(backend);
    const forward = request(`${backend}${req.url}`, { method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    forward.on('error', () => res.writeHead(502).end());
    req.pipe(forward);
  });
}

describe.skipIf(!process.env.DATABASE_URL)('two serve processes behind one port (PostgreSQL server)', () => {
  beforeAll(async () => {
    fixture = await reconciledSmallCompanies('crm-bridge-scale-out-');
    for (let i = 0; i < 2; i++)
      processes.push(
        await startServing(
          BIN,
          ['--json', '--mapping', fixture.mappingFile, 'serve', '--api', '--mcp', '--port', '0', '--token', TOKEN],
          fixture.env,
        ),
      );
    proxy = roundRobin(processes.map((p) => p.url));
    proxy.listen(0, '127.0.0.1');
    await once(proxy, 'listening');
    proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  }, 120_000);
  afterAll(async () => {
    proxy?.close();
    for (const p of processes) expect((await p.stop()).code).toBe(0);
    await fixture?.drop();
  });

  it('answers each lookup alike whichever process takes it', async () => {
    const headers = { authorization: `Bearer ${TOKEN}` };
    const answers: unknown[] = [];
    for (let i = 0; i < 4; i++) {
      const response = await fetch(`${proxyUrl}/v1/lookup/companies/C2`, { headers });
      expect(response.status).toBe(200);
      answers.push(await response.json());
    }
    expect(new Set(served.slice(-4))).toEqual(new Set(processes.map((p) => p.url)));
    for (const answer of answers) expect(answer).toEqual(answers[0]);
    expect(answers[0]).toMatchObject({ ok: true, result: { legacyId: 'C2', status: 'matched', targetId: '102' } });
  });

  it('MCP without session state: initialize on one process, the calls on the other, through the SDK client', async () => {
    const before = served.length;
    const client = new Client({ name: 'crm-bridge-scale-out-test', version: '1.0.0' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${proxyUrl}/mcp`), {
        requestInit: { headers: { authorization: `Bearer ${TOKEN}` } },
      }),
    );
    const results = [];
    for (const legacyId of ['C6', 'C6', 'C2'])
      results.push(
        await client.callTool({ name: 'lookup_by_legacy_id', arguments: { object: 'companies', legacyId } }),
      );
    await client.close();
    // initialize, initialized, then the three calls: alternating, so both processes answered the one client.
    const used = served.slice(before);
    expect(used.length).toBeGreaterThanOrEqual(5);
    expect(new Set(used)).toEqual(new Set(processes.map((p) => p.url)));
    expect(results[0]!.structuredContent).toMatchObject({ status: 'conflict', targetIds: ['106', '107'] });
    expect(results[1]!.structuredContent).toEqual(results[0]!.structuredContent);
    expect(results[2]!.structuredContent).toMatchObject({ status: 'matched', targetId: '102' });
  });
});
