import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/example-data';

const run = promisify(execFile);
const BIN = path.join(ROOT, 'dist', 'cli', 'index.js');

/**
 * In one fresh process, the built CLI parses `--version`, `--help` and every command's `--help` (each ends in
 * commander's exception); answers the commands it found and the packages loaded by then, printed last, after the help.
 */
async function afterVersionAndHelp(): Promise<{ commands: string[]; packages: string[] }> {
  const script = `
    const { buildProgram } = require(${JSON.stringify(BIN)});
    const commands = buildProgram().commands.map((c) => c.name());
    for (const args of [['--version'], ['--help'], ...commands.map((c) => [c, '--help'])]) {
      try { buildProgram().parse(args, { from: 'user' }); } catch {}
    }
    const packages = new Set();
    for (const file of Object.keys(require.cache)) {
      if (!file.includes('/node_modules/')) continue;
      const parts = file.split('/node_modules/').pop().split('/');
      packages.add(parts[0].startsWith('@') ? parts[0] + '/' + parts[1] : parts[0]);
    }
    process.stdout.write('\\n' + JSON.stringify({ commands, packages: [...packages].sort() }));
  `;
  const { stdout } = await run(process.execPath, ['-e', script]);
  return JSON.parse(stdout.trim().split('\n').pop()!) as { commands: string[]; packages: string[] };
}

describe('CLI start-up', () => {
  // Tests and scripts start the CLI hundreds of times: registering a command must not load what running it needs
  // (vendor SDKs, database drivers, zod schemas, the MCP SDK), or every --version pays for all of them.
  it("loads only commander for --version, --help and every command's --help", async () => {
    const { commands, packages } = await afterVersionAndHelp();
    expect(commands).toEqual(expect.arrayContaining(['lookup', 'reconcile', 'serve', 'mcp', 'sync', 'upsert']));
    expect(packages).toEqual(['commander']);
  });
});
