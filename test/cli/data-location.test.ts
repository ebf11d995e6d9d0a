import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { describe, expect, it } from 'vitest';
import { chooseDatabase, chooseHome, userDataHome } from '../../core/db/home';
import { migratedHome } from '../helpers/embedded-home';
import { ROOT } from '../helpers/example-data';

// Where the data lives is said, and chosen sensibly: a command run outside a crm-bridge project keeps its data in
// the user's data folder instead of leaving a .crm-bridge folder wherever it happened to run.

const run = promisify(execFile);
const BIN = path.join(ROOT, 'dist', 'cli', 'index.js');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'crm-bridge-where-'));

async function cliIn(
  cwd: string,
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], {
      cwd,
      env: { PATH: process.env.PATH ?? '', ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

function folder(...parts: string[]): string {
  const dir = path.join(tmp, ...parts);
  mkdirSync(dir, { recursive: true });
  return dir;
}

describe('choosing the data folder', () => {
  const home = '/home/ada';
  it("--home wins, then CRM_BRIDGE_HOME, then a project's ./.crm-bridge, then the user's data folder", () => {
    const plain = folder('plain');
    const project = folder('project', '.crm-bridge');
    const env = { HOME: home, CRM_BRIDGE_HOME: '/data/crm' };
    expect(chooseHome(env, plain, 'elsewhere')).toEqual({ home: path.join(plain, 'elsewhere'), why: 'option' });
    expect(chooseHome(env, plain)).toEqual({ home: '/data/crm', why: 'environment' });
    expect(chooseHome({ HOME: home }, path.dirname(project))).toEqual({ home: project, why: 'project' });
    expect(chooseHome({ HOME: home }, plain)).toEqual({ home: '/home/ada/.local/share/crm-bridge', why: 'user' });
    expect(chooseHome({ HOME: home, XDG_DATA_HOME: '/xdg' }, plain)).toEqual({ home: '/xdg/crm-bridge', why: 'user' });
    // This package's own checkout is a project (npm start keeps using ./.crm-bridge there).
    expect(chooseHome({ HOME: home }, ROOT)).toEqual({ home: path.join(ROOT, '.crm-bridge'), why: 'project' });
  });

  it("knows the other platforms' per-user folders, and ignores a relative XDG_DATA_HOME as the spec says", () => {
    expect(userDataHome({ LOCALAPPDATA: 'C:\\Users\\ada\\AppData\\Local' }, 'win32')).toBe(
      path.join('C:\\Users\\ada\\AppData\\Local', 'crm-bridge'),
    );
    expect(userDataHome({ HOME: home, XDG_DATA_HOME: 'relative/data' }, 'linux')).toBe(
      '/home/ada/.local/share/crm-bridge',
    );
  });

  it('describes a server without its password, and tells whether the choice was implicit', () => {
    const server = chooseDatabase({}, { DATABASE_URL: 'postgres://ada:s3cret@db.internal:5432/crm' }, tmp);
    expect(server).toEqual({
      description: 'database: PostgreSQL server postgres://ada@db.internal:5432/crm (DATABASE_URL)',
      implicit: false,
    });
    expect(chooseDatabase({ home: 'memory://' }, {}, tmp).implicit).toBe(false);
    expect(chooseDatabase({}, { HOME: home }, folder('plain2'))).toEqual({
      description:
        'database: embedded, in /home/ada/.local/share/crm-bridge (your data folder: this folder is not a crm-bridge project)',
      implicit: true,
    });
  });
});

describe('the CLI says where the data lives when nothing named it', () => {
  it("outside a project: one stderr line, and the data goes to the user's data folder, not into the working directory", async () => {
    const user = folder('user-a');
    const cwd = folder('downloads-a');
    const out = await cliIn(cwd, ['lookup', '--object', 'companies', '--legacy-id', '1'], { HOME: user });
    const dataHome = path.join(user, '.local', 'share', 'crm-bridge');
    expect(out.stderr.split('\n')[0]).toBe(
      `crm-bridge: database: embedded, in ${dataHome} (your data folder: this folder is not a crm-bridge project)`,
    );
    expect(existsSync(path.join(dataHome, 'pgdata'))).toBe(true);
    expect(existsSync(path.join(cwd, '.crm-bridge'))).toBe(false);
    // The lookup itself ran there: an empty staging has no such record (exit 3).
    expect(out.code).toBe(3);
  }, 300_000);

  it('inside a project (a .crm-bridge folder exists) it keeps using that folder, and says so', async () => {
    const cwd = folder('project-b');
    mkdirSync(path.join(cwd, '.crm-bridge'));
    const out = await cliIn(cwd, ['lookup', '--object', 'companies', '--legacy-id', '1'], { HOME: folder('user-b') });
    expect(out.stderr.split('\n')[0]).toBe(
      `crm-bridge: database: embedded, in ${path.join(cwd, '.crm-bridge')} (this folder is a crm-bridge project)`,
    );
    expect(existsSync(path.join(cwd, '.crm-bridge', 'pgdata'))).toBe(true);
  }, 300_000);

  it('stays quiet for scripts: with --json, or when CRM_BRIDGE_HOME names the folder', async () => {
    const cwd = folder('script-c');
    // A user who ran crm-bridge before (their data folder holds a database): this case is about what is printed.
    migratedHome(userDataHome({ HOME: folder('user-c') }));
    const json = await cliIn(cwd, ['--json', 'lookup', '--object', 'companies', '--legacy-id', '1'], {
      HOME: folder('user-c'),
    });
    expect(json.stderr).toBe('');
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, error: { kind: 'input' } });
    const named = await cliIn(cwd, ['lookup', '--object', 'companies', '--legacy-id', '1'], {
      HOME: folder('user-c'),
      CRM_BRIDGE_HOME: folder('named-c'),
    });
    expect(named.stderr).not.toContain('database:');
    expect(existsSync(path.join(tmp, 'named-c', 'pgdata'))).toBe(true);
  }, 300_000);
});

