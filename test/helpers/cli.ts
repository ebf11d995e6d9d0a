import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { CLI_BIN } from './mcp-stdio';

const run = promisify(execFile);

/** What a run of the CLI left: its exit code and both streams. */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs the built CLI with `args`, seeing PATH and `env` only (a variable of this test process cannot leak in). A
 * failing run resolves too: its exit code is what the tests assert on.
 */
export async function runCli(env: Record<string, string | undefined>, ...args: string[]): Promise<CliResult> {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI_BIN, ...args], {
      env: { PATH: process.env.PATH ?? '', ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** The arguments of `crm-bridge upsert` of the records in `input` into `crm`'s `object`, keyed by `key`. */
export const upsertArgs = (crm: string, object: string, key: string, input: string) => [
  'upsert',
  '--to',
  crm,
  '--object',
  object,
  '--key',
  key,
  '--input',
  input,
];

/** The arguments of `crm-bridge read` of `crm`'s `object`, with only `properties` (comma-separated) when given. */
export const readArgs = (crm: string, object: string, properties?: string) => [
  'read',
  '--from',
  crm,
  '--object',
  object,
  ...(properties ? ['--properties', properties] : []),
];

/** The counts of a `--json upsert` answer. */
export const countsOf = (out: { stdout: string }) =>
  (JSON.parse(out.stdout) as { result: { counts: Record<string, number> } }).result.counts;

/** The records of a `read` answer (one JSON line each). */
export const readLines = (out: { stdout: string }) =>
  out.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { id: string; properties: Record<string, string | null> });

/**
 * The built CLI started as a long-running process (`serve`), seeing PATH and `env` only: what it has written so far,
 * both streams together for a failure message, and `stop`, which sends SIGTERM and resolves with its exit code.
 */
export function spawnCli(env: Record<string, string | undefined>, ...args: string[]) {
  const child = spawn(process.execPath, [CLI_BIN, ...args], { env: { PATH: process.env.PATH ?? '', ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    child,
    exited,
    out: () => stdout,
    err: () => stderr,
    log: () => `${stdout}\n${stderr}`,
    stop: async () => {
      child.kill('SIGTERM');
      return exited;
    },
  };
}
