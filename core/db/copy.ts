import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import type { Sql } from './sql';

/**
 * Bulk loads through `COPY ... FROM STDIN` in PostgreSQL's text format. Reconcile writes every staged row this way:
 * on the server, `json_to_recordset` cost PostgreSQL ~80 µs per staged row to take a batch apart, where COPY parses
 * the same rows in ~12 µs (BENCHMARKS.md, "Reconcile: where the time goes").
 */

/** `target` is the table and its column list, e.g. `staging.run_unmatched (run_id, legacy_id)`. */
export async function copyInto(sql: Sql, target: string, rows: string): Promise<void> {
  if (sql.bulkLoad) return sql.bulkLoad(target, rows);
  if (sql instanceof pg.Client) {
    // Loaded on first use: most commands never bulk-load.
    const { from } = await import('pg-copy-streams');
    await pipeline(Readable.from([rows]), sql.query(from(`COPY ${target} FROM STDIN`)));
    return;
  }
  throw new Error(
    `cannot bulk-load ${target}: the connection is neither a node-postgres client nor the embedded database's session`,
  );
}

const ESCAPES: Record<string, string> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };
const SPECIAL = /[\\\n\r\t]/;
const SPECIALS = /[\\\n\r\t]/g;

/** One field of a row in COPY's text format; null is `\N`. */
export function copyField(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '\\N';
  const text = typeof value === 'string' ? value : String(value);
  return SPECIAL.test(text) ? text.replace(SPECIALS, (c) => ESCAPES[c]!) : text;
}

/** A JSON value as a COPY field (for a json or jsonb column); null and undefined are SQL NULL. */
export function copyJson(value: unknown): string {
  return value === null || value === undefined ? '\\N' : copyField(JSON.stringify(value));
}

/** A text[] literal as a COPY field: every element quoted, so commas, braces and the word NULL stay text. */
export function copyTextArray(items: readonly string[]): string {
  if (items.length === 0) return '{}';
  let literal = '{';
  for (let i = 0; i < items.length; i++) {
    const item = items[i]!;
    literal += `${i ? ',' : ''}"${item.includes('"') || item.includes('\\') ? item.replace(/["\\]/g, '\\$&') : item}"`;
  }
  return copyField(`${literal}}`);
}

/** Rows of fields already encoded with the functions above, as COPY's text-format input. */
export function copyRows(rows: readonly string[][]): string {
  let text = '';
  for (const row of rows) text += `${row.join('\t')}\n`;
  return text;
}
