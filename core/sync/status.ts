import type { Sql } from '../db/sql';
import { channelStates, type ChannelState } from './change-events/store';
import type { SyncJob } from './job';
import { reapDeadRuns } from './store';

export interface SyncStatus {
  job: string;
  streams: Array<{ stream: string; cursor: string | null; linked: number; waiting: number; givenUp: number }>;
  /** The last runs; `interrupted`: its process stopped before it finished (found gone by a later run or this call). */
  runs: Array<{
    runId: string;
    startedAt: string;
    finishedAt: string | null;
    status: string;
    dryRun: boolean;
    counts: unknown;
    error: string | null;
    owner: { pid: number; host: string } | null;
  }>;
  /** Records waiting for a parent or a retry (the first 100), with why. */
  waiting: Array<{ stream: string; sourceId: string; attempts: number; reason: string }>;
  audit: Array<{ stream: string; result: string; count: number }>;
  /** Salesforce change event channels the job subscribed to: replay ID reached, events, records, catch-up polls. */
  changeEvents: ChannelState[];
}

/** What an operator (or an assistant through MCP) asks first: where each stream is and what is stuck. */
export async function syncStatus(sql: Sql, job: SyncJob, options: { exclusive: boolean }): Promise<SyncStatus> {
  await reapDeadRuns(sql, { job: job.name, exclusive: options.exclusive });
  const streams = [];
  for (const s of job.streams) {
    const { rows } = await sql.query<{ cursor: string | null; linked: number; waiting: number; given_up: number }>(
      `SELECT (SELECT cursor FROM sync.cursors WHERE job = $1 AND stream = $2) AS cursor,
              (SELECT count(*)::int FROM sync.records WHERE job = $1 AND stream = $2 AND deleted_at IS NULL) AS linked,
              (SELECT count(*)::int FROM sync.pending WHERE job = $1 AND stream = $2 AND attempts < $3) AS waiting,
              (SELECT count(*)::int FROM sync.pending WHERE job = $1 AND stream = $2 AND attempts >= $3) AS given_up`,
      [job.name, s.name, job.maxAttempts],
    );
    const r = rows[0]!;
    streams.push({ stream: s.name, cursor: r.cursor, linked: r.linked, waiting: r.waiting, givenUp: r.given_up });
  }
  return { job: job.name, streams, ...(await history(sql, job.name)) };
}

/** The runs, waiting records and audit tally of a job, as kept in the database. */
async function history(sql: Sql, job: string): Promise<Omit<SyncStatus, 'job' | 'streams'>> {
  const runs = await sql.query<{
    run_id: string;
    started_at: Date;
    finished_at: Date | null;
    status: string;
    dry_run: boolean;
    counts: unknown;
    error: string | null;
    owner_pid: number | null;
    owner_host: string | null;
  }>(
    'SELECT run_id, started_at, finished_at, status, dry_run, counts, error, owner_pid, owner_host FROM sync.runs WHERE job = $1 ORDER BY started_at DESC LIMIT 10',
    [job],
  );
  const waiting = await sql.query<{ stream: string; source_id: string; attempts: number; reason: string }>(
    'SELECT stream, source_id, attempts, reason FROM sync.pending WHERE job = $1 ORDER BY stream, first_seen, source_id LIMIT 100',
    [job],
  );
  const audit = await sql.query<{ stream: string; result: string; count: number }>(
    'SELECT stream, result, count(*)::int AS count FROM sync.audit WHERE job = $1 GROUP BY stream, result ORDER BY stream, result',
    [job],
  );
  return {
    runs: runs.rows.map((r) => ({
      runId: r.run_id,
      startedAt: new Date(r.started_at).toISOString(),
      finishedAt: r.finished_at ? new Date(r.finished_at).toISOString() : null,
      status: r.status,
      dryRun: r.dry_run,
      counts: r.counts,
      error: r.error,
      owner: r.owner_pid !== null && r.owner_host !== null ? { pid: r.owner_pid, host: r.owner_host } : null,
    })),
    waiting: waiting.rows.map((w) => ({
      stream: w.stream,
      sourceId: w.source_id,
      attempts: w.attempts,
      reason: w.reason,
    })),
    audit: audit.rows,
    changeEvents: await channelStates(sql, job),
  };
}

/** Job names the database has runs of, newest run first. */
export async function syncJobNames(sql: Sql): Promise<string[]> {
  const { rows } = await sql.query<{ job: string }>(
    'SELECT job FROM sync.runs GROUP BY job ORDER BY max(started_at) DESC LIMIT 1000',
  );
  return rows.map((r) => r.job);
}

/**
 * A job's status from the database alone, when its job file is not at hand (MCP's resource by job name): the streams
 * are those the database has seen, and a record waiting is counted in `pending` whether or not it has used up the
 * retries its job file allows, which only that file says.
 */
export async function syncStatusByName(
  sql: Sql,
  job: string,
  options: { exclusive: boolean },
): Promise<
  Omit<SyncStatus, 'streams'> & {
    streams: Array<{ stream: string; cursor: string | null; linked: number; pending: number }>;
  }
> {
  await reapDeadRuns(sql, { job, exclusive: options.exclusive });
  const { rows } = await sql.query<{ stream: string; cursor: string | null; linked: number; pending: number }>(
    `SELECT s.stream,
            (SELECT cursor FROM sync.cursors c WHERE c.job = $1 AND c.stream = s.stream) AS cursor,
            (SELECT count(*)::int FROM sync.records r WHERE r.job = $1 AND r.stream = s.stream AND r.deleted_at IS NULL) AS linked,
            (SELECT count(*)::int FROM sync.pending p WHERE p.job = $1 AND p.stream = s.stream) AS pending
       FROM (SELECT stream FROM sync.cursors WHERE job = $1 UNION SELECT DISTINCT stream FROM sync.records WHERE job = $1
             UNION SELECT DISTINCT stream FROM sync.pending WHERE job = $1) s
      ORDER BY s.stream`,
    [job],
  );
  return { job, streams: rows, ...(await history(sql, job)) };
}
