import type { Sql } from '../db/sql';
import type { SyncedRecord, Values } from './store';

/** Which system the engine deleted (or flagged) a linked record in. */
export type DeletedIn = 'source' | 'target';

/** A link as the delete pass sees it: live, or closed by a delete the engine made (a tombstone). */
export interface LinkState extends SyncedRecord {
  deletedIn: DeletedIn | null;
}

/**
 * Links of a stream by source or target ID, tombstones included: a deletion read back from the system the engine
 * deleted it in is the engine's own, and must not travel again.
 */
export async function loadLinkStates(
  sql: Sql,
  job: string,
  stream: string,
  by: 'source' | 'target',
  ids: string[],
): Promise<Map<string, LinkState>> {
  if (ids.length === 0) return new Map();
  const column = by === 'source' ? 'source_id' : 'target_id';
  const { rows } = await sql.query<{
    source_id: string;
    target_id: string | null;
    target_key: string;
    written: Values;
    deleted_in: DeletedIn | null;
  }>(
    `SELECT source_id, target_id, target_key, written, deleted_in FROM sync.records
      WHERE job = $1 AND stream = $2 AND ${column} = ANY($3::text[])`,
    [job, stream, ids],
  );
  const out = new Map<string, LinkState>();
  for (const r of rows) {
    const key = by === 'source' ? r.source_id : r.target_id;
    if (key === null) continue;
    out.set(key, {
      sourceId: r.source_id,
      targetId: r.target_id,
      targetKey: r.target_key,
      written: r.written,
      deletedIn: r.deleted_in,
    });
  }
  return out;
}

/** Live links of a stream: the base the mass-delete guard measures a run's deletions against. */
export async function countLinked(sql: Sql, job: string, stream: string): Promise<number> {
  const { rows } = await sql.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM sync.records WHERE job = $1 AND stream = $2 AND deleted_at IS NULL',
    [job, stream],
  );
  return rows[0]?.n ?? 0;
}

/** Closes links whose record the engine deleted or flagged; `written` carries a flag's value where one was set. */
export async function closeLinks(
  sql: Sql,
  job: string,
  stream: string,
  closed: Array<{ sourceId: string; written?: Values }>,
  deletedIn: DeletedIn,
): Promise<void> {
  if (closed.length === 0) return;
  await sql.query(
    `UPDATE sync.records r SET deleted_at = now(), deleted_in = $3, updated_at = now(),
            written = CASE WHEN c.written IS NULL THEN r.written ELSE r.written || c.written END
       FROM jsonb_to_recordset($4::jsonb) AS c(source_id text, written jsonb)
      WHERE r.job = $1 AND r.stream = $2 AND r.source_id = c.source_id`,
    [
      job,
      stream,
      deletedIn,
      JSON.stringify(closed.map((c) => ({ source_id: c.sourceId, written: c.written ?? null }))),
    ],
  );
}
