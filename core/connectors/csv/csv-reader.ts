import { createReadStream } from 'node:fs';
import path from 'node:path';
import { parse, type Options } from 'csv-parse';
import iconv from 'iconv-lite';
import type { ReadItem } from '../connector';
import { sniffFile, type Sniffed } from './sniff';

export interface CsvReadOptions {
  /** Column holding the record ID; a row without one is quarantined. */
  idColumn: string;
  /** Columns the caller needs; a file missing any of them is refused up front. */
  requiredColumns?: string[];
  /** Column names for a file without a header row. */
  columns?: string[];
  encoding?: Sniffed['encoding'];
  delimiter?: Sniffed['delimiter'];
  /** Only rows whose `modifiedColumn` parses to a time after `since`. */
  modifiedColumn?: string;
  since?: string;
  /** Reject repeated IDs (default). Costs memory per distinct ID; a caller deduplicating in a database passes false. */
  rejectDuplicateIds?: boolean;
}

export interface CsvLayout extends Sniffed {
  file: string;
  header: string[];
  hasHeaderRow: boolean;
}

export class CsvFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CsvFormatError';
  }
}

const ICONV_NAMES = { utf8: 'utf8', utf16le: 'utf16le', utf16be: 'utf16be', windows1252: 'win1252' } as const;

const norm = (s: string) => s.trim().toLowerCase();

/**
 * A header row names the columns we expect; failing that, it looks like names (distinct, non-empty, not numbers
 * or dates). Exports without one need the column names passed in.
 */
export function looksLikeHeader(first: string[], expected: string[]): boolean {
  if (expected.length > 0) {
    const names = new Set(first.map(norm));
    // The ID column alone settles it: then missing columns get their own, precise error.
    if (names.has(norm(expected[0]!))) return true;
    const hits = expected.filter((c) => names.has(norm(c))).length;
    return hits >= Math.max(1, Math.ceil(expected.length / 2));
  }
  const distinct = new Set(first.map(norm)).size === first.length;
  const namelike = first.every((f) => f.trim() !== '' && !/^[-+]?[\d.,/: ]+$/.test(f.trim()));
  return distinct && namelike;
}

/** Lines a record spans; whether csv-parse's raw text ends with the record delimiter varies, so it is ignored. */
function physicalLines(raw: string): number {
  return (raw.replace(/\r?\n$/, '').match(/\n/g)?.length ?? 0) + 1;
}

async function* parseRows(file: string, sniffed: Sniffed) {
  const source = path.basename(file);
  let nextLine = 1;
  const skipped: Array<{ line: number; reason: string; raw: string }> = [];
  const options: Options = {
    delimiter: sniffed.delimiter,
    bom: true,
    raw: true,
    relax_quotes: true,
    relax_column_count: true,
    skip_empty_lines: false,
    skip_records_with_error: true,
    // With `raw`, csv-parse hands over { record, raw }; lines are counted from the raw text because its own
    // line counter drifts after quoted line breaks.
    on_record: ((wrapped: { record: string[]; raw: string }) => {
      const line = nextLine;
      nextLine += physicalLines(wrapped.raw);
      return { record: wrapped.record, line, raw: wrapped.raw };
    }) as unknown as Options['on_record'],
    on_skip: ((error: { message: string; raw?: string } | undefined, raw?: string) => {
      const text = error?.raw ?? raw ?? '';
      skipped.push({ line: nextLine, reason: error?.message ?? 'unreadable CSV record', raw: text });
      nextLine += physicalLines(text);
    }) as unknown as Options['on_skip'],
  };
  const parser = parse(options);
  const stream = createReadStream(file).pipe(iconv.decodeStream(ICONV_NAMES[sniffed.encoding])).pipe(parser);
  for await (const row of stream as AsyncIterable<{ record: string[]; line: number; raw: string }>) {
    while (skipped.length) yield { kind: 'skipped' as const, source, ...skipped.shift()! };
    yield { kind: 'row' as const, source, ...row };
  }
  while (skipped.length) yield { kind: 'skipped' as const, source, ...skipped.shift()! };
}

