/**
 * Loads the example HubSpot mirror (`hubspot-mirror/<table>.csv`) into Postgres. It drops and recreates the
 * mirror tables, so it only ever works inside a schema it created itself and marked with a comment.
 * Rows go in batches through `INSERT ... SELECT FROM unnest($1::text[], ...)`: one round trip per batch,
 * no COPY (which hangs on the embedded PGlite), and only the one `sql` handle it is given, used sequentially.
 */
import { createReadStream, existsSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse';
import { ident, qualified, type Sql } from '../core/db/sql';
import { MIRROR_TABLE_NAMES, MIRROR_TABLES, mirrorDdl, type MirrorTableName } from './mirror-schema';

export const EXAMPLE_SCHEMA_COMMENT = 'crm-bridge example mirror';

export interface LoadMirrorOptions {
  /** Target schema (default `hubspot`). Created and marked if absent; refused if it exists unmarked. */
  schema?: string;
  /** Rows per INSERT (default 2000). */
  batchSize?: number;
  /** Called after every batch with the rows loaded so far into that table. */
  onProgress?(table: string, rows: number): void;
}

/** Ensures `schema` exists and is ours; throws before touching anything otherwise. */
async function claimSchema(sql: Sql, schema: string): Promise<void> {
  const quoted = ident(schema, 'schema name');
  const { rows } = await sql.query<{ comment: string | null }>(
    `SELECT obj_description(n.oid, 'pg_namespace') AS comment FROM pg_namespace n WHERE n.nspname = $1`,
    [schema],
  );
  const existing = rows[0];
  if (existing) {
    if (existing.comment !== EXAMPLE_SCHEMA_COMMENT) {
      throw new Error(
        `Schema "${schema}" already exists and was not created by the example loader (it lacks the comment '${EXAMPLE_SCHEMA_COMMENT}'). ` +
          'Refusing to drop or replace tables in it: choose another schema, or drop it yourself if it is disposable.',
      );
    }
    return;
  }
  await sql.query(`CREATE SCHEMA ${quoted}`);
  await sql.query(`COMMENT ON SCHEMA ${quoted} IS '${EXAMPLE_SCHEMA_COMMENT}'`);
}

async function loadTable(
  sql: Sql,
  schema: string,
  table: MirrorTableName,
  file: string,
  batchSize: number,
  onProgress?: (table: string, rows: number) => void,
): Promise<number> {
  const spec = MIRROR_TABLES[table];
  const types = new Map(spec.columns.map((c) => [c.name, c.type]));
  await sql.query(`DROP TABLE IF EXISTS ${qualified(schema, table)}`);
  for (const statement of mirrorDdl(table, schema)) await sql.query(statement);

  const parser = createReadStream(file).pipe(parse({ bom: true, relax_column_count: false, skip_empty_lines: true }));
  let header: string[] | undefined;
  let insert = '';
  let batch: Array<Array<string | null>> = [];
  let loaded = 0;

  const flush = async () => {
    if (!header || batch.length === 0) return;
    const arrays = header.map((_, c) => batch.map((row) => row[c] ?? null));
    await sql.query(insert, arrays);
    loaded += batch.length;
    batch = [];
    onProgress?.(table, loaded);
  };

  for await (const record of parser as AsyncIterable<string[]>) {
    if (!header) {
      header = record;
      const unknown = header.filter((h) => !types.has(h));
      if (unknown.length)
        throw new Error(`${file}: column(s) ${unknown.join(', ')} are not in the ${table} mirror table`);
      if (new Set(header).size !== header.length) throw new Error(`${file}: repeated column names in the header`);
      const names = header.map((h) => ident(h, 'column name'));
      const params = header.map((_, i) => `$${i + 1}::text[]`);
      const casts = header.map((h, i) => {
        const type = types.get(h) ?? 'text';
        return type === 'text' ? names[i] : `${names[i]}::${type}`;
      });
      insert =
        `INSERT INTO ${qualified(schema, table)} (${names.join(', ')}) ` +
        `SELECT ${casts.join(', ')} FROM unnest(${params.join(', ')}) AS u(${names.join(', ')})`;
      continue;
    }
    batch.push(record.map((v) => (v === '' ? null : v)));
    if (batch.length >= batchSize) await flush();
  }
  await flush();
  return loaded;
}

/**
 * Loads every `<table>.csv` present in `dir` (companies, contacts, deals, engagements) and returns the
 * rows loaded per table. Tables whose file is absent are left alone.
 */
export async function loadMirror(sql: Sql, dir: string, opts: LoadMirrorOptions = {}): Promise<Record<string, number>> {
  const schema = opts.schema ?? 'hubspot';
  const batchSize = Math.max(1, Math.floor(opts.batchSize ?? 2000));
  const files = MIRROR_TABLE_NAMES.map((table) => ({ table, file: path.join(dir, `${table}.csv`) })).filter((f) =>
    existsSync(f.file),
  );
  if (files.length === 0)
    throw new Error(`No mirror CSV files (${MIRROR_TABLE_NAMES.map((t) => `${t}.csv`).join(', ')}) in ${dir}`);
  await claimSchema(sql, schema);
  const counts: Record<string, number> = {};
  for (const { table, file } of files) {
    counts[table] = await loadTable(sql, schema, table, file, batchSize, opts.onProgress);
  }
  return counts;
}
