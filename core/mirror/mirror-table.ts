import type { FieldType } from '../connectors/connector';
import { ident, qualified, type Sql } from '../db/sql';

const COLUMN_TYPES: Record<FieldType, string> = {
  string: 'text',
  enum: 'text',
  unknown: 'text',
  number: 'numeric',
  integer: 'bigint',
  boolean: 'boolean',
  date: 'date',
  datetime: 'timestamptz',
};

export interface MirrorColumnSpec {
  name: string;
  type: FieldType;
}

export interface EnsuredTable {
  created: boolean;
  columnsAdded: string[];
}

/**
 * The mirror table of one object, with a column per property it mirrors: created when missing (the record ID as
 * primary key, an index on the legacy-ID column), and missing columns added to an existing table, whose other
 * columns and their types are left as they are.
 */
export async function ensureMirrorTable(
  sql: Sql,
  schema: string,
  table: string,
  key: string,
  columns: MirrorColumnSpec[],
  legacyIdColumn?: string,
): Promise<EnsuredTable> {
  const name = qualified(schema, table);
  await sql.query(`CREATE SCHEMA IF NOT EXISTS ${ident(schema, 'schema name')}`);
  const { rows } = await sql.query<{ column_name: string }>(
    'SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2',
    [schema, table],
  );
  if (rows.length === 0) {
    const defs = [
      `${ident(key, 'column name')} bigint PRIMARY KEY`,
      ...columns.filter((c) => c.name !== key).map((c) => `${ident(c.name, 'column name')} ${COLUMN_TYPES[c.type]}`),
    ];
    await sql.query(`CREATE TABLE IF NOT EXISTS ${name} (${defs.join(', ')})`);
    if (legacyIdColumn)
      await sql.query(
        `CREATE INDEX IF NOT EXISTS ${ident(`${table}_${legacyIdColumn}_idx`, 'index name')} ON ${name} (${ident(legacyIdColumn, 'column name')})`,
      );
    return { created: true, columnsAdded: [] };
  }
  const present = new Set(rows.map((r) => r.column_name));
  const missing = columns.filter((c) => !present.has(c.name));
  for (const c of missing)
    await sql.query(
      `ALTER TABLE ${name} ADD COLUMN IF NOT EXISTS ${ident(c.name, 'column name')} ${COLUMN_TYPES[c.type]}`,
    );
  return { created: false, columnsAdded: missing.map((c) => c.name) };
}
