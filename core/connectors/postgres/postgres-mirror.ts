import type { Sql } from '../../db/sql';
import { ident, qualified } from '../../db/sql';
import type {
  Connector,
  ConnectionCheck,
  DeleteResult,
  FieldSchema,
  FieldType,
  ObjectSchema,
  ReadItem,
  ReadOptions,
  UpsertInput,
  UpsertResult,
} from '../connector';
import { decodeCursor } from '../cursor';
import { deleteRows, missingRows, ROW_IDS_TABLE } from './row-ids';

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
  /**
   * Fields of tables not created yet, described as they will be: a dry run of the first mirror refresh plans against
   * the tables the real run creates before it writes.
   */
  planned?: Record<string, FieldSchema[]>;
}

const TYPE_MAP: Record<string, FieldType> = {
  integer: 'integer',
  bigint: 'integer',
  smallint: 'integer',
  numeric: 'number',
  real: 'number',
  'double precision': 'number',
  boolean: 'boolean',
  date: 'date',
  'timestamp with time zone': 'datetime',
  'timestamp without time zone': 'datetime',
};

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
    const present = new Set(rows.map((r) => r.table_name).filter((t) => t !== ROW_IDS_TABLE));
    const configured = Object.entries(this.options.tables ?? {})
      .filter(([, t]) => present.has(t.table))
      .map(([o]) => o);
    return configured.length ? configured : [...present];
  }

  private async columns(
    object: string,
    missingOk = false,
  ): Promise<Array<{ name: string; type: string; nullable: boolean; unique: boolean }>> {
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
    if (rows.length === 0 && !missingOk)
      throw new Error(`Table ${this.options.schema}.${table} (object "${object}") does not exist`);
    return rows;
  }

  async describe(object: string): Promise<ObjectSchema> {
    const { idColumn } = this.tableOf(object);
    const planned = this.options.planned?.[object];
    const columns = await this.columns(object, planned !== undefined);
    if (columns.length === 0 && planned) return { object, idField: idColumn, fields: planned };
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
    const wanted =
      options.properties ?? (await this.columns(object)).map((c) => c.name).filter((c) => c !== spec.idColumn);
    const select = wanted.map((p, i) => `${ident(p, 'column name')}::text AS c${i}`).join(', ');
    const modifiedColumn = spec.modifiedColumn ? ident(spec.modifiedColumn) : null;
    if (options.since && !modifiedColumn)
      throw new Error(`Object "${object}" has no modified column: incremental reads need one`);
    // A full read walks the primary key; only an incremental read needs modified-time order (and an index on
    // (modified, id) in the mirror to be fast). Sorting a full read by modified time would sort the table per page.
    const modified = options.since ? modifiedColumn : null;

    // Keyset pagination: each page is an indexed range scan, whatever the table size, and needs no open cursor.
    // The cursor's time goes to Postgres as written (it keeps microseconds), and IDs compare as the ID column's type.
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
          params.push(after.time);
          where = after.id === null ? `WHERE ${modified} > $1` : `WHERE (${modified}, ${id}) > ($1, $2)`;
          if (after.id !== null) params.push(after.id);
        }
      } else if (lastId !== null) {
        params.push(lastId);
        where = `WHERE ${id} > $1`;
      }
      params.push(this.pageSize);
      const modifiedSelect = modifiedColumn
        ? `, ${modifiedColumn}::text AS __modified, to_json(${modifiedColumn}) #>> '{}' AS __modified_json`
        : '';
      const { rows } = await this.sql.query<Record<string, string | null>>(
        `SELECT ${id}::text AS __id${modifiedSelect}${select ? `, ${select}` : ''} FROM ${table} ${where} ORDER BY ${order} LIMIT $${params.length}`,
        params,
      );
      for (const row of rows) {
        const properties: Record<string, string | null> = {};
        wanted.forEach((p, i) => (properties[p] = row[`c${i}`] ?? null));
        yield {
          type: 'record',
          record: {
            id: row.__id!,
            properties,
            modifiedAt: row.__modified_json ?? undefined,
            origin: { source: `${this.options.schema}.${spec.table}` },
          },
        };
      }
      if (rows.length < this.pageSize) return;
      const last = rows[rows.length - 1]!;
      lastId = last.__id!;
      if (modified) after = { time: last.__modified!, id: last.__id! };
    }
  }

  /** The rows with these IDs (in pages of `pageSize`); IDs the table does not have are left out. */
  async *readByIds(
    object: string,
    ids: string[],
    options: Omit<ReadOptions, 'since'> = {},
  ): AsyncGenerator<ReadItem, void, undefined> {
    const spec = this.tableOf(object);
    const table = qualified(this.options.schema, spec.table);
    const id = ident(spec.idColumn);
    const wanted =
      options.properties ?? (await this.columns(object)).map((c) => c.name).filter((c) => c !== spec.idColumn);
    const select = wanted.map((p, i) => `${ident(p, 'column name')}::text AS c${i}`).join(', ');
    const unique = [...new Set(ids)];
    for (let i = 0; i < unique.length; i += this.pageSize) {
      options.signal?.throwIfAborted();
      const { rows } = await this.sql.query<Record<string, string | null>>(
        `SELECT ${id}::text AS __id${select ? `, ${select}` : ''} FROM ${table} WHERE ${id}::text = ANY($1::text[]) ORDER BY ${id}`,
        [unique.slice(i, i + this.pageSize)],
      );
      for (const row of rows) {
        const properties: Record<string, string | null> = {};
        wanted.forEach((p, k) => (properties[p] = row[`c${k}`] ?? null));
        yield {
          type: 'record',
          record: { id: row.__id!, properties, origin: { source: `${this.options.schema}.${spec.table}` } },
        };
      }
    }
  }

  /** Rows missing since the last call, as deletions (the first call takes the baseline); see row-ids.ts. */
  async *readDeleted(
    object: string,
    options: Omit<ReadOptions, 'properties'> = {},
  ): AsyncGenerator<ReadItem, void, undefined> {
    yield* missingRows(this.sql, object, { schema: this.options.schema, ...this.tableOf(object) }, options.since);
  }

  /** Deletes rows by ID, one result per ID (`missing` for a row not there). */
  async delete(object: string, ids: string[]): Promise<DeleteResult[]> {
    return deleteRows(this.sql, { schema: this.options.schema, ...this.tableOf(object) }, ids);
  }

  /** Deletes the rows with these IDs; returns how many there were. */
  async deleteByIds(object: string, ids: string[]): Promise<number> {
    if (ids.length === 0) return 0;
    const spec = this.tableOf(object);
    const { rowCount } = await this.sql.query(
      `DELETE FROM ${qualified(this.options.schema, spec.table)} WHERE ${ident(spec.idColumn)}::text = ANY($1::text[])`,
      [[...new Set(ids)]],
    );
    return rowCount ?? 0;
  }

  /**
   * Inserts or updates rows by a key column that has a unique index (without one, two writers could both insert).
   * A row whose values are already there is reported unchanged and not touched. Update comes first, so a partial
   * record can update a row whose other required columns it does not carry.
   */
  async upsert(object: string, records: UpsertInput[], options: { keyProperty: string }): Promise<UpsertResult[]> {
    if (records.length === 0) return [];
    const spec = this.tableOf(object);
    const columns = await this.columns(object);
    const byName = new Map(columns.map((c) => [c.name, c]));
    const key = byName.get(options.keyProperty);
    if (!key) throw new Error(`${this.options.schema}.${spec.table} has no column "${options.keyProperty}"`);
    if (!key.unique)
      throw new Error(
        `${this.options.schema}.${spec.table}.${options.keyProperty} has no unique index, so upserts by it are not safe`,
      );
    const table = qualified(this.options.schema, spec.table);
    const castOf = (c: string) => (byName.get(c)!.type === 'USER-DEFINED' ? 'text' : byName.get(c)!.type);
    const keyMatch = `${ident(options.keyProperty)} = $1::${castOf(options.keyProperty)}`;
    const returning = `RETURNING ${ident(spec.idColumn)}::text AS id`;

    const upsertOne = async (r: UpsertInput): Promise<UpsertResult> => {
      const unknown = Object.keys(r.properties).filter((p) => !byName.has(p));
      if (unknown.length)
        return {
          key: r.key,
          status: 'failed',
          error: `unknown column${unknown.length > 1 ? 's' : ''} ${unknown.map((u) => `"${u}"`).join(', ')}`,
        };
      const cols = Object.keys(r.properties).filter((c) => c !== options.keyProperty);
      const values = [r.key, ...cols.map((c) => r.properties[c] ?? null)];
      const params = cols.map((c, i) => `$${i + 2}::${castOf(c)}`);
      for (let attempt = 0; attempt < 2; attempt++) {
        if (cols.length) {
          const set = cols.map((c, i) => `${ident(c)} = ${params[i]}`).join(', ');
          const changed = cols.map((c, i) => `${ident(c)} IS DISTINCT FROM ${params[i]}`).join(' OR ');
          const updated = await this.sql.query<{ id: string }>(
            `UPDATE ${table} SET ${set} WHERE ${keyMatch} AND (${changed}) ${returning}`,
            values,
          );
          if (updated.rows[0]) return { key: r.key, status: 'updated', id: updated.rows[0].id };
        }
        const existing = await this.sql.query<{ id: string }>(
          `SELECT ${ident(spec.idColumn)}::text AS id FROM ${table} WHERE ${keyMatch}`,
          [r.key],
        );
        if (existing.rows[0]) return { key: r.key, status: 'unchanged', id: existing.rows[0].id };
        const list = [options.keyProperty, ...cols].map((c) => ident(c)).join(', ');
        const inserted = await this.sql.query<{ id: string }>(
          `INSERT INTO ${table} (${list}) VALUES ($1::${castOf(options.keyProperty)}${params.length ? `, ${params.join(', ')}` : ''})
           ON CONFLICT (${ident(options.keyProperty)}) DO NOTHING ${returning}`,
          values,
        );
        if (inserted.rows[0]) return { key: r.key, status: 'created', id: inserted.rows[0].id };
        // Another writer inserted the same key between our update and insert: go round once more as an update.
      }
      return { key: r.key, status: 'failed', error: 'the row kept changing under concurrent writers' };
    };

    const results: UpsertResult[] = [];
    // One statement per record, so one bad value fails that record and not its batch.
    for (const r of records) {
      try {
        results.push(await upsertOne(r));
      } catch (error) {
        results.push({ key: r.key, status: 'failed', error: (error as Error).message });
      }
    }
    return results;
  }
}
