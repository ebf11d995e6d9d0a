import type { Sql } from '../../db/sql';
import { ident, qualified } from '../../db/sql';
import type { Connector, ConnectionCheck, FieldSchema, FieldType, ObjectSchema, ReadItem, ReadOptions, UpsertInput, UpsertResult } from '../connector';

export interface MirrorTable {
  table: string;
  idColumn: string;
  legacyIdColumn?: string;
  modifiedColumn?: string;
}

export interface PostgresMirrorOptions {
  schema: string;
  /** Object name -> table; objects not listed are read from a table of the same name with `defaultIdColumn`. */
  tables?: Record<string, MirrorTable>;
  defaultIdColumn?: string;
  pageSize?: number;
}

const TYPE_MAP: Record<string, FieldType> = {
  integer: 'integer', bigint: 'integer', smallint: 'integer', numeric: 'number', real: 'number',
  'double precision': 'number', boolean: 'boolean', date: 'date',
  'timestamp with time zone': 'datetime', 'timestamp without time zone': 'datetime',
};

/** Cursor of an incremental read: the last modified time and ID seen, so equal timestamps are not skipped. */
export function encodeCursor(modified: string, id: string): string {
  return `${modified}|${id}`;
}

function decodeCursor(cursor: string): { modified: string; id: string | null } {
  const bar = cursor.lastIndexOf('|');
  return bar < 0 ? { modified: cursor, id: null } : { modified: cursor.slice(0, bar), id: cursor.slice(bar + 1) };
}

/** A CRM mirrored into Postgres (one table per object, one column per property), read and written with plain SQL. */
export class PostgresMirrorConnector implements Connector {
  readonly system = 'postgres';
  private readonly pageSize: number;

  constructor(
    private readonly sql: Sql,
    private readonly options: PostgresMirrorOptions,
  ) {
    ident(options.schema, 'schema name');
    this.pageSize = options.pageSize ?? 5000;
  }

  tableOf(object: string): MirrorTable {
    return this.options.tables?.[object] ?? { table: object, idColumn: this.options.defaultIdColumn ?? 'id' };
  }

  async checkConnection(): Promise<ConnectionCheck> {
    try {
      const { rows } = await this.sql.query<{ n: string }>(
        'SELECT count(*)::text AS n FROM information_schema.tables WHERE table_schema = $1',
        [this.options.schema],
      );
      const n = Number(rows[0]?.n ?? 0);
      return n > 0
        ? { ok: true, message: `schema ${this.options.schema} has ${n} table(s)` }
        : { ok: false, message: `schema ${this.options.schema} has no tables (is the mirror loaded?)` };
    } catch (error) {
      return { ok: false, message: (error as Error).message };
    }
  }

  async listObjects(): Promise<string[]> {
    const { rows } = await this.sql.query<{ table_name: string }>(
      'SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name',
      [this.options.schema],
    );
    const present = new Set(rows.map((r) => r.table_name));
    const configured = Object.entries(this.options.tables ?? {}).filter(([, t]) => present.has(t.table)).map(([o]) => o);
    return configured.length ? configured : [...present];
  }

  private async columns(object: string): Promise<Array<{ name: string; type: string; nullable: boolean; unique: boolean }>> {
    const { table } = this.tableOf(object);
    const { rows } = await this.sql.query<{ name: string; type: string; nullable: boolean; unique: boolean }>(
      `SELECT c.column_name AS name, c.data_type AS type, c.is_nullable = 'YES' AS nullable,
              EXISTS (
                SELECT 1 FROM pg_index i
                JOIN pg_class t ON t.oid = i.indrelid
                JOIN pg_namespace n ON n.oid = t.relnamespace
                JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = i.indkey[0]
                WHERE n.nspname = c.table_schema AND t.relname = c.table_name AND a.attname = c.column_name
                  AND i.indisunique AND i.indnatts = 1 AND i.indpred IS NULL
              ) AS unique
         FROM information_schema.columns c
        WHERE c.table_schema = $1 AND c.table_name = $2
        ORDER BY c.ordinal_position`,
      [this.options.schema, table],
    );
    if (rows.length === 0) throw new Error(`Table ${this.options.schema}.${table} (object "${object}") does not exist`);
    return rows;
  }

  async describe(object: string): Promise<ObjectSchema> {
    const { idColumn } = this.tableOf(object);
    const columns = await this.columns(object);
    const fields: FieldSchema[] = columns.map((c) => ({
      name: c.name,
      type: TYPE_MAP[c.type] ?? (c.type === 'text' || c.type.startsWith('character') ? 'string' : 'unknown'),
      required: !c.nullable,
      unique: c.unique,
    }));
    return { object, idField: idColumn, fields };
  }

