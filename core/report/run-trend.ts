import type { Sql } from '../db/sql';
import type { RunTrend, Tally } from './schemas';

/** Succeeded runs drawn in the trend; older ones are counted. */
export const TREND_RUNS = 60;

/** Counts the reconciliation log keeps for every run (its status columns and the row-level tallies). */
const LOGGED_COUNTS = [
  'matched',
  'fuzzy_match',
  'new',
  'conflict',
  'orphan',
  'quarantined',
  'field_issues',
  'updates_pending',
];

/**
 * Counts per succeeded run, oldest first. The log's rows are read whole (`to_jsonb`), so a status that staging holds
 * and the log gained a column for after this was written shows up too, and a column the log lacks is simply absent.
 */
export async function readTrend(sql: Sql, object: string, statuses: Tally[]): Promise<RunTrend> {
  const { rows } = await sql.query<{
    run_id: string;
    started_at: Date;
    finished_at: Date | null;
    log: Record<string, unknown>;
    total: number;
  }>(
    `SELECT run_id, started_at, finished_at, to_jsonb(l) AS log, (count(*) OVER ())::int AS total
       FROM staging.reconciliation_log l WHERE object = $1 AND status = 'succeeded' ORDER BY started_at DESC LIMIT $2`,
    [object, TREND_RUNS],
  );
  const wanted = [...new Set([...LOGGED_COUNTS, ...statuses.map((s) => s.key)])];
  const metrics = wanted.filter((m) => rows.some((r) => typeof r.log[m] === 'number'));
  return {
    metrics,
    total: rows[0]?.total ?? 0,
    runs: rows.reverse().map((r) => ({
      runId: r.run_id,
      startedAt: r.started_at.toISOString(),
      finishedAt: r.finished_at?.toISOString() ?? null,
      counts: Object.fromEntries(metrics.map((m) => [m, typeof r.log[m] === 'number' ? (r.log[m] as number) : 0])),
    })),
  };
}
