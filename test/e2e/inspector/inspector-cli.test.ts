import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtInMapping } from '../../../core/mapping/load-mapping';
import { reconcile } from '../../../core/reconcile/reconcile';
import { createTestDatabase, type TestDatabase } from '../../helpers/database';
import { migratedHome } from '../../helpers/embedded-home';
import { EXPORT_DIR, loadExampleMirror, ROOT } from '../../helpers/example-data';
import { startServing } from '../../../sandbox/serve-process';

// The built server driven by the official MCP Inspector CLI, as a new user tries it: installed by
// install-inspector.sh into ~/.cache/crm-bridge (not a package dependency), then `--cli --method ...` over stdio
// and over Streamable HTTP. Its `--tool-arg legacyId=1000` sends the ID as a JSON number.
const BIN = path.join(ROOT, 'dist', 'cli', 'index.js');
const TOKEN = 'inspector-read-token-3a9f2c7e';
const run = promisify(execFile);

/** The Inspector's wrapper, or why there is none; in CI a failed install fails the run instead of skipping it. */
function installInspector(): { bin: string } | { skip: string } {
  try {
    const out = execFileSync('bash', [path.join(__dirname, 'install-inspector.sh')], {
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 10 * 60_000,
    });
    return { bin: out.toString().trim().split('\n').at(-1)! };
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim().split('\n').slice(-3).join(' | ');
    if (process.env.CI) throw new Error(`the MCP Inspector could not be installed: ${stderr}`, { cause: error });
    const skip = `the MCP Inspector could not be installed (is the npm registry reachable?): ${stderr}`;
    console.warn(`skipping the MCP Inspector tests: ${skip}`);
    return { skip };
  }
}
const inspector = installInspector();

let t: TestDatabase;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  if (!('bin' in inspector)) return;
  const home = process.env.DATABASE_URL
    ? undefined
    : migratedHome(mkdtempSync(path.join(os.tmpdir(), 'crm-bridge-inspector-')));
  t = await createTestDatabase({ embeddedHome: home });
  await loadExampleMirror(t.db);
  await reconcile(t.db, { object: 'companies', mapping: builtInMapping(), legacyPath: EXPORT_DIR });
  // The embedded database serves one process at a time: hand it over to the server.
  if (home) await t.db.close();
  env = { PATH: process.env.PATH, ...(t.url ? { DATABASE_URL: t.url } : { CRM_BRIDGE_HOME: home! }) };
}, 240_000);
afterAll(async () => {
  if (t?.url) await t.drop();
});

/** Runs the Inspector CLI; its result is JSON on stdout. */
async function inspect(args: string[]): Promise<Record<string, unknown>> {
  const { bin } = inspector as { bin: string };
  // A home of its own: the Inspector keeps servers and OAuth state in ~/.mcp-inspector, which the test must neither
  // read nor write.
  const home = mkdtempSync(path.join(os.tmpdir(), 'crm-bridge-inspector-home-'));
  const { stdout } = await run(bin, ['--cli', ...args], { env: { ...process.env, ...env, HOME: home } });
  return JSON.parse(stdout) as Record<string, unknown>;
}

const LOOKUP_1000 = ['--method', 'tools/call', '--tool-name', 'lookup_by_legacy_id', '--tool-arg', 'legacyId=1000'];
const names = (list: Record<string, unknown>) => (list.tools as Array<{ name: string }>).map((tool) => tool.name);

function expectCompany1000(result: Record<string, unknown>): void {
  expect(result.isError).toBeFalsy();
  expect(result.structuredContent).toMatchObject({
    found: true,
    object: 'companies',
    legacyId: '1000',
    status: 'matched',
    targetId: '18000000006',
    legacyProperties: { Comp_Name: 'Fairbairn Solutions Limited' },
  });
  expect((result.content as Array<{ text: string }>)[0]!.text).toBe(
    'companies 1000: matched -> 18000000006; no pending updates',
  );
}

describe.skipIf(!('bin' in inspector))(
  `the official MCP Inspector CLI (${'skip' in inspector ? inspector.skip : 'installed'})`,
  () => {
    it('over stdio: tools/list, and tools/call lookup_by_legacy_id with legacyId=1000 as a number', async () => {
      const stdio = ['-e', `${t.url ? 'DATABASE_URL' : 'CRM_BRIDGE_HOME'}=${t.url ?? env.CRM_BRIDGE_HOME}`];
      const server = [process.execPath, BIN, 'mcp'];
      const list = await inspect([...stdio, ...server, '--method', 'tools/list']);
      expect(names(list)).toContain('lookup_by_legacy_id');
      expect(names(list)).toContain('reconcile');
      expectCompany1000(await inspect([...stdio, ...server, ...LOOKUP_1000, '--tool-arg', 'object=companies']));
    });

    it('over Streamable HTTP with a token header (mcp --http); without the header it is refused', async () => {
      const served = await startServing(
        BIN,
        ['--json', 'mcp', '--http', '--port', '0', '--host', '0.0.0.0', '--token', TOKEN],
        env,
      );
      try {
        const header = ['--header', `Authorization: Bearer ${TOKEN}`];
        const list = await inspect([served.url, ...header, '--method', 'tools/list']);
        expect(names(list)).toContain('lookup_by_legacy_id');
        // Object names are case-insensitive, as a model may write them.
        expectCompany1000(await inspect([served.url, ...header, ...LOOKUP_1000, '--tool-arg', 'object=Companies']));
        await expect(inspect([served.url, '--method', 'tools/list'])).rejects.toMatchObject({
          stderr: expect.stringContaining('"code":"auth_required"'),
        });
      } finally {
        const stopped = await served.stop();
        expect(stopped.code).toBe(0);
        expect(stopped.stderr).not.toContain(TOKEN);
      }
    });
  },
);
