import type { Sql } from '../db/sql';
import { ident } from '../db/sql';
import type { StagingRow } from './staging-row';

export interface WriteCounts {
  inserted: number;
  updated: number;
}

/**
 * Arrays of arrays do not fit through unnest, so each list travels as one text joined by the unit separator (which
 * IDs and notes do not contain) and is split again in SQL; far cheaper per row than a JSON array and a subquery.
 */
const SEPARATOR = '\u001f';
function joinList(items: string[]): string {
  return items.map((i) => i.replaceAll(SEPARATOR, ' ')).join(SEPARATOR);
}

/**
 * Upserts staging rows by legacy ID. A row whose content is unchanged is not touched at all (its updated_at and
 * last_changed_run_id stay), which is what makes a re-run on the same input a no-op.
 */
export async function writeStagingRows(
  sql: Sql,
  object: string,
  runId: string,
  rows: StagingRow[],
): Promise<WriteCounts> {
  if (rows.length === 0) return { inserted: 0, updated: 0 };
  const table = `staging.${ident(object, 'object name')}`;
  const json = (v: unknown) => (v === null ? null : JSON.stringify(v));
  const { rows: written } = await sql.query<{ inserted: boolean }>(
    `INSERT INTO ${table} AS s (legacy_id, target_id, target_ids, status, match_confidence, legacy_properties,
                              properties_to_update, notes, source, source_line, first_run_id, last_changed_run_id)
     SELECT u.legacy_id, u.target_id, string_to_array(u.target_ids, E'\x1f'), u.status, u.confidence,
            u.legacy::jsonb, u.updates::jsonb, string_to_array(u.notes, E'\x1f'), u.source, u.line, $1, $1
       FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::int[], $7::text[], $8::text[], $9::text[], $10::text[], $11::int[])
            AS u(legacy_id, target_id, target_ids, status, confidence, legacy, updates, notes, source, line)
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
    [
      runId,
      rows.map((r) => r.legacyId),
      rows.map((r) => r.targetId),
      rows.map((r) => joinList(r.targetIds)),
      rows.map((r) => r.status),
      rows.map((r) => r.matchConfidence),
      rows.map((r) => json(r.legacyProperties)),
      rows.map((r) => json(r.propertiesToUpdate)),
      rows.map((r) => joinList(r.notes)),
      rows.map((r) => r.source),
      rows.map((r) => r.sourceLine),
    ],
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
