import { spawn, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTimeOf } from '../../core/db/process-owner';
import { classifyError } from '../../core/errors';
import { JobFieldsError } from '../../core/sync/check-fields';
import { runSync } from '../../core/sync/engine';
import { syncStatus } from '../../core/sync/status';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { loansJob, startSandbox, type Sandbox } from './fixtures';

let tdb: TestDatabase;
let box: Sandbox;

beforeAll(async () => {
  tdb = await createTestDatabase();
});
afterAll(async () => {
  await box?.stop();
  await tdb.drop();
});
beforeEach(async () => {
  await box?.stop();
  box = await startSandbox();
  await tdb.db.pool.query('TRUNCATE sync.cursors, sync.records, sync.pending, sync.audit, sync.runs');
});

const inScope = () => box.loans.filter((_, i) => i % 3 !== 2);
type Job = ReturnType<typeof loansJob>;

describe('a job that names fields its CRMs do not have', () => {
  it('fails its dry run and its run before anything is written, naming every bad field by its path in the job', async () => {
    const job = loansJob();
    const broken = structuredClone(job) as Job;
    broken.streams[1]!.properties[1]!.to = 'foo';
    broken.streams[1]!.properties[0]!.from = 'Nam';
    broken.streams[1]!.source.filter[0]!.field = 'Loan_Oficer__c';
    broken.streams[1]!.references[0]!.to = 'persn_id';
    broken.streams[0]!.properties[0]!.template = '{FirstName} {LastNam}';
    broken.streams[0]!.target.key = 'Salesforce IDs';
    const expected = [
      'streams[0].target.key: Pipedrive persons has no field "Salesforce IDs" (target of stream borrowers)',
      'streams[0].properties[0].template: Salesforce Contact has no field "LastNam" (source of stream borrowers)',
      'streams[1].source.filter[0].field: Salesforce Loan__c has no field "Loan_Oficer__c" (source of stream loans)',
      'streams[1].properties[0].from: Salesforce Loan__c has no field "Nam" (source of stream loans)',
      'streams[1].properties[1].to: Pipedrive deals has no field "foo" (target of stream loans)',
      'streams[1].references[0].to: Pipedrive deals has no field "persn_id" (target of stream loans)',
    ];
    for (const dryRun of [true, false]) {
      const error = await runSync({
        db: tdb.db,
        job: broken,
        source: box.source(),
        target: box.target(),
        dryRun,
      }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(JobFieldsError);
      expect((error as JobFieldsError).problems).toEqual(expected);
      // Exit code 2, like any invalid mapping.
      expect(classifyError(error)).toBe('usage');
    }
    expect(box.pd.store.all('deals')).toHaveLength(0);
    expect(box.pd.store.all('persons')).toHaveLength(0);
    expect(box.pd.writes).toEqual({ created: 0, updated: 0 });
    const { rows } = await tdb.db.pool.query<{ status: string; error: string }>(
      'SELECT status, error FROM sync.runs ORDER BY started_at',
    );
    expect(rows.map((r) => r.status)).toEqual(['failed', 'failed']);
    expect(rows[0]!.error).toContain('streams[1].properties[1].to: Pipedrive deals has no field "foo"');
    // Fields are matched the way each CRM matches them: Pipedrive's custom field by its name as shown in Pipedrive.
    await expect(
      runSync({ db: tdb.db, job, source: box.source(), target: box.target(), dryRun: true }),
    ).resolves.toMatchObject({ status: 'succeeded' });
  });
});

describe('status and headline say what happened', () => {
  it('every loan refused: the loans stream failed, the run is partial (the borrowers went through), and the headline says why once for all 20', async () => {
    for (const id of inScope()) box.pd.faults.failRecord(id, 'Validation failed: value: must be at least 5000');
    const run = await runSync({ db: tdb.db, job: loansJob(), source: box.source(), target: box.target() });
    expect(run.status).toBe('partial');
    expect(run.streams.map((s) => [s.stream, s.status])).toEqual([
      ['borrowers', 'succeeded'],
      ['loans', 'failed'],
    ]);
    const loans = run.streams.find((s) => s.stream === 'loans')!;
    expect(loans.counts).toMatchObject({ created: 0, failed: 20 });
    expect(loans.problems).toEqual([
      {
        kind: 'failed',
        count: 20,
        reason: expect.stringMatching(/^deals …: .*Validation failed: value: must be at least 5000/),
        example: inScope()[0],
      },
    ]);
    expect(run.headline).toBe(
      `Run ${run.runId} of loans-to-pipedrive: partial — loans: 20 failed: ${loans.problems[0]!.reason}`,
    );
    const { rows } = await tdb.db.pool.query<{ status: string; error: string }>(
      'SELECT status, error FROM sync.runs WHERE run_id = $1',
      [run.runId],
    );
    expect(rows).toEqual([{ status: 'partial', error: run.headline }]);
  });

  it('a dry run with a value it cannot map is partial, not succeeded: the record would be rejected', async () => {
    box.sf.editRecord('Loan__c', box.loans[0]!, { Stage__c: 'Foreclosed' });
    const plan = await runSync({
      db: tdb.db,
      job: loansJob(),
      source: box.source(),
      target: box.target(),
      dryRun: true,
    });
    expect(plan.status).toBe('partial');
    expect(plan.streams.find((s) => s.stream === 'loans')!.problems).toEqual([
      {
        kind: 'rejected',
        count: 1,
        reason: expect.stringContaining('field Stage__c -> stage_id'),
        example: box.loans[0],
      },
    ]);
    expect(plan.headline).toMatch(
      new RegExp(
        `^Plan ${plan.runId} of loans-to-pipedrive: partial — loans: 1 rejected: Loan__c …: field Stage__c -> stage_id: .*"Foreclosed"`,
      ),
    );
  });

  it('Pipedrive going away mid-run: the stream stops, the run failed, and the error is a CRM one (exit code 6), naming Pipedrive and its URL', async () => {
    const target = box.target();
    // The connector has described its objects (as a watching process has); then Pipedrive stops answering.
    await target.describe('persons');
    await target.describe('deals');
    await box.pd.stop();
    const run = await runSync({ db: tdb.db, job: loansJob(), source: box.source(), target });
    expect(run.status).toBe('failed');
    // The borrowers stream only had records to skip (none referenced yet); the loans stream stopped writing their persons.
    expect(run.streams.map((s) => [s.stream, s.status])).toEqual([
      ['borrowers', 'succeeded'],
      ['loans', 'failed'],
    ]);
    const loans = run.streams.find((s) => s.stream === 'loans')!;
    expect(loans.errorKind).toBe('crm');
    expect(loans.error).toContain(`Pipedrive at ${box.pdUrl} cannot be reached`);
    expect(run.headline).toBe(`Run ${run.runId} of loans-to-pipedrive: failed — loans stopped: ${loans.error}`);
    expect(run.headline).not.toContain('pd-sync-test-token');
  }, 120_000);
});

describe('runs end honestly', () => {
  const children: ChildProcess[] = [];
  afterAll(() => {
    for (const c of children) c.kill('SIGKILL');
  });
  const sleeper = () => {
    const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    children.push(child);
    return child;
  };
  const insertRun = (runId: string, owner: { pid: number; host: string; startedAt: string | null }) =>
    tdb.db.pool.query(
      `INSERT INTO sync.runs (run_id, job, dry_run, owner_pid, owner_host, owner_started_at) VALUES ($1, 'loans-to-pipedrive', false, $2, $3, $4)`,
      [runId, owner.pid, owner.host, owner.startedAt],
    );
  const statusOf = async (runId: string) =>
    (
      await tdb.db.pool.query<{ status: string; error: string | null; finished_at: Date | null }>(
        'SELECT status, error, finished_at FROM sync.runs WHERE run_id = $1',
        [runId],
      )
    ).rows[0]!;

  it('a run whose process was killed is marked interrupted by sync-status; live ones, and those of another host on a shared server, are left running', async () => {
    const host = os.hostname();
    const killed = sleeper();
    await new Promise((resolve) => killed.once('spawn', resolve));
    const killedStart = startTimeOf(killed.pid!);
    killed.kill('SIGKILL');
    await new Promise((resolve) => killed.once('exit', resolve));
    const alive = sleeper();
    await new Promise((resolve) => alive.once('spawn', resolve));
    const runs = {
      killed: '00000000-0000-4000-8000-000000000001',
      alive: '00000000-0000-4000-8000-000000000002',
      reused: '00000000-0000-4000-8000-000000000003',
      elsewhere: '00000000-0000-4000-8000-000000000004',
    };
    await insertRun(runs.killed, { pid: killed.pid!, host, startedAt: killedStart });
    await insertRun(runs.alive, { pid: alive.pid!, host, startedAt: startTimeOf(alive.pid!) });
    // The pid now belongs to a process that started later than the run's: the run's own process is gone.
    await insertRun(runs.reused, { pid: alive.pid!, host, startedAt: new Date(Date.now() - 3_600_000).toISOString() });
    await insertRun(runs.elsewhere, { pid: 4242, host: 'another-host.example', startedAt: null });

    const status = await syncStatus(tdb.db.pool, loansJob(), { exclusive: false });
    const byId = new Map(status.runs.map((r) => [r.runId, r]));
    expect(byId.get(runs.killed)).toMatchObject({
      status: 'interrupted',
      error: `its process (pid ${killed.pid} on ${host}) stopped before the run finished; writes it left unanswered are redone by the next run of each stream`,
    });
    expect(byId.get(runs.killed)!.finishedAt).not.toBeNull();
    expect(byId.get(runs.reused)!.status).toBe('interrupted');
    expect(byId.get(runs.alive)).toMatchObject({
      status: 'running',
      finishedAt: null,
      owner: { pid: alive.pid, host },
    });
    expect(byId.get(runs.elsewhere)!.status).toBe('running');

    // On the embedded database only one process can be in it, so a run of another host cannot be alive either.
    await syncStatus(tdb.db.pool, loansJob(), { exclusive: true });
    expect((await statusOf(runs.elsewhere)).status).toBe('interrupted');
    expect((await statusOf(runs.alive)).status).toBe('running');
  });

  it('a run stopped by a signal (Ctrl-C, SIGTERM) marks itself interrupted instead of staying running', async () => {
    const stop = new AbortController();
    const error = await runSync({
      db: tdb.db,
      job: loansJob({ batchSize: 5 }),
      source: box.source(),
      target: box.target(),
      signal: stop.signal,
      onBatch: () => stop.abort(new Error('stopped by signal')),
    }).catch((e: unknown) => e);
    expect((error as Error).message).toBe('stopped by signal');
    const { rows } = await tdb.db.pool.query<{ status: string; error: string; finished_at: Date | null }>(
      'SELECT status, error, finished_at FROM sync.runs',
    );
    expect(rows).toEqual([{ status: 'interrupted', error: 'stopped by signal', finished_at: expect.any(Date) }]);
  });

  it('the next run marks a dead run interrupted too, and records its own process', async () => {
    const dead = '00000000-0000-4000-8000-000000000009';
    const killed = sleeper();
    await new Promise((resolve) => killed.once('spawn', resolve));
    killed.kill('SIGKILL');
    await new Promise((resolve) => killed.once('exit', resolve));
    await insertRun(dead, { pid: killed.pid!, host: os.hostname(), startedAt: null });
    const run = await runSync({ db: tdb.db, job: loansJob(), source: box.source(), target: box.target() });
    expect((await statusOf(dead)).status).toBe('interrupted');
    const { rows } = await tdb.db.pool.query<{ owner_pid: number; owner_host: string; status: string }>(
      'SELECT owner_pid, owner_host, status FROM sync.runs WHERE run_id = $1',
      [run.runId],
    );
    expect(rows).toEqual([{ owner_pid: process.pid, owner_host: os.hostname(), status: 'succeeded' }]);
  });
});
