import { createReadStream } from 'node:fs';
import path from 'node:path';
import iconv from 'iconv-lite';
import type { ReadItem, Rejection } from '../connector';
import { DamageBlock, damageReason, fieldName, printable, type DamageAt } from './damage';
import { LineWindow, type Line } from './lines';
import { NEED_MORE, readRecord } from './records';
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
  /** The longest quoted value believed (default MAX_QUOTED_CHARS); a quote open for longer is taken to be one that never closes. */
  maxQuotedChars?: number;
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

/** The longest quoted value believed by default; a quote open for longer is taken to be one that never closes. */
export const MAX_QUOTED_CHARS = 1_000_000;

type Item =
  | { kind: 'record'; fields: string[]; line: number; lastLine: number; raw: string }
  | { kind: 'damaged'; fields: string[]; line: number; raw: string; damage: DamageAt };

function rawOf(lines: Line[], start: number, end: number): string {
  if (end === start + 1) return lines[start]!.text;
  let raw = '';
  for (let i = start; i < end; i++) raw += lines[i]!.text + (i + 1 < end ? lines[i]!.eol : '');
  return raw;
}

/**
 * The records and damaged lines of a file, in file order, with physical line numbers. `width` is the number of
 * fields a record must have (unknown while the header is being looked for).
 */
async function* parseRows(
  file: string,
  sniffed: Sniffed,
  width: number | undefined,
  maxQuotedChars = MAX_QUOTED_CHARS,
): AsyncGenerator<Item> {
  const window = new LineWindow(createReadStream(file).pipe(iconv.decodeStream(ICONV_NAMES[sniffed.encoding])));
  const options = { delimiter: sniffed.delimiter, width, maxQuotedChars };
  let afterDamage = false;
  for (;;) {
    if (window.head >= window.lines.length) {
      if (window.eof) return;
      await window.fill();
      continue;
    }
    const parsed = readRecord(window.lines, window.head, window.eof, { ...options, afterDamage });
    if (parsed === NEED_MORE) {
      await window.fill();
      continue;
    }
    const line = window.numberOf(parsed.start);
    const raw = rawOf(window.lines, parsed.start, parsed.end);
    // Damage ends at a line that reads as a record of the right width; blank lines and misshapen ones do not end it.
    if (parsed.kind === 'damaged') afterDamage = true;
    else if (width !== undefined && parsed.fields.length === width) afterDamage = false;
    if (parsed.kind === 'record') {
      yield { kind: 'record', fields: parsed.fields, line, lastLine: window.numberOf(parsed.end - 1), raw };
    } else {
      const d = parsed.damage;
      const at = (i: number) => window.numberOf(i);
      const damage: DamageAt =
        d.type === 'unclosed'
          ? { ...d, openedAt: at(d.openedAt) }
          : d.type === 'bad-close'
            ? { ...d, openedAt: at(d.openedAt), closedAt: at(d.closedAt) }
            : { ...d, openedAt: at(d.openedAt), closedAt: at(d.closedAt), recordAt: at(d.recordAt) };
      yield { kind: 'damaged', fields: parsed.fields, line, raw, damage };
    }
    window.consume(parsed.end - parsed.start);
  }
}

