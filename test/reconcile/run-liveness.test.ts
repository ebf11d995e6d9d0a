import { spawn } from 'node:child_process';
import os from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTimeOf } from '../../core/db/process-owner';
import { reconciliationStatus } from '../../core/reconcile/status';
import { createTestDatabase, type TestDatabase } from '../helpers/database';

let tdb: TestDatabase;
beforeAll(async () => {
  tdb = await createTestDatabase();
});
afterAll(async () => {
  await tdb.drop();
});

const insertRun = (runId: string, owner?: { pid: number; host: string; startedAt: string | null }) =>
  owner
    ? tdb.db.pool.query(
        `INSERT INTO staging.reconciliation_log (run_id, object, source, target, mapping_sha256, status, owner_pid, owner_host, owner_started_at)
         VALUES ($1, 'companies', 'Company.csv', 'hubspot.companies', 'x', 'running', $2, $3, $4)`,
        [runId, owner.pid, owner.host, owner.startedAt],
      )
    : // As reconcile writes it: naming no owner.
      tdb.db.pool.query(
        `INSERT INTO staging.reconciliation_log (run_id, object, source, target, mapping_sha256, status) VALUES ($1, 'companies', 'Company.csv', 'hubspot.companies', 'x', 'running')`,
        [runId],
      );

describe('reconcile runs end honestly', () => {
  it('a run records the process that runs it without being told, and a run whose process was killed shows as abandoned', async () => {
    const own = '00000000-0000-4000-8000-0000000000a1';
    await insertRun(own);
    const { rows } = await tdb.db.pool.query<{ owner_pid: number; owner_host: string; owner_started_at: Date }>(
      'SELECT owner_pid, owner_host, owner_started_at FROM staging.reconciliation_log WHERE run_id = $1',
      [own],
    );
    expect(rows[0]).toMatchObject({ owner_pid: process.pid, owner_host: os.hostname() });
    expect(
      Math.abs(new Date(rows[0]!.owner_started_at).getTime() - (Date.now() - process.uptime() * 1000)),
    ).toBeLessThan(3000);

    const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    await new Promise((resolve) => child.once('spawn', resolve));
    const startedAt = startTimeOf(child.pid!);
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    const dead = '00000000-0000-4000-8000-0000000000a2';
    await insertRun(dead, { pid: child.pid!, host: os.hostname(), startedAt });
    // Its scratch rows, which the next reconcile of the object would never free (it only looks at `running` runs).
    await tdb.db.pool.query(`INSERT INTO staging.run_seen (run_id, legacy_id, line) VALUES ($1, 'C1', 2)`, [dead]);

    const { runs } = await reconciliationStatus(tdb.db, { object: 'companies' });
    const byId = new Map(runs.map((r) => [r.runId, r]));
    expect(byId.get(dead)).toMatchObject({
      status: 'abandoned',
      error: `its process (pid ${child.pid} on ${os.hostname()}) stopped before the run finished; staging holds the previous run's rows`,
    });
    expect(byId.get(dead)!.finishedAt).not.toBeNull();
    // This process is alive: its run is left running.
    expect(byId.get(own)).toMatchObject({ status: 'running', finishedAt: null });
    const { rows: scratch } = await tdb.db.pool.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM staging.run_seen WHERE run_id = $1',
      [dead],
    );
    expect(scratch[0]!.n).toBe(0);
  });
});