/** Reads the layout of an export: encoding, delimiter and header, from its first 64 KiB. */
export async function inspectCsv(file: string, options: Pick<CsvReadOptions, 'columns' | 'encoding' | 'delimiter' | 'idColumn' | 'requiredColumns'>): Promise<CsvLayout> {
  const sniffed = await sniffFile(file, { encoding: options.encoding, delimiter: options.delimiter });
  let first: string[] | undefined;
  for await (const item of parseRows(file, sniffed)) {
    if (item.kind === 'row' && !(item.record.length === 1 && item.record[0] === '')) {
      first = item.record;
      break;
    }
  }
  if (!first) throw new CsvFormatError(`${path.basename(file)} is empty: no header and no records`);
  const expected = [options.idColumn, ...(options.requiredColumns ?? [])].filter((c) => c !== '');
  const hasHeaderRow = looksLikeHeader(first, options.columns ? [] : expected) && !options.columns;
  const header = hasHeaderRow ? first.map((h) => h.trim()) : options.columns;
  if (!header) {
    // A first row of names is a header that lacks the ID column the caller named; a row of values is no header at all.
    const named = looksLikeHeader(first, []);
    throw new CsvFormatError(
      `${path.basename(file)} ${named ? 'has a header row' : 'has no header row'}: its first row (${first.slice(0, 6).join(', ')}${first.length > 6 ? ', …' : ''}) ` +
        `does not name the expected column${expected.length > 1 ? 's' : ''} ${expected.slice(0, 4).join(', ')}${expected.length > 4 ? ', …' : ''}. ` +
        (named
          ? 'Name the ID column as the header writes it: --id-column for dedupe and link, --key for upsert, --legacy-id for suggest-mapping, ' +
            "or the object's legacy.idColumn in a mapping file (--mapping) for reconcile."
          : 'Add a header row naming the columns (the ID column as --id-column, --key or the mapping\'s legacy.idColumn names it).'),
    );
  }
  return { ...sniffed, file, header, hasHeaderRow };
}

export function resolveColumns(layout: CsvLayout, wanted: string[]): Map<string, number> {
  const index = new Map<string, number>();
  layout.header.forEach((h, i) => {
    if (!index.has(norm(h))) index.set(norm(h), i);
  });
  const missing = wanted.filter((w) => !index.has(norm(w)));
  if (missing.length) {
    throw new CsvFormatError(
      `${path.basename(layout.file)} lacks column${missing.length > 1 ? 's' : ''} ${missing.join(', ')} ` +
        `(header has: ${layout.header.slice(0, 12).join(', ')}${layout.header.length > 12 ? ', …' : ''})`,
    );
  }
  return index;
}

/**
 * Streams the records of one export file. Rows that cannot be trusted (wrong number of fields, no ID, an ID seen
 * before, broken quoting) are yielded as rejections with their physical line number instead of being dropped.
 */
export async function* readCsv(file: string, options: CsvReadOptions): AsyncGenerator<ReadItem, void, undefined> {
  const layout = await inspectCsv(file, options);
  const index = resolveColumns(layout, [options.idColumn, ...(options.requiredColumns ?? []), ...(options.modifiedColumn ? [options.modifiedColumn] : [])]);
  const idIndex = index.get(norm(options.idColumn))!;
  const modifiedIndex = options.modifiedColumn ? index.get(norm(options.modifiedColumn)) : undefined;
  const since = options.since ? Date.parse(options.since) : undefined;
  if (options.since && (since === undefined || Number.isNaN(since))) throw new CsvFormatError(`"since" is not a date/time: ${options.since}`);
  if (since !== undefined && modifiedIndex === undefined) throw new CsvFormatError('reading "since" a time needs a modified-date column');
  // ID -> first line. Bounded by the file's row count, which is the price of catching duplicate IDs in one pass.
  const firstLineOfId = options.rejectDuplicateIds === false ? null : new Map<string, number>();
  let headerPending = layout.hasHeaderRow;
  const width = layout.header.length;
  for await (const item of parseRows(file, layout)) {
    const source = item.source;
    if (item.kind === 'skipped') {
      yield { type: 'rejected', rejection: { source, line: item.line, reason: item.reason, raw: item.raw.slice(0, 2000) } };
      continue;
    }
    const { record, line, raw } = item;
    if (record.length === 1 && record[0]!.trim() === '') continue; // blank line
    if (headerPending) {
      headerPending = false;
      continue;
    }
    const id = record[idIndex]?.trim() ?? '';
    if (record.length !== width) {
      const reason = `expected ${width} fields, found ${record.length} (${record.length > width ? 'an extra delimiter or unquoted value' : 'missing fields'})`;
      yield { type: 'rejected', rejection: { source, line, recordId: id || undefined, reason, raw: raw.slice(0, 2000) } };
      continue;
    }
    if (!id) {
      yield { type: 'rejected', rejection: { source, line, field: options.idColumn, reason: `missing ${options.idColumn}`, raw: raw.slice(0, 2000) } };
      continue;
    }
    const seenAt = firstLineOfId?.get(id);
    if (seenAt !== undefined) {
      yield { type: 'rejected', rejection: { source, line, recordId: id, field: options.idColumn, reason: `duplicate ${options.idColumn} ${id}: first seen on line ${seenAt}`, raw: raw.slice(0, 2000) } };
      continue;
    }
    firstLineOfId?.set(id, line);
    if (since !== undefined && modifiedIndex !== undefined) {
      const modified = Date.parse(record[modifiedIndex] ?? '');
      if (!(modified > since)) continue;
    }
    const properties: Record<string, string | null> = {};
    layout.header.forEach((h, i) => {
      const v = record[i] ?? '';
      properties[h] = v === '' ? null : v;
    });
    yield { type: 'record', record: { id, properties, origin: { source, line } } };
  }
}