/** Reads the layout of an export: encoding and delimiter from its first 64 KiB, and its header row. */
export async function inspectCsv(
  file: string,
  options: Pick<CsvReadOptions, 'columns' | 'encoding' | 'delimiter' | 'idColumn' | 'requiredColumns'>,
): Promise<CsvLayout> {
  const sniffed = await sniffFile(file, { encoding: options.encoding, delimiter: options.delimiter });
  let first: string[] | undefined;
  for await (const item of parseRows(file, sniffed, options.columns?.length)) {
    if (item.kind === 'damaged') {
      throw new CsvFormatError(
        `${path.basename(file)}: its first row (line ${item.line}) cannot be read: ${damageReason(item.damage, item.line, options.columns ?? [], MAX_QUOTED_CHARS)}`,
      );
    }
    if (!(item.fields.length === 1 && item.fields[0]!.trim() === '')) {
      first = item.fields;
      break;
    }
  }
  if (!first) throw new CsvFormatError(`${path.basename(file)} is empty: no header and no records`);
  const expected = [options.idColumn, ...(options.requiredColumns ?? [])].filter((c) => c !== '');
  // A first row of names is a header even when it lacks the columns we need: then resolveColumns names what is missing.
  const hasHeaderRow = !options.columns && (looksLikeHeader(first, expected) || looksLikeHeader(first, []));
  const header = hasHeaderRow ? first.map((h) => h.trim()) : options.columns;
  const unstorable = header?.findIndex((h) => h.includes('\u0000') || h.includes('\uFFFD')) ?? -1;
  if (unstorable >= 0) {
    throw new CsvFormatError(
      `${path.basename(file)}: the name of column ${unstorable + 1} in the header row has a NUL byte or undecodable bytes (${printable(header![unstorable]!)})`,
    );
  }
  if (!header) {
    // A first row of names is a header that lacks the ID column the caller named; a row of values is no header at all.
    const named = looksLikeHeader(first, []);
    throw new CsvFormatError(
      `${path.basename(file)} ${named ? 'has a header row' : 'has no header row'}: its first row (${first.slice(0, 6).map(printable).join(', ')}${first.length > 6 ? ', …' : ''}) ` +
        `does not name the expected column${expected.length > 1 ? 's' : ''} ${expected.slice(0, 4).join(', ')}${expected.length > 4 ? ', …' : ''}. ` +
        (named
          ? ID_COLUMN_HINT
          : "Add a header row naming the columns (the ID column as --id-column, --key or the mapping's legacy.idColumn names it)."),
    );
  }
  return { ...sniffed, file, header, hasHeaderRow };
}

/** How a user names the ID column, for messages about a header that lacks it. */
export const ID_COLUMN_HINT =
  'Name the ID column as the header writes it: --id-column for dedupe and link, --key for upsert, --legacy-id for suggest-mapping, ' +
  "or the object's legacy.idColumn in a mapping file (--mapping) for reconcile.";

export function resolveColumns(layout: CsvLayout, wanted: string[], idColumn?: string): Map<string, number> {
  const index = new Map<string, number>();
  layout.header.forEach((h, i) => {
    if (!index.has(norm(h))) index.set(norm(h), i);
  });
  const missing = wanted.filter((w) => !index.has(norm(w)));
  if (missing.length) {
    throw new CsvFormatError(
      `${path.basename(layout.file)} lacks column${missing.length > 1 ? 's' : ''} ${missing.join(', ')} ` +
        `(header has: ${layout.header.slice(0, 12).join(', ')}${layout.header.length > 12 ? ', …' : ''})` +
        (idColumn !== undefined && missing.some((m) => norm(m) === norm(idColumn)) ? `. ${ID_COLUMN_HINT}` : ''),
    );
  }
  return index;
}

/**
 * Streams the records of one export file. Rows that cannot be trusted (wrong number of fields, no ID, an ID seen
 * before, broken quoting, a NUL byte or undecodable bytes) are yielded as rejections with their physical line number
 * instead of being dropped. After a quote that does not close where it should, reading resumes at the next line that
 * reads as a record, and the first rejection says which lines were set aside.
 */
