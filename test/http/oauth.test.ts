import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAuthorizationServer, type LocalAuthorizationServer } from '../helpers/authorization-server';
import { ROOT } from '../helpers/example-data';
import { servedHttp, startServing, type ServedProcess } from '../../sandbox/serve-process';
import { reconciledSmallCompanies, type ReconciledSmallCompanies } from '../helpers/small-companies';

// The server as an OAuth 2.1 protected resource: an external authorization server (here a local one on 127.0.0.1
// that publishes its JWKS) issues JWT access tokens, and `serve --api --mcp` announces it and checks its tokens.
const BIN = path.join(ROOT, 'dist', 'cli', 'index.js');
// The URL clients reach the server at, e.g. through a proxy: the resource identifiers follow from it, not from the
// address the process listens on.
const PUBLIC_URL = 'https://crm.example.test';
const MCP_RESOURCE = `${PUBLIC_URL}/mcp`;
const API_RESOURCE = `${PUBLIC_URL}/`;
const STATIC_TOKEN = 'static-read-token-5c1d9e3f';

let fixture: ReconciledSmallCompanies;
let auth: LocalAuthorizationServer;
let served: ServedProcess;
let stopped: Awaited<ReturnType<ServedProcess['stop']>> | undefined;
const issued: string[] = [];

beforeAll(async () => {
  fixture = await reconciledSmallCompanies('crm-bridge-oauth-');
  auth = await startAuthorizationServer();
  served = await startServing(
    BIN,
    [
      '--json',
      '--mapping',
      fixture.mappingFile,
      'serve',
      '--api',
      '--mcp',
      '--allow-writes',
      '--port',
      '0',
      '--host',
      '0.0.0.0',
      '--auth-server',
      auth.issuer,
      '--public-url',
      PUBLIC_URL,
      '--token',
      STATIC_TOKEN,
    ],
    fixture.env,
  );
}, 120_000);
afterAll(async () => {
  if (!stopped) await served?.stop();
  await auth?.close();
  await fixture?.drop();
});

const token = async (claims: Record<string, unknown>, options?: Parameters<LocalAuthorizationServer['sign']>[1]) => {
  const jwt = await auth.sign({ sub: 'user-7', client_id: 'assistant-1', ...claims }, options);
  issued.push(jwt);
  return jwt;
};

/** One JSON-RPC call over raw HTTP, for what the SDK client does not show (status and headers). */
const rpc = (bearer: string | undefined, method: string, params: Record<string, unknown>) =>
  fetch(`${served.url}/mcp`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      ...(bearer ? { authorization: `Bearer ${bearer}` } : {}),
    },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
  });

const lookup = (bearer: string | undefined) =>
  fetch(`${served.url}/v1/lookup/companies/C2`, { headers: bearer ? { authorization: `Bearer ${bearer}` } : {} });

async function connect(bearer: string): Promise<Client> {
  const client = new Client({ name: 'crm-bridge-oauth-test', version: '1.0.0' });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(`${served.url}/mcp`), {
      requestInit: { headers: { authorization: `Bearer ${bearer}` } },
    }),
  );
  return client;
}

const DECIDE = { object: 'companies', legacyIds: ['C9'], decision: 'approve', decidedBy: 'test' };
const challengeOf = (response: Response) => response.headers.get('www-authenticate');

