import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../core/db/database';
import { startTimeOf } from '../../core/db/process-owner';
import { classifyError, EXIT } from '../../core/errors';
import { migratedHome } from '../helpers/embedded-home';
import { ROOT } from '../helpers/example-data';

const BIN = path.join(ROOT, 'dist', 'cli', 'index.js');
const JOB = path.join(ROOT, 'examples', 'sync', 'loans-to-pipedrive.json');
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) c.kill('SIGKILL');
});

/** A process that opens the embedded database in `home` and holds it; resolves once it is open. */
async function holder(home: string): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(__dirname, 'fixtures', 'hold-database.ts'), home],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  children.push(child);
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => d.toString().includes('open') && resolve());
    child.once('exit', (code) => reject(new Error(`holder exited ${code}: ${err}`)));
  });
  return child;
}

async function kill9(child: ChildProcess): Promise<void> {
  child.kill('SIGKILL');
  if (child.exitCode === null && child.signalCode === null) await new Promise((resolve) => child.once('exit', resolve));
}

async function cli(home: string, ...args: string[]): Promise<{ code: number; stdout: string }> {
  try {
    const { stdout } = await promisify(execFile)(process.execPath, [BIN, '--home', home, ...args], {
      env: { PATH: process.env.PATH ?? '' },
    });
    return { code: 0, stdout };
  } catch (error) {
    const e = error as { code: number; stdout: string };
    return { code: e.code, stdout: e.stdout };
  }
}

describe('the embedded database lock', () => {
  it('refuses a second process while the first lives (exit code 4, naming its pid), and is taken at once after it is killed with kill -9', async () => {
    const home = migratedHome();
    const first = await holder(home);
    const refused = await openDatabase({ home }).catch((e: Error) => e);
    expect((refused as Error).message).toBe(
      `The embedded database in ${home} is in use by another crm-bridge process (pid ${first.pid}). ` +
        'Wait for it to finish, use another CRM_BRIDGE_HOME, or set DATABASE_URL to share a PostgreSQL server between processes.',
    );
    expect(classifyError(refused)).toBe('database');
    const cliRefused = await cli(home, '--json', 'sync-status', '--job', JOB);
    expect(cliRefused.code).toBe(EXIT.database);
    expect(JSON.parse(cliRefused.stdout)).toMatchObject({
      ok: false,
      error: {
        kind: 'database',
        message: expect.stringContaining(`in use by another crm-bridge process (pid ${first.pid})`),
      },
    });

    await kill9(first);
    // The lock is fresh (refreshed every 10 s): by staleness alone it would be refused for up to 30 s more.
    expect(statSync(path.join(home, 'pgdata.lock')).mtimeMs).toBeGreaterThan(Date.now() - 15_000);
    const db = await openDatabase({ home });
    expect((await db.pool.query<{ one: number }>('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    expect(JSON.parse(readFileSync(path.join(home, 'pgdata.lock.owner'), 'utf8'))).toMatchObject({
      pid: process.pid,
      host: os.hostname(),
    });
    await db.close();
    expect(existsSync(path.join(home, 'pgdata.lock'))).toBe(false);
    expect(existsSync(path.join(home, 'pgdata.lock.owner'))).toBe(false);

    // The CLI too: right after a kill -9 of the process that had it, the next command runs.
    await kill9(await holder(home));
    const status = await cli(home, '--json', 'sync-status', '--job', JOB);
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ ok: true, result: { job: 'loans-to-pipedrive' } });
  }, 120_000);

  it('a lock whose pid now belongs to another process (started after the lock was taken) is taken over; one held by that live process is not', async () => {
    const sleeper = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    children.push(sleeper);
    await new Promise((resolve) => sleeper.once('spawn', resolve));
    const lockedBy = (startedAt: string | null) => {
      const home = migratedHome();
      mkdirSync(path.join(home, 'pgdata.lock'));
      writeFileSync(
        path.join(home, 'pgdata.lock.owner'),
        JSON.stringify({ pid: sleeper.pid, host: os.hostname(), startedAt }),
      );
      return home;
    };
    const live = lockedBy(startTimeOf(sleeper.pid!));
    await expect(openDatabase({ home: live })).rejects.toThrow(
      `in use by another crm-bridge process (pid ${sleeper.pid})`,
    );
    const reused = lockedBy(new Date(Date.now() - 3_600_000).toISOString());
    const db = await openDatabase({ home: reused });
    await db.close();
  }, 120_000);
});
