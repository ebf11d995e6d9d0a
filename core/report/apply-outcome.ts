import type { Sql } from '../db/sql';
import type { ApplyOutcome } from './schemas';

/** Refused records listed with HubSpot's reason; the rest are counted (staging.apply_audit has them all). */
export const REFUSED_LIMIT = 50;
const ERROR_CHARS = 1000;

/**
 * What the latest apply run of the object wrote and what the CRM refused, from the audit log. Dry runs write
 * nothing, so the latest run that was not one is reported; null when there is none.
 */
export async function readApplyOutcome(sql: Sql, object: string): Promise<ApplyOutcome | null> {
  const { rows: runs } = await sql.query<{
    run_id: string;
    target: string;
    status: string;
    started_at: Date;
    finished_at: Date | null;
    error: string | null;
  }>(
    `SELECT run_id, target, status, started_at, finished_at, left(error, ${ERROR_CHARS}) AS error
       FROM staging.apply_runs WHERE object = $1 AND NOT dry_run ORDER BY started_at DESC LIMIT 1`,
    [object],
  );
  const run = runs[0];
  if (!run) return null;
  const { rows: results } = await sql.query<{ action: string; result: string; count: number }>(
    `SELECT action, result, count(*)::int AS count FROM staging.apply_audit WHERE run_id = $1 AND object = $2
      GROUP BY action, result ORDER BY action, result`,
    [run.run_id, object],
  );
  const { rows: refused } = await sql.query<{
    legacy_id: string;
    action: string;
    target_id: string | null;
    error: string | null;
    at: Date;
  }>(
    `SELECT left(legacy_id, 300) AS legacy_id, action, left(target_id, 300) AS target_id, left(error, ${ERROR_CHARS}) AS error, at
       FROM staging.apply_audit WHERE run_id = $1 AND object = $2 AND result = 'failed' ORDER BY id LIMIT $3`,
    [run.run_id, object, REFUSED_LIMIT],
  );
  return {
    runId: run.run_id,
    target: run.target,
    status: run.status,
    startedAt: run.started_at.toISOString(),
    finishedAt: run.finished_at?.toISOString() ?? null,
    error: run.error,
    results,
    refused: {
      total: results.filter((r) => r.result === 'failed').reduce((sum, r) => sum + r.count, 0),
      records: refused.map((r) => ({
        legacyId: r.legacy_id,
        action: r.action,
        targetId: r.target_id,
        error: r.error,
        at: r.at.toISOString(),
      })),
    },
  };
}
