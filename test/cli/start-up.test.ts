import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/example-data';

const run = promisify(execFile);
const BIN = path.join(ROOT, 'dist', 'cli', 'index.js');

/**
 * The packages a fresh process has loaded once the built CLI has parsed `args` (help and version end in an exception,
 * which is commander's way of stopping). Printed last, after whatever help the parse wrote.
 */
async function packagesLoaded(args: string[]): Promise<string[]> {
  const script = `
    const { buildProgram } = require(${JSON.stringify(BIN)});
    try { buildProgram().parse(${JSON.stringify(args)}, { from: 'user' }); } catch {}
    const names = new Set();
    for (const file of Object.keys(require.cache)) {
      if (!file.includes('/node_modules/')) continue;
      const parts = file.split('/node_modules/').pop().split('/');
      names.add(parts[0].startsWith('@') ? parts[0] + '/' + parts[1] : parts[0]);
    }
    process.stdout.write('\\n' + JSON.stringify([...names].sort()));
  `;
  const { stdout } = await run(process.execPath, ['-e', script]);
  return JSON.parse(stdout.trim().split('\n').pop()!) as string[];
}

/** The names of the built CLI's commands, as registered. */
async function commandNames(): Promise<string[]> {
  const script = `process.stdout.write(JSON.stringify(require(${JSON.stringify(BIN)}).buildProgram().commands.map((c) => c.name())))`;
  return JSON.parse((await run(process.execPath, ['-e', script])).stdout) as string[];
}

describe('CLI start-up', () => {
  // Tests and scripts start the CLI hundreds of times: registering a command must not load what running it needs
  // (vendor SDKs, database drivers, zod schemas, the MCP SDK), or every --version pays for all of them.
  it('loads only commander for --version and --help', async () => {
    expect(await packagesLoaded(['--version'])).toEqual(['commander']);
    expect(await packagesLoaded(['--help'])).toEqual(['commander']);
  });

  it("loads only commander for each command's --help", async () => {
    const commands = await commandNames();
    expect(commands).toContain('lookup');
    expect(commands).toContain('serve');
    const loaded = await Promise.all(commands.map(async (c) => [c, await packagesLoaded([c, '--help'])]));
    expect(Object.fromEntries(loaded)).toEqual(Object.fromEntries(commands.map((c) => [c, ['commander']])));
  });
});
