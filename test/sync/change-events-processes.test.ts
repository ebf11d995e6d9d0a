import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { ROOT } from '../helpers/example-data';
import { LOANS_JOB_FILE as JOB, PD_TOKEN, SF_CLIENT, startSandbox, type Sandbox } from './fixtures';
import { disagreements, sfKey } from './processes';
import { until } from '../helpers/until';

const BIN = path.join(ROOT, 'dist', 'cli', 'index.js');
const LOANS = '/data/Loan__ChangeEvent';

interface Served {
  child: ChildProcess;
  stderr(): string;
  /** The change event log lines it printed (--json). */
  news(): Array<{ channel: string; kind: string; replayFrom?: number | null }>;
  exited: Promise<number | null>;
}

function serve(box: Sandbox, dbUrl: string): Served {
  const child = spawn(
    process.execPath,
    [BIN, 'serve', '--port', '0', '--job', JOB, '--change-events', '--every', '3600', '--json'],
    {
      env: {
        PATH: process.env.PATH ?? '',
        DATABASE_URL: dbUrl,
        SALESFORCE_INSTANCE_URL: box.sfUrl,
        SALESFORCE_CLIENT_ID: SF_CLIENT.clientId,
        SALESFORCE_CLIENT_SECRET: SF_CLIENT.clientSecret,
        PIPEDRIVE_BASE_URL: box.pdUrl,
        PIPEDRIVE_API_TOKEN: PD_TOKEN,
      },
    },
  );
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout!.resume();
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    child,
    exited,
    stderr: () => stderr,
    news: () =>
      stderr
        .split('\n')
        .filter((l) => l.startsWith('{"changeEvents"'))
        .map((l) => (JSON.parse(l) as { changeEvents: { channel: string; kind: string } }).changeEvents),
  };
}

describe.runIf(process.env.DATABASE_URL)('two serve processes subscribed to the same job on a server database', () => {
  let tdb: TestDatabase;
  let box: Sandbox;
  const processes: Served[] = [];

  beforeAll(async () => {
    tdb = await createTestDatabase();
    box = await startSandbox();
  }, 60_000);
  afterAll(async () => {
    for (const p of processes) p.child.kill('SIGKILL');
    await box?.stop();
    await tdb?.drop();
  });

  const dealOf = (loanId: string) =>
    box.pd.store.all('deals').find((d) => d.custom_fields[sfKey(box, 'deals')] === loanId);

  it('one subscribes to each channel, the other stands by; each change is written once; the standby takes over', async () => {
    const [a, b] = [serve(box, tdb.url!), serve(box, tdb.url!)];
    processes.push(a, b);
    const log = () => `A:\n${a.stderr()}\nB:\n${b.stderr()}`;
    const holds = (p: Served, channel: string) =>
      p.news().some((n) => n.channel === channel && n.kind === 'subscribed');
    const waits = (p: Served, channel: string) => p.news().some((n) => n.channel === channel && n.kind === 'standby');
    await until(
      'each channel subscribed once, the other process on standby',
      () =>
        [LOANS, '/data/ContactChangeEvent'].every((c) => (holds(a, c) && waits(b, c)) || (holds(b, c) && waits(a, c))),
      log,
    );
    await until('the first sync', () => box.pd.store.all('deals').length === 20, log);

    const edited = box.loans.filter((_, i) => i % 3 !== 2).slice(0, 5);
    edited.forEach((id, i) => box.sf.editRecord('Loan__c', id, { Amount__c: 60_000 + i }));
    await until(
      'every edit in Pipedrive',
      () => edited.every((id, i) => Number(dealOf(id)?.value) === 60_000 + i),
      log,
    );
    await new Promise((resolve) => setTimeout(resolve, 500));
    const { rows } = await tdb.db.pool.query<{ source_id: string; n: number }>(
      `SELECT source_id, count(*)::int AS n FROM sync.audit WHERE stream = 'loans' AND result = 'updated' GROUP BY source_id`,
    );
    expect(Object.fromEntries(rows.map((r) => [r.source_id, r.n]))).toEqual(
      Object.fromEntries(edited.map((id) => [id, 1])),
    );
    const created = await tdb.db.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM sync.audit WHERE result = 'created' GROUP BY stream, source_id HAVING count(*) > 1`,
    );
    expect(created.rows).toEqual([]);

    // The loans' subscriber dies (kill -9): its session ends, and with it the lock; the other process takes the
    // channel at its next attempt and resumes from the stored replay ID, so an edit made meanwhile still arrives.
    const [holder, standby] = holds(a, LOANS) ? [a, b] : [b, a];
    holder.child.kill('SIGKILL');
    await holder.exited;
    const { rows: stored } = await tdb.db.pool.query<{ replay_id: string }>(
      `SELECT replay_id FROM sync.change_event_channels WHERE channel = $1`,
      [LOANS],
    );
    box.sf.editRecord('Loan__c', edited[0]!, { Amount__c: 70_000 });
    await until('the standby taking over', () => holds(standby, LOANS), log, 30_000);
    expect(
      standby
        .news()
        .filter((n) => n.channel === LOANS && n.kind === 'subscribed')
        .at(-1)!.replayFrom,
    ).toBe(Number(stored[0]!.replay_id));
    await until('the edit made while no one listened', () => Number(dealOf(edited[0]!)?.value) === 70_000, log);
    standby.child.kill('SIGINT');
    expect(await standby.exited).toBe(0);
    expect(standby.news().filter((n) => n.kind === 'error')).toEqual([]);
    expect(standby.stderr()).not.toMatch(/"status":"(failed|partial)"/);
    expect(disagreements(box, new Set())).toEqual([]);
  }, 180_000);
});
