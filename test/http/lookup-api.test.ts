import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/example-data';
import { servedHttp, startServing, type ServedProcess } from '../../sandbox/serve-process';
import { reconciledSmallCompanies, type ReconciledSmallCompanies } from '../helpers/small-companies';

// The lookup API as other tools reach it: the built CLI's `serve --api`, called over HTTP with fetch.
const BIN = path.join(ROOT, 'dist', 'cli', 'index.js');
const WRITE_TOKEN = 'write-token-2f9c1e7a5b3d';
const READ_TOKEN = 'read-token-8e4a6c2b0d9f';

let fixture: ReconciledSmallCompanies;
let mappingFile: string;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  fixture = await reconciledSmallCompanies('crm-bridge-http-');
  ({ mappingFile, env } = fixture);
}, 120_000);
afterAll(async () => fixture?.drop());

const cli = (...args: string[]) => spawnSync(process.execPath, [BIN, '--mapping', mappingFile, ...args], { env });

type Served = ServedProcess;

const serve = (...args: string[]) =>
  startServing(BIN, ['--json', '--mapping', mappingFile, 'serve', '--port', '0', ...args], env);

const get = (url: string, token?: string) => fetch(url, { headers: token ? { authorization: `Bearer ${token}` } : {} });
const post = (url: string, body: unknown, token?: string) =>
  fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