export async function* readCsv(file: string, options: CsvReadOptions): AsyncGenerator<ReadItem, void, undefined> {
  const layout = await inspectCsv(file, options);
  const index = resolveColumns(
    layout,
    [options.idColumn, ...(options.requiredColumns ?? []), ...(options.modifiedColumn ? [options.modifiedColumn] : [])],
    options.idColumn,
  );
  const idIndex = index.get(norm(options.idColumn))!;
  const modifiedIndex = options.modifiedColumn ? index.get(norm(options.modifiedColumn)) : undefined;
  const since = options.since ? Date.parse(options.since) : undefined;
  if (options.since && (since === undefined || Number.isNaN(since)))
    throw new CsvFormatError(`"since" is not a date/time: ${options.since}`);
  if (since !== undefined && modifiedIndex === undefined)
    throw new CsvFormatError('reading "since" a time needs a modified-date column');
  const source = path.basename(file);
  const maxQuotedChars = options.maxQuotedChars ?? MAX_QUOTED_CHARS;
  // ID -> first line. Bounded by the file's row count, which is the price of catching duplicate IDs in one pass.
  const firstLineOfId = options.rejectDuplicateIds === false ? null : new Map<string, number>();
  let headerPending = layout.hasHeaderRow;
  const { header } = layout;
  const width = header.length;
  let block: DamageBlock | undefined;
  const reject = (line: number, reason: string, raw: string, recordId?: string, field?: string): Rejection => ({
    source,
    line,
    reason,
    raw: printable(raw.slice(0, 2000)),
    ...(recordId ? { recordId: printable(recordId) } : {}),
    ...(field ? { field } : {}),
  });
  for await (const item of parseRows(file, layout, width, maxQuotedChars)) {
    if (item.kind === 'damaged') {
      const id = item.fields[idIndex]?.trim();
      const rejection = reject(
        item.line,
        damageReason(item.damage, item.line, header, maxQuotedChars),
        item.raw,
        id,
        header[item.damage.field],
      );
      if (block) block.add(rejection, item.line);
      // A bad quote that closes on its own line damages that line only; anything else may have swallowed what follows.
      else if (
        item.damage.type === 'bad-close' &&
        item.damage.openedAt === item.line &&
        item.damage.closedAt === item.line
      )
        yield { type: 'rejected', rejection };
      else block = new DamageBlock(item.line, rejection, width);
      if (block && block.size >= MAX_BLOCK) {
        for (const r of block.close(undefined, true)) yield { type: 'rejected', rejection: r };
        block = undefined;
      }
      continue;
    }
    const { fields, line, raw } = item;
    if (fields.length === 1 && fields[0]!.trim() === '') continue; // blank line
    if (headerPending) {
      headerPending = false;
      continue;
    }
    const id = fields[idIndex]?.trim() ?? '';
    if (fields.length !== width) {
      const reason = `expected ${width} fields, found ${fields.length} (${fields.length > width ? 'an extra delimiter or unquoted value' : 'missing fields'})`;
      const rejection = reject(line, reason, raw, id || undefined);
      if (block) block.add(rejection, item.lastLine);
      else yield { type: 'rejected', rejection };
      continue;
    }
    if (block) {
      for (const r of block.close(line)) yield { type: 'rejected', rejection: r };
      block = undefined;
    }
    const unstorable =
      raw.indexOf('\u0000') === -1 && raw.indexOf('\uFFFD') === -1
        ? undefined
        : unstorableField(fields, header, layout.encoding);
    if (unstorable) {
      yield { type: 'rejected', rejection: reject(line, unstorable.reason, raw, id || undefined, unstorable.field) };
      continue;
    }
    if (!id) {
      yield {
        type: 'rejected',
        rejection: reject(line, `missing ${options.idColumn}`, raw, undefined, options.idColumn),
      };
      continue;
    }
    const seenAt = firstLineOfId?.get(id);
    if (seenAt !== undefined) {
      yield {
        type: 'rejected',
        rejection: reject(
          line,
          `duplicate ${options.idColumn} ${id}: first seen on line ${seenAt}`,
          raw,
          id,
          options.idColumn,
        ),
      };
      continue;
    }
    firstLineOfId?.set(id, line);
    if (since !== undefined && modifiedIndex !== undefined) {
      const modified = Date.parse(fields[modifiedIndex] ?? '');
      if (!(modified > since)) continue;
    }
    const properties: Record<string, string | null> = {};
    header.forEach((h, i) => {
      const v = fields[i] ?? '';
      properties[h] = v === '' ? null : v;
    });
    yield { type: 'record', record: { id, properties, origin: { source, line } } };
  }
  if (block) for (const r of block.close(undefined)) yield { type: 'rejected', rejection: r };
}

/** Damaged lines held back at most before they are reported, so a file that stops making sense cannot fill memory. */
const MAX_BLOCK = 1000;

/**
 * A value the database cannot store (NUL) or that lost bytes in decoding (U+FFFD, what a decoder puts in place of
 * bytes that are not valid in the file's encoding): the row is set aside, not the file, and not silently altered.
 */
function unstorableField(
  fields: string[],
  header: readonly string[],
  encoding: Sniffed['encoding'],
): { field: string; reason: string } | undefined {
  for (let i = 0; i < fields.length; i++) {
    const v = fields[i]!;
    if (v.indexOf('\u0000') !== -1)
      return {
        field: header[i]!,
        reason: `${fieldName(header, i)} contains a NUL byte, which a text column cannot hold`,
      };
    if (v.indexOf('\uFFFD') !== -1) {
      return {
        field: header[i]!,
        reason: `${fieldName(header, i)} contains bytes that are not valid ${ENCODING_NAMES[encoding]} (read as \uFFFD)`,
      };
    }
  }
  return undefined;
}

const ENCODING_NAMES: Record<Sniffed['encoding'], string> = {
  utf8: 'UTF-8',
  utf16le: 'UTF-16LE',
  utf16be: 'UTF-16BE',
  windows1252: 'Windows-1252',
};