  async *read(object: string, options: ReadOptions = {}): AsyncGenerator<ReadItem, void, undefined> {
    const spec = this.tableOf(object);
    const table = qualified(this.options.schema, spec.table);
    const id = ident(spec.idColumn);
    const wanted = options.properties ?? (await this.columns(object)).map((c) => c.name).filter((c) => c !== spec.idColumn);
    const select = wanted.map((p, i) => `${ident(p, 'column name')}::text AS c${i}`).join(', ');
    const modified = spec.modifiedColumn ? ident(spec.modifiedColumn) : null;
    if (options.since && !modified) throw new Error(`Object "${object}" has no modified column: incremental reads need one`);

    // Keyset pagination: each page is an indexed range scan, whatever the table size, and needs no open cursor.
    let after = options.since ? decodeCursor(options.since) : null;
    let lastId: string | null = after?.id ?? null;
    for (;;) {
      options.signal?.throwIfAborted();
      const params: unknown[] = [];
      let where = '';
      let order = id;
      if (modified) {
        order = `${modified}, ${id}`;
        if (after) {
          params.push(after.modified);
          where = after.id === null ? `WHERE ${modified} > $1` : `WHERE (${modified}, ${id}) > ($1, $2)`;
          if (after.id !== null) params.push(after.id);
        }
      } else if (lastId !== null) {
        params.push(lastId);
        where = `WHERE ${id} > $1`;
      }
      params.push(this.pageSize);
      const modifiedSelect = modified ? `, ${modified}::text AS __modified, to_json(${modified}) #>> '{}' AS __modified_json` : '';
      const { rows } = await this.sql.query<Record<string, string | null>>(
        `SELECT ${id}::text AS __id${modifiedSelect}${select ? `, ${select}` : ''} FROM ${table} ${where} ORDER BY ${order} LIMIT $${params.length}`,
        params,
      );
      for (const row of rows) {
        const properties: Record<string, string | null> = {};
        wanted.forEach((p, i) => (properties[p] = row[`c${i}`] ?? null));
        yield { type: 'record', record: { id: row.__id!, properties, modifiedAt: row.__modified_json ?? undefined, origin: { source: `${this.options.schema}.${spec.table}` } } };
      }
      if (rows.length < this.pageSize) return;
      const last = rows[rows.length - 1]!;
      lastId = last.__id!;
      if (modified) after = { modified: last.__modified!, id: last.__id! };
    }
  }

  /**
   * Inserts or updates rows by a key column that has a unique index (without one, two writers could both insert).
   * A row whose values are already there is reported unchanged and not touched.
   */
  async upsert(object: string, records: UpsertInput[], options: { keyProperty: string }): Promise<UpsertResult[]> {
    if (records.length === 0) return [];
    const spec = this.tableOf(object);
    const columns = await this.columns(object);
    const byName = new Map(columns.map((c) => [c.name, c]));
    const key = byName.get(options.keyProperty);
    if (!key) throw new Error(`${this.options.schema}.${spec.table} has no column "${options.keyProperty}"`);
    if (!key.unique) throw new Error(`${this.options.schema}.${spec.table}.${options.keyProperty} has no unique index, so upserts by it are not safe`);
    const results = new Map<string, UpsertResult>();
    const props = [...new Set(records.flatMap((r) => Object.keys(r.properties)))].filter((p) => p !== options.keyProperty);
    for (const p of props) {
      if (!byName.has(p)) {
        for (const r of records) if (p in r.properties) results.set(r.key, { key: r.key, status: 'failed', error: `unknown column "${p}"` });
      }
    }
    const valid = records.filter((r) => !results.has(r.key));
    const cols = [options.keyProperty, ...props.filter((p) => byName.has(p))];
    const castOf = (c: string) => (byName.get(c)!.type === 'USER-DEFINED' ? 'text' : byName.get(c)!.type);
    const table = qualified(this.options.schema, spec.table);
    const list = cols.map((c) => ident(c)).join(', ');
    const setters = cols.slice(1).map((c) => `${ident(c)} = EXCLUDED.${ident(c)}`).join(', ');
    const distinct = cols.slice(1).map((c) => `${table}.${ident(c)}`).join(', ');
    const excluded = cols.slice(1).map((c) => `EXCLUDED.${ident(c)}`).join(', ');
    // Each row in its own statement, so one bad value fails that record and not the batch.
    for (const r of valid) {
      const values = cols.map((c) => (c === options.keyProperty ? r.key : (r.properties[c] ?? null)));
      const placeholders = cols.map((c, i) => `$${i + 1}::${castOf(c)}`).join(', ');
      const onConflict = setters ? `DO UPDATE SET ${setters} WHERE (${distinct}) IS DISTINCT FROM (${excluded})` : 'DO NOTHING';
      try {
        const { rows } = await this.sql.query<{ id: string; inserted: boolean }>(
          `INSERT INTO ${table} (${list}) VALUES (${placeholders}) ON CONFLICT (${ident(options.keyProperty)}) ${onConflict}
           RETURNING ${ident(spec.idColumn)}::text AS id, (xmax = 0) AS inserted`,
          values,
        );
        const row = rows[0];
        results.set(r.key, row ? { key: r.key, status: row.inserted ? 'created' : 'updated', id: row.id } : { key: r.key, status: 'unchanged' });
      } catch (error) {
        results.set(r.key, { key: r.key, status: 'failed', error: (error as Error).message });
      }
    }
    return records.map((r) => results.get(r.key)!);
  }
}
