import { createHash } from 'node:crypto';
import pg, { type QueryResultRow } from 'pg';

/** The one query surface the core needs: a pg Pool, a pg PoolClient, or PGlite behind pg all satisfy it. */
export interface Sql {
  query<R extends QueryResultRow = QueryResultRow>(
    text: string,
    values?: unknown[],
  ): Promise<{ rows: R[]; rowCount: number | null }>;
  /**
   * `COPY <target> FROM STDIN` fed with `rows` in COPY's text format, where the connection speaks it some other way
   * than node-postgres (the embedded database). Use `copyInto` (core/db/copy.ts), which also covers pg clients.
   */
  bulkLoad?(target: string, rows: string): Promise<void>;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_$]{0,62}$/;

/**
 * Quotes an identifier for SQL. Names come from config files and n8n parameters, so they are
 * checked against a conservative pattern first: a name we cannot round-trip is rejected, never escaped into SQL.
 */
export function ident(name: string, what = 'identifier'): string {
  if (!IDENTIFIER.test(name)) {
    throw new Error(
      `Invalid ${what} "${name}": use letters, digits, _ or $ (at most 63 characters, not starting with a digit)`,
    );
  }
  return `"${name}"`;
}

export function qualified(schema: string, table: string): string {
  return `${ident(schema, 'schema name')}.${ident(table, 'table name')}`;
}

/** Runs `fn` inside BEGIN/COMMIT on one connection, rolling back on any error. */
export async function inTransaction<T>(sql: Sql, fn: () => Promise<T>): Promise<T> {
  await sql.query('BEGIN');
  try {
    const result = await fn();
    await sql.query('COMMIT');
    return result;
  } catch (error) {
    await sql.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

/**
 * The rows of `query`, `pageSize` at a time, through a cursor: planned once and read in one pass, where keyset pages
 * are planned page by page (on a table filled in the same transaction, without statistics, the planner sorted all of
 * it for every page). Inside a transaction only; `name` must be unique among the open cursors.
 */
export async function* cursorPages<R extends QueryResultRow>(
  sql: Sql,
  name: string,
  query: string,
  values: unknown[],
  pageSize: number,
): AsyncGenerator<R[]> {
  if (!Number.isInteger(pageSize) || pageSize < 1)
    throw new Error(`page size must be a positive integer, not ${pageSize}`);
  const cursor = ident(name, 'cursor name');
  await sql.query(`DECLARE ${cursor} NO SCROLL CURSOR FOR ${query}`, values);
  try {
    for (;;) {
      const { rows } = await sql.query<R>(`FETCH ${pageSize} FROM ${cursor}`);
      if (rows.length > 0) yield rows;
      if (rows.length < pageSize) return;
    }
  } finally {
    // In a transaction that already failed the cursor goes with the rollback; the failure on its way is what matters.
    await sql.query(`CLOSE ${cursor}`).catch(() => undefined);
  }
}

/** A stable 32-bit key for pg_advisory_lock, derived in SQL so every process computes the same one. */
export async function withAdvisoryLock<T>(sql: Sql, name: string, fn: () => Promise<T>): Promise<T> {
  await sql.query('SELECT pg_advisory_lock(hashtext($1))', [name]);
  try {
    return await fn();
  } finally {
    await sql.query('SELECT pg_advisory_unlock(hashtext($1))', [name]).catch(() => undefined);
  }
}

/**
 * `sql.query`, as a statement the server parses and plans once per connection when `sql` is a node-postgres client
 * or pool (the embedded database runs it as a plain query). For a hot statement whose planning costs more than its
 * execution; the name is derived from the text, so two texts never share one.
 */
export function queryPrepared<R extends QueryResultRow = QueryResultRow>(
  sql: Sql,
  text: string,
  values: unknown[],
): Promise<{ rows: R[]; rowCount: number | null }> {
  if (!(sql instanceof pg.Client || sql instanceof pg.Pool)) return sql.query<R>(text, values);
  const name = `crm_bridge_${createHash('sha1').update(text).digest('hex').slice(0, 20)}`;
  return sql.query<R>({ name, text, values });
}
