import { ident, qualified, type Sql } from '../db/sql';
import type { LoadedMapping } from '../mapping/load-mapping';
import {
  STAGING_COLUMNS,
  targetRecord,
  type LookupRead,
  type QuarantineEntry,
  type StagingRowFound,
  type TargetRecord,
} from './lookup-result';

/**
 * A lookup read one table at a time: whether the object was reconciled, its staging rows, their quarantine entries,
 * then the mirror, whose failure becomes a note rather than a failed lookup. The one-statement read falls back to
 * this whenever it cannot answer, so every edge case is decided here. Null when the object was never reconciled.
 */
export async function readStepwise(
  sql: Sql,
  mapping: LoadedMapping,
  object: string,
  ids: string[],
): Promise<LookupRead | null> {
  const { rows: state } = await sql.query<{ reconciled: boolean; finished_at: Date | null }>(
    `SELECT to_regclass(format('staging.%I', $1::text)) IS NOT NULL AS reconciled,
            (SELECT finished_at FROM staging.reconciliation_log WHERE object = $1 AND status = 'succeeded'
              ORDER BY finished_at DESC LIMIT 1) AS finished_at`,
    [object],
  );
  if (!state[0]!.reconciled) return null;
  const { rows } = await sql.query<StagingRowFound>(
    `SELECT ${STAGING_COLUMNS} FROM staging.${ident(object)} WHERE legacy_id = ANY($1::text[])`,
    [ids],
  );
  const quarantine = await quarantineOf(sql, object, ids);
  const targets = new Map<string, TargetRecord>();
  let targetProblem: string | null = null;
  try {
    for (const t of await readTargets(sql, mapping, object, [...new Set(rows.flatMap((r) => r.target_ids))]))
      targets.set(t.id, t);
  } catch (error) {
    targetProblem = `target records could not be read from the mirror: ${(error as Error).message}`;
  }
  return {
    lastRunAt: state[0]!.finished_at?.toISOString() ?? null,
    staged: new Map(rows.map((r) => [r.legacy_id, r])),
    quarantine,
    targets,
    targetProblem,
  };
}

async function readTargets(sql: Sql, mapping: LoadedMapping, object: string, ids: string[]): Promise<TargetRecord[]> {
  const spec = mapping.config.objects[object];
  if (!spec || ids.length === 0) return [];
  const table = qualified(mapping.config.target.schema, spec.target.table);
  const { rows } = await sql.query<{ id: string; properties: Record<string, unknown> }>(
    // The IDs' type is left for Postgres to infer from the column (bigint in a HubSpot mirror): casting the column
    // to text instead would make every lookup read the whole mirror rather than its primary key.
    `SELECT ${ident(spec.target.idColumn)}::text AS id, to_jsonb(t) AS properties FROM ${table} t WHERE ${ident(spec.target.idColumn)} = ANY($1)`,
    [ids],
  );
  return rows.map((r) => targetRecord(r.id, r.properties));
}

/** Quarantine entries of the IDs, at most 50 per ID (as a single lookup shows). */
async function quarantineOf(sql: Sql, object: string, ids: string[]): Promise<Map<string, QuarantineEntry[]>> {
  const { rows } = await sql.query<QuarantineEntry & { legacy_id: string }>(
    `SELECT legacy_id, source, line, field, reason FROM (
       SELECT legacy_id, source, line, field, reason,
              row_number() OVER (PARTITION BY legacy_id ORDER BY source, line NULLS LAST, id) AS n
         FROM staging.quarantine WHERE object = $1 AND legacy_id = ANY($2::text[])) q
      WHERE n <= 50 ORDER BY legacy_id, n`,
    [object, ids],
  );
  const byId = new Map<string, QuarantineEntry[]>();
  for (const { legacy_id, ...entry } of rows) {
    const list = byId.get(legacy_id) ?? [];
    list.push(entry);
    byId.set(legacy_id, list);
  }
  return byId;
}