describe('the MCP server says where its data and files are at start', () => {
  async function start(
    cwd: string,
    args: string[],
    env: Record<string, string>,
  ): Promise<{ client: Client; firstLine: string }> {
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [BIN, ...args],
      cwd,
      env: { PATH: process.env.PATH ?? '', ...env },
      stderr: 'pipe',
    });
    let stderr = '';
    transport.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const client = new Client({ name: 'where-test', version: '1.0.0' });
    await client.connect(transport);
    for (let i = 0; i < 100 && !stderr.includes('\n'); i++) await new Promise((r) => setTimeout(r, 50));
    return { client, firstLine: stderr.split('\n')[0]! };
  }

  it("outside a project and without --allow-dir: the user's data folder, no readable folder, and file tools say how to allow one", async () => {
    const user = folder('user-d');
    const cwd = folder('anywhere-d');
    writeFileSync(path.join(cwd, 'Company.csv'), 'Comp_CompanyId,Comp_Name\n1,Acme\n');
    const { client, firstLine } = await start(cwd, ['mcp'], { HOME: user });
    try {
      expect(firstLine).toBe(
        `crm-bridge mcp: database: embedded, in ${path.join(user, '.local', 'share', 'crm-bridge')} (your data folder: this folder is not a crm-bridge project); ` +
          'files readable in: none (this folder is not a crm-bridge project; start with --allow-dir <folder>); writes to CRMs: off (plan only; --allow-writes to allow)',
      );
      const answer = (await client.callTool({
        name: 'reconcile',
        arguments: { object: 'companies', legacyPath: path.join(cwd, 'Company.csv') },
      })) as { isError?: boolean; content: Array<{ text: string }> };
      expect(answer.isError).toBe(true);
      expect(answer.content[0]!.text).toBe(
        `usage error: ${path.join(cwd, 'Company.csv')} cannot be read: this server was started without a folder to read from (start it with --allow-dir <folder>)`,
      );
    } finally {
      await client.close();
    }
  }, 60_000);

  it('with a server URL and folders given: the server without its password, and the folders by their real paths', async () => {
    const exports = folder('exports-e');
    const { client, firstLine } = await start(
      folder('anywhere-e'),
      ['--db', 'postgres://ada:s3cret@127.0.0.1:1/crm', 'mcp', '--allow-dir', exports, '--allow-writes'],
      {},
    );
    try {
      expect(firstLine).toBe(
        `crm-bridge mcp: database: PostgreSQL server postgres://ada@127.0.0.1:1/crm (--db); files readable in: ${exports}; writes to CRMs: allowed`,
      );
      expect(firstLine).not.toContain('s3cret');
    } finally {
      await client.close();
    }
  }, 60_000);
});
