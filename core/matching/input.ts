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

/** A column's cells as the records hold them, one per row that is a record; checked where they are read. */
export type Cells = readonly unknown[];

/** A row set aside: its position among the rows taken (link: left rows first), the column at fault (none: its ID), and why. */
export interface RowRejection {
  row: number;
  column?: string;
  reason: string;
}

export interface TakenRows {
  /** Every input item that is a record, in input order. */
  rows: InputRecord[];
  /** Each row's position in the input; null when every item was a record (the usual case). */
  positions: number[] | null;
  /** Each row's ID, trimmed; '' when blank. */
  ids: string[];
  /** The cells of each column a field reads. */
  columns: Map<string, Cells>;
  /** Items that are not records at all. */
  quarantine: QuarantinedRow[];
}

/** Every column that appears in any record, in order of first appearance. */
export function columnsOf(records: readonly InputRecord[]): string[] {
  const seen = new Set<string>();
  // Items that are not records are quarantined later (takeRows), not read here.
  for (const r of records) if (r !== null && typeof r === 'object') for (const k of Object.keys(r)) seen.add(k);
  return [...seen];
}

export function resolveIdColumn(columns: readonly string[], configured: string | undefined, label: string): string {
  if (configured !== undefined) {
    if (!columns.includes(configured))
      throw new MatchInputError(
        `${label}: the ID column "${configured}" is not among the columns (${columns.slice(0, 12).join(', ')})`,
      );
    return configured;
  }
  const found = findIdColumn(columns);
  if (found === undefined) {
    throw new MatchInputError(
      `${label}: no ID column found (looked for id, unique_id, rec_id, record_id, key); name one with idColumn. Columns: ${columns.slice(0, 12).join(', ')}`,
    );
  }
  return found;
}

// U+FFFD is what a decoder writes for bytes that were not valid UTF-8; a lone surrogate is a broken UTF-16 pair; a
// NUL byte is binary data or a file read in the wrong encoding (UTF-16 as UTF-8), never text anyone typed.
const SUSPECT = /[\u0000\uD800-\uDFFF\uFFFD]/;
const BROKEN_TEXT = /\u0000|\uFFFD|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export function hasBrokenText(v: string): boolean {
  return SUSPECT.test(v) && BROKEN_TEXT.test(v);
}

/** An ID is copied into every output that names the record: control characters in it would travel too. */
const CONTROL = /[\u0000-\u001f\u007f]/;

/** The longest ID a quarantine entry repeats: enough to find the row, not a copy of a runaway cell. */
const QUARANTINE_ID_CHARS = 100;

export function quarantineId(id: string): string | null {
  if (id === '') return null;
  return id.length > QUARANTINE_ID_CHARS ? `${id.slice(0, QUARANTINE_ID_CHARS)}…` : id;
}

/** A cell as text: null when empty; undefined for an object, which is no value (see cellProblem). */
export function cellText(value: unknown): string | null | undefined {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  return undefined;
}

/** Why a cell cannot be matched on, or null when it can. */
export function cellProblem(column: string, value: unknown): string | null {
  if (typeof value === 'string') {
    if (!hasBrokenText(value)) return null;
    return value.includes('\u0000')
      ? `column "${column}" holds a NUL byte (binary data, or a file read in the wrong encoding)`
      : `column "${column}" holds text that was not valid UTF-8 (replacement character)`;
  }
  if (cellText(value) === undefined)
    return `column "${column}" holds ${Array.isArray(value) ? 'a list' : 'an object'}, not a value`;
  return null;
}

/**
 * Takes the records out of the input with their IDs and the cells of the given columns, in one pass: at a million
 * records every pass over them costs about a second in cache misses alone, so the cells are checked later, where
 * each field reads them anyway (prepareField), and repeated IDs are found by checkIds, on either thread.
 */
export function takeRows(
  records: readonly InputRecord[],
  idColumn: string,
  columns: readonly string[],
  source?: 'left' | 'right',
): TakenRows {
  // Sized once and written by index: a million pushes per column would copy each array as it grows.
  const cells: unknown[][] = columns.map(() => new Array(records.length));
  const out: TakenRows = {
    rows: [],
    positions: null,
    ids: [],
    columns: new Map(columns.map((c, k) => [c, cells[k]!])),
    quarantine: [],
  };
  for (let index = 0; index < records.length; index++) {
    const record = records[index];
    if (record === null || typeof record !== 'object') {
      out.quarantine.push({
        index,
        ...(source ? { source } : {}),
        id: null,
        reason: 'not a record (an object of column values)',
      });
      out.positions ??= out.rows.map((_, k) => k);
      continue;
    }
    out.positions?.push(index);
    out.rows.push(record);
    const rawId = record[idColumn];
    out.ids.push(typeof rawId === 'string' ? rawId.trim() : (cellText(rawId)?.trim() ?? ''));
    const row = out.rows.length - 1;
    for (let c = 0; c < columns.length; c++) cells[c]![row] = record[columns[c]!];
  }
  for (const c of cells) c.length = out.rows.length;
  return out;
}

/** One source's IDs to check (see checkIds). */
export interface IdCheck {
  ids: string[];
  idColumn: string;
  /** Added to each row: the source's first row among all sources' rows. */
  offset: number;
  /** TakenRows.positions: names the earlier row of a repeat by its place in the input. */
  positions: number[] | null;
}

/**
 * Appends to `out` the rows whose ID is blank, or repeats an earlier row's (the first one is kept). One push per
 * row: a whole file of blank IDs is a million rejections, too many to spread into one call.
 */
export function checkIds({ ids, idColumn, offset, positions }: IdCheck, out: RowRejection[]): void {
  const firstSeen = new Map<string, number>();
  for (let row = 0; row < ids.length; row++) {
    const id = ids[row]!;
    if (id === '') {
      out.push({ row: row + offset, reason: `blank ID in column "${idColumn}"` });
      continue;
    }
    const control = CONTROL.exec(id);
    if (control) {
      const code = `U+${control[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
      out.push({
        row: row + offset,
        reason: `the ID in column "${idColumn}" holds a control character (${code}${code === 'U+0000' ? ', a NUL byte' : ''})`,
      });
      continue;
    }
    const earlier = firstSeen.get(id);
    if (earlier === undefined) firstSeen.set(id, row);
    else
      out.push({
        row: row + offset,
        reason: `duplicate ID "${quarantineId(id)}" (first seen at row ${positions ? positions[earlier]! : earlier})`,
      });
  }
}
