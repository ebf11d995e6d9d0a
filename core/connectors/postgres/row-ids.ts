import type { Sql } from '../../db/sql';
import { ident, qualified } from '../../db/sql';
import type { DeleteResult, ReadItem } from '../connector';
import { decodeCursor } from '../cursor';

/** The table, in the mirror's own schema, of the row IDs each object had when its deletions were last asked for. */
export const ROW_IDS_TABLE = '_crm_bridge_row_ids';

export interface RowTable {
  schema: string;
  table: string;
  idColumn: string;
}

/**
 * Rows missing since the deletions of `object` were last asked for, as deletions: a mirror table has no recycling
 * bin, so the IDs are kept (`_crm_bridge_row_ids`) and each call compares them with the table. A row gone is stamped
 * deleted at that call (its `modifiedAt`); a row that comes back is live again. The first call only takes the
 * baseline: it reports nothing. `since` (a time or a `time|id` cursor) keeps the deletions stamped after it.
 */
export async function* missingRows(
  sql: Sql,
  object: string,
  spec: RowTable,
  since: string | undefined,
): AsyncGenerator<ReadItem, void, undefined> {
  const ids = qualified(spec.schema, ROW_IDS_TABLE);
  const table = qualified(spec.schema, spec.table);
  const id = ident(spec.idColumn);
  await sql.query(
    `CREATE TABLE IF NOT EXISTS ${ids} (object text NOT NULL, id text NOT NULL, deleted_at timestamptz, PRIMARY KEY (object, id))`,
  );
  // One statement (the connector may run on a pool): the rows gone and the rows (back) in the table are disjoint.
  await sql.query(
    `WITH gone AS (
       UPDATE ${ids} k SET deleted_at = now()
        WHERE k.object = $1 AND k.deleted_at IS NULL AND NOT EXISTS (SELECT 1 FROM ${table} m WHERE m.${id}::text = k.id)
       RETURNING 1)
     INSERT INTO ${ids} (object, id) SELECT $1, m.${id}::text FROM ${table} m
     ON CONFLICT (object, id) DO UPDATE SET deleted_at = NULL WHERE ${ids}.deleted_at IS NOT NULL`,
    [object],
  );
  const after = since ? decodeCursor(since).time : null;
  const { rows } = await sql.query<{ id: string; at: string }>(
    `SELECT id, to_json(deleted_at) #>> '{}' AS at FROM ${ids}
      WHERE object = $1 AND deleted_at IS NOT NULL AND ($2::timestamptz IS NULL OR deleted_at > $2::timestamptz)
      ORDER BY deleted_at, id`,
    [object, after],
  );
  for (const r of rows)
    yield {
      type: 'record',
      record: {
        id: r.id,
        properties: {},
        modifiedAt: r.at,
        origin: { source: `${spec.schema}.${spec.table}:deleted` },
      },
    };
}

/** Deletes rows by ID: `deleted` for each row there was, `missing` for the others. */
export async function deleteRows(sql: Sql, spec: RowTable, ids: string[]): Promise<DeleteResult[]> {
  if (ids.length === 0) return [];
  const { rows } = await sql.query<{ id: string }>(
    `DELETE FROM ${qualified(spec.schema, spec.table)} WHERE ${ident(spec.idColumn)}::text = ANY($1::text[])
     RETURNING ${ident(spec.idColumn)}::text AS id`,
    [[...new Set(ids)]],
  );
  const gone = new Set(rows.map((r) => r.id));
  return ids.map((id) => ({ id, status: gone.has(id) ? 'deleted' : 'missing' }));
}