describe('the lookup API (crm-bridge serve --api)', () => {
  it('answers what `crm-bridge lookup --json` answers, one ID or a batch, with 400/404/405 for what it cannot', async () => {
    // The CLI first: an embedded database serves one process at a time.
    const c2 = JSON.parse(cli('--json', 'lookup', '--object', 'companies', '--legacy-id', 'C2').stdout.toString());
    const c5Cli = cli('--json', 'lookup', '--object', 'companies', '--legacy-id', 'C404');
    expect(c5Cli.status).toBe(3);
    const missingCli = JSON.parse(c5Cli.stdout.toString());
    expect(c2).toMatchObject({ ok: true, result: { status: 'matched', targetId: '102' } });

    const server = await serve('--api');
    try {
      const one = await get(`${server.url}/v1/lookup/companies/C2`);
      expect(one.status).toBe(200);
      expect(await one.json()).toEqual(c2);

      const missing = await get(`${server.url}/v1/lookup/Companies/C404`);
      expect(missing.status).toBe(404);
      expect(await missing.json()).toEqual(missingCli);

      // GETs that arrive together share reads; each still gets the answer it gets alone, 400s and 404s included.
      const ids = ['C2', 'C404', 'C7', '5', 'x'.repeat(256), 'C6', 'C2', 'C3'];
      const answer = async (r: Response) => [r.status, await r.text()];
      const together = await Promise.all(ids.map((id) => get(`${server.url}/v1/lookup/companies/${id}`).then(answer)));
      const alone = [];
      for (const id of ids) alone.push(await get(`${server.url}/v1/lookup/companies/${id}`).then(answer));
      expect(together.map(([status]) => status)).toEqual([200, 404, 404, 404, 400, 200, 200, 200]);
      expect(together).toEqual(alone);

      const unknown = await get(`${server.url}/v1/lookup/widgets/C2`);
      expect(unknown.status).toBe(404);
      expect(await unknown.json()).toEqual({
        ok: false,
        error: { kind: 'usage', message: 'Object "widgets" is not in the mapping (it has: companies)' },
      });

      const badName = await get(`${server.url}/v1/lookup/${encodeURIComponent('Bad Name!')}/C2`);
      expect(badName.status).toBe(400);
      expect(((await badName.json()) as { error: { message: string } }).error.message).toContain(
        'an object name is letters, digits and _',
      );

      const batch = await post(`${server.url}/v1/lookup/companies`, { legacyIds: ['C6', 5, 'C2', 'C3', 'C2'] });
      expect(batch.status).toBe(200);
      const body = (await batch.json()) as {
        result: { requested: number; found: number; missing: number; results: Array<Record<string, unknown>> };
      };
      expect(body.result).toMatchObject({ requested: 5, found: 4, missing: 1 });
      expect(body.result.results.map((r) => [r.legacyId, r.found, r.status])).toEqual([
        ['C6', true, 'conflict'],
        ['5', false, null],
        ['C2', true, 'matched'],
        ['C3', true, 'matched'],
        ['C2', true, 'matched'],
      ]);
      // A batch answers each ID as a single lookup would: C2 in full, C3 with the field its export row lost.
      expect(body.result.results[2]).toEqual(c2.result);
      expect(body.result.results[3]).toMatchObject({
        quarantine: [{ line: 4, field: 'Comp_Employees', reason: 'not a number: "approx 50"' }],
      });

      const tooMany = await post(`${server.url}/v1/lookup/companies`, {
        legacyIds: Array.from({ length: 1001 }, (_, i) => i),
      });
      expect(tooMany.status).toBe(400);
      expect(((await tooMany.json()) as { error: { message: string } }).error.message).toBe(
        'at most 1,000 legacy IDs per lookup (this one has 1,001)',
      );
      const notJson = await post(`${server.url}/v1/lookup/companies`, '{"legacyIds": [');
      expect(notJson.status).toBe(400);
      const wrongShape = await post(`${server.url}/v1/lookup/companies`, { ids: ['C2'] });
      expect(wrongShape.status).toBe(400);
      expect(((await wrongShape.json()) as { error: { message: string } }).error.message).toContain(
        'send {"legacyIds"',
      );
      const wrongMethod = await fetch(`${server.url}/v1/lookup/companies/C2`, { method: 'DELETE' });
      expect(wrongMethod.status).toBe(405);
      expect(wrongMethod.headers.get('allow')).toBe('GET, HEAD');

      const health = await get(`${server.url}/healthz`);
      expect(health.status).toBe(200);
      expect(await health.json()).toMatchObject({ ok: true, database: 'reachable' });
    } finally {
      const stopped = await server.stop();
      expect(stopped.code).toBe(0);
    }
  }, 120_000);

  it('with tokens: 401 without one or with a wrong one, counted; a read token looks up; no token is ever printed', async () => {
    const server = await serve('--api', '--host', '0.0.0.0', '--token', `write:${WRITE_TOKEN}`, READ_TOKEN);
    let stopped: Awaited<ReturnType<Served['stop']>>;
    try {
      const none = await get(`${server.url}/v1/lookup/companies/C2`);
      expect(none.status).toBe(401);
      expect(none.headers.get('www-authenticate')).toBe('Bearer realm="crm-bridge"');
      const wrong = await get(`${server.url}/v1/lookup/companies/C2`, `${READ_TOKEN}x`);
      expect(wrong.status).toBe(401);
      expect(wrong.headers.get('www-authenticate')).toContain('error="invalid_token"');
      expect(JSON.stringify(await wrong.json())).not.toContain(READ_TOKEN);
      const read = await get(`${server.url}/v1/lookup/companies/C2`, READ_TOKEN);
      expect(read.status).toBe(200);
      const written = await post(`${server.url}/v1/lookup/companies`, { legacyIds: ['C1'] }, WRITE_TOKEN);
      expect(written.status).toBe(200);
      // Health is for load balancers: no token, and nothing in it but the database's state.
      expect((await get(`${server.url}/healthz`)).status).toBe(200);
    } finally {
      stopped = await server.stop();
    }
    expect(stopped.code).toBe(0);
    const { refusals, requests: requestLog } = servedHttp(stopped);
    expect(refusals).toEqual({ 'missing-token': 1, 'wrong-token': 1, 'insufficient-scope': 0 });
    expect(requestLog.map((r) => [r.path, r.status, r.refused ?? r.token ?? null])).toEqual([
      ['/v1/lookup/companies/C2', 401, 'missing-token'],
      ['/v1/lookup/companies/C2', 401, 'wrong-token'],
      ['/v1/lookup/companies/C2', 200, 'token 2'],
      ['/v1/lookup/companies', 200, 'token 1'],
      ['/healthz', 200, null],
    ]);
    for (const output of [stopped.stdout, stopped.stderr]) {
      expect(output).not.toContain(READ_TOKEN);
      expect(output).not.toContain(WRITE_TOKEN);
    }
  }, 120_000);

  it('refuses to open the API to the network without a token, and a weak token, naming the option', () => {
    const open = cli('serve', '--api', '--host', '0.0.0.0', '--port', '0');
    expect(open.status).toBe(2);
    expect(open.stderr.toString()).toContain(
      '--host 0.0.0.0 would open the lookup API to the network without a token: give --token',
    );
    const weak = cli('serve', '--api', '--token', 'secret');
    expect(weak.status).toBe(2);
    expect(weak.stderr.toString()).toContain('API token 1 is shorter than 16 characters');
    expect(weak.stderr.toString()).not.toContain('secret');
  });

  it('on a port another process holds: exit 2 naming --port, for serve and for mcp --http', async () => {
    const holder = createServer().listen(0, '127.0.0.1');
    await once(holder, 'listening');
    const port = String((holder.address() as AddressInfo).port);
    try {
      const taken = cli('--json', 'serve', '--api', '--port', port);
      expect(taken.status).toBe(2);
      expect(JSON.parse(taken.stdout.toString()).error.message).toBe(
        `port ${port} is in use (another crm-bridge serve?): stop that process, or choose another port with --port <port> (0 picks a free one)`,
      );
      const mcp = cli('mcp', '--http', '--port', port);
      expect(mcp.status).toBe(2);
      expect(mcp.stderr.toString()).toContain(`port ${port} is in use (another crm-bridge mcp --http?)`);
    } finally {
      holder.close();
    }
  });
});
