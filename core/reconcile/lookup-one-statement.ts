import type { Database } from '../db/database';
import { ident, qualified, queryPrepared, type Sql } from '../db/sql';
import type { LoadedMapping } from '../mapping/load-mapping';
import {
  STAGING_COLUMNS,
  targetRecord,
  type LookupRead,
  type QuarantineEntry,
  type StagingRowFound,
  type TargetRecord,
} from './lookup-result';

/** A type name as format_type() writes it (bigint, text, uuid, character varying(18), …), safe to splice into SQL. */
const TYPE_NAME = /^[A-Za-z_][A-Za-z0-9_ ]*(\(\d+(,\d+)?\))?$/;

/** The mirror ID column's type per database and table, read from the catalog once (see `mirrorIdType`). */
const idTypes = new WeakMap<Database, Map<string, string>>();

/**
 * The type of the mirror's ID column, or null while the object has no staging table or no mirror. The one statement
 * compares the staged target IDs (text) with that column in its own type so that Postgres reads the mirror by its
 * primary key; the type is not known until the mirror exists, so it is asked for, not assumed. Asked once per
 * process: both tables outlive a server's run (reconcile and mirror refreshes rewrite their rows, not their types).
 */
async function mirrorIdType(
  db: Database,
  sql: Sql,
  object: string,
  table: string,
  column: string,
): Promise<string | null> {
  const key = `${object}\n${table}.${column}`;
  const cached = idTypes.get(db)?.get(key);
  if (cached) return cached;
  const { rows } = await sql.query<{ staged: boolean; type: string | null }>(
    `SELECT to_regclass(format('staging.%I', $3::text)) IS NOT NULL AS staged,
            (SELECT format_type(a.atttypid, a.atttypmod) FROM pg_attribute a
              WHERE a.attrelid = to_regclass($1) AND a.attname = $2 AND a.attnum > 0 AND NOT a.attisdropped) AS type`,
    [table, column, object],
  );
  const type = rows[0]?.type;
  if (!rows[0]?.staged || !type || !TYPE_NAME.test(type)) return null;
  const known = idTypes.get(db) ?? new Map<string, string>();
  known.set(key, type);
  idTypes.set(db, known);
  return type;
}

/** A mirror or type that changed under a running server is asked for again at the next lookup. */
export function forgetMirrorIdTypes(db: Database): void {
  idTypes.delete(db);
}

type OneStatementRow = Partial<StagingRowFound> & {
  id: string;
  quarantine: QuarantineEntry[] | null;
  targets: Array<{ id: string; properties: Record<string, unknown> }> | null;
  finished_at: Date | null;
};

/**
 * The whole lookup read (last successful run, staging rows, quarantine, live mirror records) in one statement: under
 * load a lookup is a few index reads, so round trips are most of its cost. Returns null when it cannot answer in one
 * statement (no staging table or no mirror yet); it throws when the statement fails (a table dropped since, a target
 * ID the mirror's type refuses). The caller then reads step by step, which decides those cases as it always has.
 */
export async function readInOneStatement(
  db: Database,
  sql: Sql,
  mapping: LoadedMapping,
  object: string,
  ids: string[],
): Promise<LookupRead | null> {
  const spec = mapping.config.objects[object]!;
  const table = qualified(mapping.config.target.schema, spec.target.table);
  const idColumn = ident(spec.target.idColumn);
  const idType = await mirrorIdType(db, sql, object, table, spec.target.idColumn);
  if (!idType) return null;
  const { rows } = await queryPrepared<OneStatementRow>(
    sql,
    `SELECT i.legacy_id AS id, ${STAGING_COLUMNS.split(', ')
      .map((c) => `s.${c}`)
      .join(', ')},
            (SELECT json_agg(json_build_object('source', q.source, 'line', q.line, 'field', q.field, 'reason', q.reason)
                             ORDER BY q.source, q.line NULLS LAST, q.id)
               FROM (SELECT id, source, line, field, reason FROM staging.quarantine
                      WHERE object = $2 AND legacy_id = i.legacy_id
                      ORDER BY source, line NULLS LAST, id LIMIT 50) q) AS quarantine,
            (SELECT json_agg(json_build_object('id', t.${idColumn}::text, 'properties', to_jsonb(t)))
               FROM ${table} t WHERE t.${idColumn} = ANY(s.target_ids::${idType}[])) AS targets,
            (SELECT finished_at FROM staging.reconciliation_log WHERE object = $2 AND status = 'succeeded'
              ORDER BY finished_at DESC LIMIT 1) AS finished_at
       FROM unnest($1::text[]) AS i(legacy_id)
       LEFT JOIN staging.${ident(object)} s ON s.legacy_id = i.legacy_id`,
    [ids, object],
  );
  const staged = new Map<string, StagingRowFound>();
  const quarantine = new Map<string, QuarantineEntry[]>();
  const targets = new Map<string, TargetRecord>();
  for (const row of rows) {
    if (row.legacy_id !== null && row.legacy_id !== undefined) staged.set(row.id, row as StagingRowFound);
    if (row.quarantine) quarantine.set(row.id, row.quarantine);
    for (const t of row.targets ?? []) targets.set(t.id, targetRecord(t.id, t.properties));
  }
  return {
    lastRunAt: rows[0]?.finished_at?.toISOString() ?? null,
    staged,
    quarantine,
    targets,
    targetProblem: null,
  };
}
