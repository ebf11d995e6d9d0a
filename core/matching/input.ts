import type { FieldConfig } from './config';
import { MatchInputError } from './errors';
import { findIdColumn } from './presets';

export type InputRecord = Readonly<Record<string, unknown>>;

export interface QuarantinedRow {
  /** Position in the input (0-based) and, for link, which side. */
  index: number;
  source?: 'left' | 'right';
  id: string | null;
  reason: string;
}

/** A column's cells as text, one per accepted row; null where the record had no value. */
export type Cells = Array<string | null>;

export interface AcceptedRows {
  ids: string[];
  rows: InputRecord[];
  /** Each column a field reads, taken out of the accepted rows in the same pass that checked them. */
  columns: Map<string, Cells>;
  quarantine: QuarantinedRow[];
}

/** Every column that appears in any record, in order of first appearance. */
export function columnsOf(records: readonly InputRecord[]): string[] {
  const seen = new Set<string>();
  for (const r of records) for (const k of Object.keys(r)) seen.add(k);
  return [...seen];
}

export function resolveIdColumn(columns: readonly string[], configured: string | undefined, label: string): string {
  if (configured !== undefined) {
    if (!columns.includes(configured)) throw new MatchInputError(`${label}: the ID column "${configured}" is not among the columns (${columns.slice(0, 12).join(', ')})`);
    return configured;
  }
  const found = findIdColumn(columns);
  if (found === undefined) {
    throw new MatchInputError(`${label}: no ID column found (looked for id, unique_id, rec_id, record_id, key); name one with idColumn. Columns: ${columns.slice(0, 12).join(', ')}`);
  }
  return found;
}

// U+FFFD is what a decoder writes for bytes that were not valid UTF-8; a lone surrogate is a broken UTF-16 pair.
const SUSPECT = /[\uD800-\uDFFF\uFFFD]/;
const BROKEN_TEXT = /\uFFFD|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export function cellText(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  return undefined as never;
}

/**
 * Keeps the rows that can be matched, and takes out the cells of the columns the fields read. A blank or repeated
 * ID, text that was not valid UTF-8, or a cell holding an object is set aside with its reason, never dropped
 * silently, and never stops the run. One pass reads each record once: at a million records every extra pass over
 * them costs about a second in cache misses alone.
 */
export function acceptRows(records: readonly InputRecord[], idColumn: string, fields: readonly FieldConfig[], source?: 'left' | 'right'): AcceptedRows {
  const used = [...new Set(fields.flatMap((f) => f.columns))];
  const cells: Cells[] = used.map(() => []);
  const firstSeen = new Map<string, number>();
  const out: AcceptedRows = { ids: [], rows: [], columns: new Map(used.map((c, k) => [c, cells[k]!])), quarantine: [] };
  for (let index = 0; index < records.length; index++) {
    // Cells go to the next accepted row's slot; a rejected row's are overwritten by the next row's.
    const reason = rejection(records[index], idColumn, used, firstSeen, index, cells, out.rows.length);
    if (typeof reason === 'string') {
      out.ids.push(reason);
      out.rows.push(records[index]!);
    } else out.quarantine.push({ index, ...(source ? { source } : {}), id: reason.id, reason: reason.reason });
  }
  for (const c of cells) c.length = out.rows.length;
  return out;
}

/** The record's ID when it can be matched, or why not (one plain loop: this runs a million times). */
function rejection(record: InputRecord | null | undefined, idColumn: string, used: readonly string[], firstSeen: Map<string, number>, index: number, cells: Cells[], slot: number): string | { id: string | null; reason: string } {
  if (record === null || typeof record !== 'object') return { id: null, reason: 'not a record (an object of column values)' };
  const rawId = record[idColumn];
  const id = typeof rawId === 'object' ? null : cellText(rawId)?.trim() ?? null;
  if (id === null || id === '') return { id: null, reason: `blank ID in column "${idColumn}"` };
  const earlier = firstSeen.get(id);
  if (earlier !== undefined) return { id, reason: `duplicate ID "${id}" (first seen at row ${earlier})` };
  firstSeen.set(id, index);
  for (let c = 0; c < used.length; c++) {
    const column = used[c]!;
    const v = record[column];
    if (typeof v === 'string') {
      if (SUSPECT.test(v) && BROKEN_TEXT.test(v)) return { id, reason: `column "${column}" holds text that was not valid UTF-8 (replacement character)` };
      cells[c]![slot] = v;
      continue;
    }
    if (v !== null && v !== undefined && typeof v === 'object' && !(v instanceof Date)) return { id, reason: `column "${column}" holds ${Array.isArray(v) ? 'a list' : 'an object'}, not a value` };
    cells[c]![slot] = cellText(v);
  }
  return id;
}
