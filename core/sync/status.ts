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
              (SELECT count(*)::int FROM sync.records WHERE job = $1 AND stream = $2) AS linked,
              (SELECT count(*)::int FROM sync.pending WHERE job = $1 AND stream = $2 AND attempts < $3) AS waiting,
              (SELECT count(*)::int FROM sync.pending WHERE job = $1 AND stream = $2 AND attempts >= $3) AS given_up`,
      [job.name, s.name, job.maxAttempts],
    );
    const r = rows[0]!;
    streams.push({ stream: s.name, cursor: r.cursor, linked: r.linked, waiting: r.waiting, givenUp: r.given_up });
  }
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
    [job.name],
  );
  const waiting = await sql.query<{ stream: string; source_id: string; attempts: number; reason: string }>(
    'SELECT stream, source_id, attempts, reason FROM sync.pending WHERE job = $1 ORDER BY stream, first_seen, source_id LIMIT 100',
    [job.name],
  );
  const audit = await sql.query<{ stream: string; result: string; count: number }>(
    'SELECT stream, result, count(*)::int AS count FROM sync.audit WHERE job = $1 GROUP BY stream, result ORDER BY stream, result',
    [job.name],
  );
  return {
    job: job.name,
    streams,
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
    changeEvents: await channelStates(sql, job.name),
  };
}
