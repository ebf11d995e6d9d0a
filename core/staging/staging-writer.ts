import type { Sql } from '../db/sql';
import { ident } from '../db/sql';
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
 * Upserts staging rows by legacy ID. A row whose content is unchanged is not touched at all (its updated_at and
 * last_changed_run_id stay), which is what makes a re-run on the same input a no-op.
 *
 * The batch travels as one JSON document read by json_to_recordset: one native JSON.stringify per batch instead of
 * a JSON string per property object that the driver then escapes again, element by element, into array literals.
 */
export async function writeStagingRows(
  sql: Sql,
  object: string,
  runId: string,
  rows: StagingRow[],
): Promise<WriteCounts> {
  if (rows.length === 0) return { inserted: 0, updated: 0 };
  const table = `staging.${ident(object, 'object name')}`;
  const batch = JSON.stringify(
    rows.map((r) => ({
      legacy_id: r.legacyId,
      target_id: r.targetId,
      target_ids: cleanList(r.targetIds),
      status: r.status,
      confidence: r.matchConfidence,
      legacy: r.legacyProperties,
      updates: r.propertiesToUpdate,
      notes: cleanList(r.notes),
      source: r.source,
      line: r.sourceLine,
    })),
  );
  const { rows: written } = await sql.query<{ inserted: boolean }>(
    `INSERT INTO ${table} AS s (legacy_id, target_id, target_ids, status, match_confidence, legacy_properties,
                              properties_to_update, notes, source, source_line, first_run_id, last_changed_run_id)
     SELECT u.legacy_id, u.target_id, u.target_ids, u.status, u.confidence, u.legacy, u.updates, u.notes, u.source, u.line, $1, $1
       FROM json_to_recordset($2::json)
            AS u(legacy_id text, target_id text, target_ids text[], status text, confidence int, legacy jsonb, updates jsonb,
                 notes text[], source text, line int)
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
    [runId, batch],
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
