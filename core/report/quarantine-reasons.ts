import type { Sql } from '../db/sql';
import type { QuarantineReasons } from './schemas';

/** Reason classes listed one by one; the rest are folded into one line. */
export const REASON_CLASS_LIMIT = 20;
/** Examples shown per reason class (with file and line). */
export const EXAMPLES_PER_CLASS = 3;
/** Characters of a raw row or a reason shown in an example; the page stays small however long the rows are. */
export const EXAMPLE_CHARS = 200;

/** A text column cut to `EXAMPLE_CHARS`, with an ellipsis when something was cut. */
const clip = (column: string) =>
  `CASE WHEN length(${column}) > ${EXAMPLE_CHARS} THEN left(${column}, ${EXAMPLE_CHARS}) || '…' ELSE ${column} END`;

/**
 * A reason without what varies between rows: the text before its first quote (where the offending value starts),
 * with every number written N. `expected 23 fields, found 24 (…)` and `not a date (DMY order): "31/02/2019"` become
 * `expected N fields, found N (…)` and `not a date (DMY order)`. A reason that starts with a value keeps its start.
 */
export const REASON_CLASS_SQL = `coalesce(nullif(left(btrim(regexp_replace(split_part(reason, '"', 1), '[0-9]+', 'N', 'g'), E' \\t:;,'), 160), ''), left(reason, 80))`;

/** Quarantine of one run grouped into reason classes, with counts and a few examples each. Aggregated in SQL. */
export async function readQuarantineReasons(sql: Sql, object: string, runId: string): Promise<QuarantineReasons> {
  const { rows: totals } = await sql.query<{ entries: number; classes: number }>(
    `SELECT count(*)::int AS entries, count(DISTINCT class)::int AS classes
       FROM (SELECT ${REASON_CLASS_SQL} AS class FROM staging.quarantine WHERE object = $1 AND run_id = $2) q`,
    [object, runId],
  );
  const { rows: shown } = await sql.query<{ class: string; count: number }>(
    `SELECT ${REASON_CLASS_SQL} AS class, count(*)::int AS count
       FROM staging.quarantine WHERE object = $1 AND run_id = $2 GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT $3`,
    [object, runId, REASON_CLASS_LIMIT],
  );
  const total = totals[0]?.entries ?? 0;
  const listed = shown.reduce((sum, c) => sum + c.count, 0);
  const { rows: examples } = await sql.query<{
    class: string;
    source: string;
    line: number | null;
    legacy_id: string | null;
    field: string | null;
    reason: string;
    raw: string | null;
  }>(
    `SELECT class, source, line, legacy_id, field, reason, raw FROM (
       SELECT ${REASON_CLASS_SQL} AS class, source, line, ${clip('legacy_id')} AS legacy_id, ${clip('field')} AS field,
              ${clip('reason')} AS reason, ${clip('raw')} AS raw,
              row_number() OVER (PARTITION BY ${REASON_CLASS_SQL} ORDER BY source, line NULLS LAST, id) AS n
         FROM staging.quarantine WHERE object = $1 AND run_id = $2) q
      WHERE n <= $3 AND class = ANY($4::text[])
      ORDER BY array_position($4::text[], class), n`,
    [object, runId, EXAMPLES_PER_CLASS, shown.map((c) => c.class)],
  );
  return {
    total,
    classes: shown.map((c) => ({ key: c.class, count: c.count })),
    otherClasses: { classes: (totals[0]?.classes ?? 0) - shown.length, entries: total - listed },
    examples: examples.map((e) => ({
      reasonClass: e.class,
      source: e.source,
      line: e.line,
      legacyId: e.legacy_id,
      field: e.field,
      reason: e.reason,
      raw: e.raw,
    })),
  };
}
