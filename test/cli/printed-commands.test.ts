import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliCommand } from '../../cli/invocation';
import { migratedHome } from '../helpers/embedded-home';
import { EXPORT_DIR, ROOT } from '../helpers/example-data';

// A new user copies what the demo and the README print. Each printed command is run here as printed, from a plain
// shell whose PATH has no crm-bridge on it, in the repository and from other folders.

const run = promisify(execFile);
const README = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
// `offline`: a command that needed the registry would fail here instead of quietly fetching someone else's package.
const home = mkdtempSync(path.join(os.tmpdir(), 'crm-bridge-printed-'));
const shellEnv = {
  PATH: process.env.PATH ?? '',
  HOME: home,
  CRM_BRIDGE_HOME: migratedHome(path.join(home, 'data')),
  npm_config_offline: 'true',
  npm_config_update_notifier: 'false',
};

async function shell(command: string, cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run('bash', ['-c', command], { cwd, env: shellEnv });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

let tryLines: string[] = [];

beforeAll(async () => {
  // No crm-bridge on PATH, as after `npm ci && npm start`.
  expect((await shell('command -v crm-bridge || echo none', home)).stdout.trim()).toBe('none');
  const demo = await shell(`node ${path.join(ROOT, 'dist', 'cli', 'index.js')} demo`, ROOT);
  expect(demo.code).toBe(0);
  tryLines = demo.stdout
    .split('\n')
    .filter((l) => /^(Try:|\s{5}\S)/.test(l))
    .map((l) => l.replace(/^Try:\s*|^\s+/, '').replace(/\s{3}\(.*\)$/, ''));
}, 600_000);

describe('commands as the demo prints them', () => {
  it('are npx crm-bridge in the repository, and run there as printed', async () => {
    expect(tryLines).toHaveLength(2);
    for (const line of tryLines) {
      expect(line).toMatch(/^npx crm-bridge lookup --object companies --legacy-id \d+$/);
      const out = await shell(line, ROOT);
      expect(out.code).toBe(0);
      expect(out.stdout).toMatch(/^companies \d+: (matched|fuzzy_match)/);
    }
  }, 120_000);

  it('from another folder are given with --prefix, which runs this package (not a registry download)', async () => {
    const elsewhere = mkdtempSync(path.join(os.tmpdir(), 'crm-bridge-elsewhere-'));
    const command = cliCommand(elsewhere, { PATH: shellEnv.PATH });
    expect(command).toBe(`npx --prefix ${ROOT} crm-bridge`);
    const out = await shell(`${command} ${tryLines[0]!.replace(/^npx crm-bridge /, '')}`, elsewhere);
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(/^companies \d+: matched/);
  }, 120_000);
});

describe('the README', () => {
  it('prints no bare `crm-bridge …` command line in its shell blocks (it is not on PATH after npm start)', () => {
    const blocks = [...README.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!);
    const bare = blocks.flatMap((b) => b.split('\n')).filter((l) => /^crm-bridge\s/.test(l.trim()));
    expect(bare).toEqual([]);
    expect(README).toContain('npx crm-bridge lookup --object companies --legacy-id 1010');
  });

  describe('MCP client configuration, started from / as a client would', () => {
    let client: Client;
    let stderr = '';
    beforeAll(async () => {
      const json = /```json\n(\{ "mcpServers"[\s\S]*?)```/
        .exec(README.slice(README.indexOf('## MCP')))![1]!
        .replaceAll('/ABSOLUTE/PATH/TO/crm-bridge/.crm-bridge', shellEnv.CRM_BRIDGE_HOME)
        .replaceAll('/ABSOLUTE/PATH/TO/crm-bridge', ROOT)
        .replaceAll('/ABSOLUTE/PATH/TO/exports', path.dirname(EXPORT_DIR));
      const config = (
        JSON.parse(json) as {
          mcpServers: Record<string, { command: string; args: string[]; env: Record<string, string> }>;
        }
      ).mcpServers['crm-bridge']!;
      const transport = new StdioClientTransport({
        command: config.command,
        args: config.args,
        env: { PATH: shellEnv.PATH, ...config.env },
        cwd: '/',
        stderr: 'pipe',
      });
      transport.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
      client = new Client({ name: 'readme-config', version: '1.0.0' });
      await client.connect(transport);
    }, 60_000);
    afterAll(async () => {
      await client?.close();
    });

    it("serves the tools, states its data and folders, and sees the demo's staging", async () => {
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name)).toContain('lookup_by_legacy_id');
      expect(stderr.split('\n')[0]).toBe(
        `crm-bridge mcp: database: embedded, in ${shellEnv.CRM_BRIDGE_HOME} (CRM_BRIDGE_HOME); files readable in: ${path.dirname(EXPORT_DIR)}; writes to CRMs: off (plan only; --allow-writes to allow)`,
      );
      const legacyId = /--legacy-id (\d+)/.exec(tryLines[0]!)![1]!;
      const answer = (await client.callTool({
        name: 'lookup_by_legacy_id',
        arguments: { object: 'companies', legacyId },
      })) as unknown as { isError?: boolean; structuredContent: { status: string } };
      expect(answer.isError).toBeFalsy();
      expect(answer.structuredContent.status).toBe('matched');
    }, 60_000);
  });
});
