import type { Sql } from '../db/sql';
import { ident } from '../db/sql';
import { copyField, copyInto, copyJson, copyRows, copyTextArray } from '../db/copy';
import type { StagingRow } from './staging-row';

export interface WriteCounts {
  inserted: number;
  updated: number;
}

/**
 * A note or ID never carried the unit separator into staging (lists once travelled joined by it); kept so staged text
 * stays as it was.
 */
const SEPARATOR = '\u001f';
function cleanList(items: string[]): string[] {
  return items.some((i) => i.includes(SEPARATOR)) ? items.map((i) => i.replaceAll(SEPARATOR, ' ')) : items;
}

/**
 * The batch being written, loaded by COPY and then upserted from here in one statement. A temporary table is the
 * session's own, so concurrent runs of other objects (other connections) never see each other's batches.
 */
const BATCH_TABLE = 'crm_bridge_staging_batch';
const BATCH_COLUMNS =
  'legacy_id, target_id, target_ids, status, match_confidence, legacy_properties, properties_to_update, notes, source, source_line';

function batchRows(rows: StagingRow[]): string {
  return copyRows(
    rows.map((r) => [
      copyField(r.legacyId),
      copyField(r.targetId),
      copyTextArray(cleanList(r.targetIds)),
      copyField(r.status),
      copyField(r.matchConfidence),
      copyJson(r.legacyProperties),
      copyJson(r.propertiesToUpdate),
      copyTextArray(cleanList(r.notes)),
      copyField(r.source),
      copyField(r.sourceLine),
    ]),
  );
}

/**
 * Upserts staging rows by legacy ID. A row whose content is unchanged is not touched at all (its updated_at and
 * last_changed_run_id stay), which is what makes a re-run on the same input a no-op.
 *
 * The batch is bulk-loaded by COPY into a temporary table and upserted from there: PostgreSQL parses COPY's text
 * several times faster than it takes a JSON document apart with json_to_recordset, which was most of its work here.
 */
export async function writeStagingRows(
  sql: Sql,
  object: string,
  runId: string,
  rows: StagingRow[],
): Promise<WriteCounts> {
  if (rows.length === 0) return { inserted: 0, updated: 0 };
  const table = `staging.${ident(object, 'object name')}`;
  await sql.query(
    `CREATE TEMP TABLE IF NOT EXISTS ${BATCH_TABLE} (legacy_id text, target_id text, target_ids text[], status text,
       match_confidence int, legacy_properties jsonb, properties_to_update jsonb, notes text[], source text, source_line int)`,
  );
  await sql.query(`TRUNCATE ${BATCH_TABLE}`);
  await copyInto(sql, `${BATCH_TABLE} (${BATCH_COLUMNS})`, batchRows(rows));
  const { rows: written } = await sql.query<{ inserted: boolean }>(
    `INSERT INTO ${table} AS s (${BATCH_COLUMNS}, first_run_id, last_changed_run_id)
     SELECT ${BATCH_COLUMNS}, $1, $1 FROM ${BATCH_TABLE}
     ON CONFLICT (legacy_id) DO UPDATE SET
       target_id = EXCLUDED.target_id, target_ids = EXCLUDED.target_ids, status = EXCLUDED.status,
       match_confidence = EXCLUDED.match_confidence, legacy_properties = EXCLUDED.legacy_properties,
       properties_to_update = EXCLUDED.properties_to_update, notes = EXCLUDED.notes, source = EXCLUDED.source,
       source_line = EXCLUDED.source_line, last_changed_run_id = EXCLUDED.last_changed_run_id, updated_at = now()
     WHERE (s.target_id, s.target_ids, s.status, s.match_confidence, s.legacy_properties, s.properties_to_update, s.notes, s.source, s.source_line)
           IS DISTINCT FROM
           (EXCLUDED.target_id, EXCLUDED.target_ids, EXCLUDED.status, EXCLUDED.match_confidence, EXCLUDED.legacy_properties,
            EXCLUDED.properties_to_update, EXCLUDED.notes, EXCLUDED.source, EXCLUDED.source_line)
     RETURNING (xmax = 0) AS inserted`,
    [runId],
  );
  const inserted = written.filter((w) => w.inserted).length;
  return { inserted, updated: written.length - inserted };
}

/** Removes rows for legacy IDs that are in neither the export nor the target any more. */
export async function deleteStaleRows(sql: Sql, object: string, runId: string): Promise<number> {
  const table = `staging.${ident(object, 'object name')}`;
  const { rowCount } = await sql.query(
    `DELETE FROM ${table} s
      WHERE NOT EXISTS (SELECT 1 FROM staging.run_seen l WHERE l.run_id = $1 AND l.legacy_id = s.legacy_id)
        AND NOT EXISTS (SELECT 1 FROM staging.run_target t WHERE t.run_id = $1 AND t.legacy_id = s.legacy_id)`,
    [runId],
  );
  return rowCount ?? 0;
}