describe('OAuth 2.1 protected resource (serve --auth-server)', () => {
  it('publishes RFC 9728 metadata for /mcp and for the lookup API, without a token', async () => {
    const mcp = await fetch(`${served.url}/.well-known/oauth-protected-resource/mcp`);
    expect(mcp.status).toBe(200);
    expect(await mcp.json()).toEqual({
      resource: MCP_RESOURCE,
      authorization_servers: [auth.issuer],
      bearer_methods_supported: ['header'],
      scopes_supported: ['crm-bridge:read', 'crm-bridge:write'],
      resource_name: 'CRM Bridge MCP server',
    });
    const api = await fetch(`${served.url}/.well-known/oauth-protected-resource`);
    expect(await api.json()).toMatchObject({ resource: API_RESOURCE, authorization_servers: [auth.issuer] });
    expect((await fetch(`${served.url}/.well-known/oauth-protected-resource/v1`)).status).toBe(404);
  });

  it('a 401 sends the client to the metadata; a wrong token is told why in error_description', async () => {
    const none = await rpc(undefined, 'tools/list', {});
    expect(none.status).toBe(401);
    expect(challengeOf(none)).toBe(`Bearer resource_metadata="${PUBLIC_URL}/.well-known/oauth-protected-resource/mcp"`);
    const noneApi = await lookup(undefined);
    expect(challengeOf(noneApi)).toBe(`Bearer resource_metadata="${PUBLIC_URL}/.well-known/oauth-protected-resource"`);

    const cases: Array<[string, string, string]> = [
      [
        'expired',
        await token({ aud: MCP_RESOURCE, scope: 'crm-bridge:read' }, { expiresIn: -60 }),
        'the access token has expired',
      ],
      [
        'wrong audience',
        await token({ aud: 'https://other.example.test/mcp', scope: 'crm-bridge:read' }),
        'the access token was issued for another resource (aud)',
      ],
      [
        'wrong issuer',
        await token({ aud: MCP_RESOURCE, scope: 'crm-bridge:read', iss: 'https://evil.example.test' }),
        'the access token was issued by another authorization server (iss)',
      ],
      [
        'unknown key',
        await token({ aud: MCP_RESOURCE, scope: 'crm-bridge:read' }, { key: 'unpublished' }),
        "the access token is not signed with the authorization server's keys",
      ],
      ['not a JWT', 'opaque-token-that-is-not-a-jwt', 'the bearer token is not one this server accepts'],
    ];
    for (const [name, bearer, why] of cases) {
      const response = await rpc(bearer, 'tools/list', {});
      expect([name, response.status]).toEqual([name, 401]);
      expect([name, challengeOf(response)]).toEqual([
        name,
        `Bearer error="invalid_token", error_description="${why}", resource_metadata="${PUBLIC_URL}/.well-known/oauth-protected-resource/mcp"`,
      ]);
      expect(await response.json()).toEqual({ ok: false, error: { kind: 'usage', message: why } });
    }
    // A token for MCP is not one for the lookup API: each endpoint is its own resource.
    const mcpToken = await token({ aud: MCP_RESOURCE, scope: 'crm-bridge:read' });
    const crossed = await lookup(mcpToken);
    expect(crossed.status).toBe(401);
    expect(challengeOf(crossed)).toContain('issued for another resource');
  });

  it('a good token: its scope decides; read calling a write tool is 403 insufficient_scope (step-up), write runs it', async () => {
    const reader = await token({ aud: MCP_RESOURCE, scope: 'openid crm-bridge:read' });
    const client = await connect(reader);
    const found = await client.callTool({
      name: 'lookup_by_legacy_id',
      arguments: { object: 'companies', legacyId: 'C2' },
    });
    expect(found.structuredContent).toMatchObject({ legacyId: 'C2', status: 'matched', targetId: '102' });
    await client.close();

    const refused = await rpc(reader, 'tools/call', { name: 'decide_review_item', arguments: DECIDE });
    expect(refused.status).toBe(403);
    expect(challengeOf(refused)).toBe(
      `Bearer error="insufficient_scope", error_description="this call needs crm-bridge:write; the access token grants crm-bridge:read only", scope="crm-bridge:read crm-bridge:write", resource_metadata="${PUBLIC_URL}/.well-known/oauth-protected-resource/mcp"`,
    );
    // A read tool through the same raw call is answered: only the write tool asks for more scope.
    const readCall = await rpc(reader, 'tools/call', {
      name: 'lookup_by_legacy_id',
      arguments: { object: 'companies', legacyId: 'C2' },
    });
    expect(readCall.status).toBe(200);

    const writer = await token({ aud: MCP_RESOURCE, scp: ['crm-bridge:write'] });
    const writeClient = await connect(writer);
    const decided = await writeClient.callTool({ name: 'decide_review_item', arguments: DECIDE });
    // Past the scope check: the answer is the review's own (C9 is matched by ID, not a fuzzy match to approve).
    expect(decided.structuredContent).toHaveProperty('refused');
    expect(JSON.stringify(decided)).not.toContain('scope');
    await writeClient.close();

    const noScope = await token({ aud: MCP_RESOURCE, scope: 'openid profile' });
    const bare = await rpc(noScope, 'tools/list', {});
    expect(bare.status).toBe(403);
    expect(challengeOf(bare)).toContain('error="insufficient_scope"');
    expect(challengeOf(bare)).toContain('scope="crm-bridge:read"');

    // The lookup API takes a token issued for it, and the static tokens still work beside the server's.
    const apiToken = await token({ aud: API_RESOURCE, scope: 'crm-bridge:read' });
    expect((await lookup(apiToken)).status).toBe(200);
    expect((await lookup(STATIC_TOKEN)).status).toBe(200);
    // The keys were fetched once and cached, not once per request.
    expect(auth.jwksFetches()).toBe(1);
  });

  it('counts refusals and names callers in the log by client, never by token', async () => {
    stopped = await served.stop();
    expect(stopped.code).toBe(0);
    const { refusals, requests: log } = servedHttp(stopped);
    expect(refusals).toEqual({ 'missing-token': 2, 'wrong-token': 6, 'insufficient-scope': 2 });
    expect(log.filter((r) => r.refused === 'insufficient-scope').map((r) => [r.status, r.token])).toEqual([
      [403, 'oauth assistant-1'],
      [403, undefined],
    ]);
    expect(log.some((r) => r.token === 'token 1')).toBe(true);
    for (const output of [stopped.stdout, stopped.stderr])
      for (const jwt of [...issued, STATIC_TOKEN]) expect(output).not.toContain(jwt);
  });
});

describe('OAuth settings at start', () => {
  const cli = (...args: string[]) =>
    spawnSync(process.execPath, [BIN, '--mapping', fixture.mappingFile, ...args], { env: fixture.env });

  it('refuses what cannot work, naming the option: no public URL, plain http to a remote server, a path', () => {
    const cases: Array<[string[], string]> = [
      [['--auth-server', 'https://auth.example.test'], '--auth-server needs --public-url <https://host>'],
      [
        ['--auth-server', 'http://auth.example.test', '--public-url', PUBLIC_URL],
        '--auth-server (CRM_BRIDGE_AUTH_SERVER) must use https:// (http:// only on a loopback address)',
      ],
      [
        ['--auth-server', 'https://auth.example.test', '--public-url', `${PUBLIC_URL}/crm`],
        'is the origin clients reach this server at (https://host[:port]), without a path',
      ],
      [['--public-url', PUBLIC_URL], '--public-url and --auth-jwks-uri go with --auth-server <issuer URL>'],
    ];
    for (const [args, message] of cases) {
      const result = cli('serve', '--api', '--port', '0', ...args);
      expect([args, result.status]).toEqual([args, 2]);
      expect(result.stderr.toString()).toContain(message);
    }
  });
});
