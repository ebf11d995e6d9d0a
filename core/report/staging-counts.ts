import { ident, type Sql } from '../db/sql';
import type { ConfidenceBin, ObjectReport, RunInfo, Tally } from './schemas';

/** Properties listed in the drift chart; the rest are counted in one line. */
export const DRIFT_LIMIT = 25;

interface RunRow {
  run_id: string;
  status: string;
  source: string;
  target: string;
  started_at: Date;
  finished_at: Date | null;
  error: string | null;
  legacy_rows: number;
  quarantined: number;
  field_issues: number;
}

const toRun = (r: RunRow): RunInfo => ({
  runId: r.run_id,
  status: r.status,
  source: r.source,
  target: r.target,
  startedAt: r.started_at.toISOString(),
  finishedAt: r.finished_at?.toISOString() ?? null,
  error: r.error,
  legacyRows: r.legacy_rows,
  quarantined: r.quarantined,
  fieldIssues: r.field_issues,
});

/** The most recent run of the object and the latest one that succeeded (the run the staging table holds). */
export async function readRuns(
  sql: Sql,
  object: string,
): Promise<{ latest: RunInfo | null; succeeded: RunInfo | null }> {
  const columns =
    'run_id, status, source, target, started_at, finished_at, error, legacy_rows, quarantined, field_issues';
  const latest = await sql.query<RunRow>(
    `SELECT ${columns} FROM staging.reconciliation_log WHERE object = $1 ORDER BY started_at DESC LIMIT 1`,
    [object],
  );
  const succeeded = await sql.query<RunRow>(
    `SELECT ${columns} FROM staging.reconciliation_log WHERE object = $1 AND status = 'succeeded' ORDER BY started_at DESC LIMIT 1`,
    [object],
  );
  return {
    latest: latest.rows[0] ? toRun(latest.rows[0]) : null,
    succeeded: succeeded.rows[0] ? toRun(succeeded.rows[0]) : null,
  };
}

/** Rows per status, whatever statuses the table holds, and the matched rows that still have properties to update. */
export async function readStatuses(
  sql: Sql,
  object: string,
): Promise<{ records: number; statuses: Tally[]; updatesPending: number }> {
  const table = `staging.${ident(object, 'object name')}`;
  const { rows } = await sql.query<{ status: string; count: number; pending: number }>(
    `SELECT status, count(*)::int AS count,
            count(*) FILTER (WHERE status = 'matched' AND properties_to_update IS NOT NULL AND properties_to_update <> '{}'::jsonb)::int AS pending
       FROM ${table} GROUP BY status ORDER BY count(*) DESC, status`,
  );
  return {
    records: rows.reduce((sum, r) => sum + r.count, 0),
    statuses: rows.map((r) => ({ key: r.status, count: r.count })),
    updatesPending: rows.reduce((sum, r) => sum + r.pending, 0),
  };
}

/**
 * Fuzzy matches per match confidence (0-100, so at most 101 rows). Each value keeps its own bar: the linker's
 * confidences crowd near 100, and wider bins would fold that spread into a single bar.
 */
export async function readConfidence(sql: Sql, object: string): Promise<ObjectReport['fuzzy']> {
  const table = `staging.${ident(object, 'object name')}`;
  const { rows } = await sql.query<{ confidence: number | null; count: number }>(
    `SELECT match_confidence AS confidence, count(*)::int AS count
       FROM ${table} WHERE status = 'fuzzy_match' GROUP BY 1 ORDER BY 1 NULLS LAST`,
  );
  const bins: ConfidenceBin[] = rows
    .filter((r) => r.confidence !== null)
    .map((r) => ({ from: r.confidence!, to: r.confidence! + 1, count: r.count }));
  return {
    total: rows.reduce((sum, r) => sum + r.count, 0),
    withoutConfidence: rows.find((r) => r.confidence === null)?.count ?? 0,
    bins,
  };
}

/** How many matched rows would change each property in HubSpot, most drifted first. */
export async function readDrift(sql: Sql, object: string): Promise<ObjectReport['drift']> {
  const table = `staging.${ident(object, 'object name')}`;
  const { rows } = await sql.query<{ key: string; count: number; properties: number }>(
    `SELECT key, count(*)::int AS count, (count(*) OVER ())::int AS properties
       FROM ${table} s, jsonb_object_keys(s.properties_to_update) AS key
      WHERE s.status = 'matched' AND jsonb_typeof(s.properties_to_update) = 'object'
      GROUP BY key ORDER BY count(*) DESC, key LIMIT $1`,
    [DRIFT_LIMIT],
  );
  const { rows: drifted } = await sql.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM ${table}
      WHERE status = 'matched' AND jsonb_typeof(properties_to_update) = 'object' AND properties_to_update <> '{}'::jsonb`,
  );
  return {
    rows: drifted[0]?.n ?? 0,
    properties: rows.map((r) => ({ key: r.key, count: r.count })),
    more: Math.max(0, (rows[0]?.properties ?? 0) - rows.length),
  };
}
