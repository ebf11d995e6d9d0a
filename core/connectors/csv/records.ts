import type { Line } from './lines';

/** Returned when a record may go on past the lines read so far: read more and ask again. */
export const NEED_MORE = Symbol('need more lines');

const QUOTE = 0x22;
const SPACE = 0x20;

/** Where a quoted value went wrong; window indexes, turned into line numbers by the caller. */
export type Damage =
  /** The quote never closes: not before the end of the file (`atEof`), or not within the character limit. */
  | { type: 'unclosed'; field: number; openedAt: number; atEof: boolean }
  /** A quote inside the quoted value is followed by text rather than a delimiter or the line's end. */
  | { type: 'bad-close'; field: number; openedAt: number; closedAt: number; after: string }
  /** The value closes on a later line, but the record it makes has the wrong number of fields while a line it swallows reads as a record by itself. */
  | { type: 'count'; field: number; openedAt: number; closedAt: number; found: number; recordAt: number }
  /** Right after damaged lines: the value closes on a later line, but a line it swallows reads as a record by itself. */
  | { type: 'swallows'; field: number; openedAt: number; closedAt: number; recordAt: number };

export type Parsed =
  /** `start`..`end` (exclusive) are the window indexes of the lines the record spans. Its field count is not checked here. */
  | { kind: 'record'; fields: string[]; start: number; end: number }
  /** One damaged line; reading goes on at the next line. `fields` are the values completed on that line before the damage. */
  | { kind: 'damaged'; fields: string[]; start: number; end: number; damage: Damage };

interface Scanned {
  kind: 'closed' | 'unclosed' | 'bad-close';
  fields: string[];
  /** Fields completed on the first line (all of them if the record has one line). */
  firstLineFields: number;
  /** closed: window index after the record's last line; failures: the line where the value failed. */
  end: number;
  /** The first quoted value that crossed a line break, or the one that failed. */
  field: number;
  openedAt: number;
  atEof: boolean;
  after: string;
}

/**
 * Reads one record from window index `start`, RFC 4180 style: a value starting with a quote runs to the quote that
 * is followed by a delimiter or the line's end (spaces in between are dropped), `""` is a quote inside it, and a line
 * break inside it belongs to the value. A quote inside an unquoted value is an ordinary character (`5" pipe`).
 */
function scan(
  lines: Line[],
  start: number,
  delimiter: string,
  eof: boolean,
  maxQuotedChars: number,
): Scanned | typeof NEED_MORE {
  let i = start;
  let text = lines[i]!.text;
  if (text.indexOf('"') === -1) {
    const fields = text.split(delimiter);
    return {
      kind: 'closed',
      fields,
      firstLineFields: fields.length,
      end: start + 1,
      field: -1,
      openedAt: -1,
      atEof: false,
      after: '',
    };
  }
  const fields: string[] = [];
  let firstLineFields = -1;
  let span: { field: number; openedAt: number } | undefined;
  const done = (
    kind: Scanned['kind'],
    end: number,
    field: number,
    openedAt: number,
    atEof = false,
    after = '',
  ): Scanned => ({
    kind,
    fields,
    firstLineFields: firstLineFields < 0 ? fields.length : firstLineFields,
    end,
    field,
    openedAt,
    atEof,
    after,
  });
  let pos = 0;
  for (;;) {
    if (text.charCodeAt(pos) !== QUOTE) {
      const d = text.indexOf(delimiter, pos);
      if (d === -1) {
        fields.push(text.slice(pos));
        return done('closed', i + 1, span?.field ?? -1, span?.openedAt ?? -1);
      }
      fields.push(text.slice(pos, d));
      pos = d + delimiter.length;
      continue;
    }
    const field = fields.length;
    const openedAt = i;
    let value = '';
    let chars = 0;
    let p = pos + 1;
    for (;;) {
      const q = text.indexOf('"', p);
      if (q === -1) {
        const eol = lines[i]!.eol;
        value += text.slice(p) + eol;
        chars += text.length - p + eol.length;
        if (eol === '' || (i + 1 >= lines.length && eof)) return done('unclosed', i, field, openedAt, true);
        if (i + 1 >= lines.length) return NEED_MORE;
        if (chars > maxQuotedChars) return done('unclosed', i, field, openedAt, false);
        if (i === start) firstLineFields = fields.length;
        span ??= { field, openedAt };
        text = lines[++i]!.text;
        p = 0;
        continue;
      }
      if (text.charCodeAt(q + 1) === QUOTE) {
        value += text.slice(p, q + 1);
        p = q + 2;
        continue;
      }
      let after = q + 1;
      while (text.charCodeAt(after) === SPACE) after++;
      if (after === text.length || text.startsWith(delimiter, after)) {
        fields.push(value + text.slice(p, q));
        if (after === text.length) return done('closed', i + 1, span?.field ?? -1, span?.openedAt ?? -1);
        pos = after + delimiter.length;
        break;
      }
      return done('bad-close', i, field, openedAt, false, text.slice(q + 1, q + 21));
    }
  }
}

/**
 * A line that begins with a quote followed by a delimiter or its end: the quote ends a value rather than opens one,
 * unless a value starts with a delimiter or a line break. Right after damaged lines, the former is far likelier.
 */
function startsWithClosingQuote(text: string, delimiter: string): boolean {
  return text.charCodeAt(0) === QUOTE && (text.length === 1 || text.startsWith(delimiter, 1));
}

export interface RecordOptions {
  delimiter: string;
  /** Fields a record must have; unknown before the header is read. */
  width?: number;
  /** The longest quoted value believed before it is called unclosed. */
  maxQuotedChars: number;
  /**
   * Set right after damaged lines, where a line may be the rest of a broken record: a quote at its start followed by a
   * delimiter is then taken for the end of that record's value when the lines it would run over read as records.
   */
  afterDamage?: boolean;
}

/**
 * The record at window index `start`, or the damage found there. A record that spans lines is believed only when
 * its quoted values close cleanly and it has the right number of fields, unless none of the lines it would swallow
 * reads as a record by itself; otherwise only its first line is called damaged and reading goes on at the next
 * line, so a stray quote costs the line it is on, not the rows after it.
 */
export function readRecord(
  lines: Line[],
  start: number,
  eof: boolean,
  options: RecordOptions,
): Parsed | typeof NEED_MORE {
  const { delimiter, width, maxQuotedChars } = options;
  const s = scan(lines, start, delimiter, eof, maxQuotedChars);
  if (s === NEED_MORE) return NEED_MORE;
  const firstLine = s.fields.slice(0, s.firstLineFields);
  if (s.kind === 'unclosed') {
    return {
      kind: 'damaged',
      fields: firstLine,
      start,
      end: start + 1,
      damage: { type: 'unclosed', field: s.field, openedAt: s.openedAt, atEof: s.atEof },
    };
  }
  if (s.kind === 'bad-close') {
    return {
      kind: 'damaged',
      fields: firstLine,
      start,
      end: start + 1,
      damage: { type: 'bad-close', field: s.field, openedAt: s.openedAt, closedAt: s.end, after: s.after },
    };
  }
  if (s.end === start + 1 || width === undefined) return { kind: 'record', fields: s.fields, start, end: s.end };
  const rightWidth = s.fields.length === width;
  if (rightWidth && !(options.afterDamage && startsWithClosingQuote(lines[start]!.text, delimiter)))
    return { kind: 'record', fields: s.fields, start, end: s.end };
  for (let k = start + 1; k < s.end; k++) {
    const inner = scan(lines, k, delimiter, eof, maxQuotedChars);
    if (inner === NEED_MORE) return NEED_MORE;
    if (inner.kind === 'closed' && inner.fields.length === width) {
      const at = { field: s.field, openedAt: s.openedAt, closedAt: s.end - 1, recordAt: k };
      return {
        kind: 'damaged',
        fields: firstLine,
        start,
        end: start + 1,
        damage: rightWidth ? { type: 'swallows', ...at } : { type: 'count', ...at, found: s.fields.length },
      };
    }
  }
  return { kind: 'record', fields: s.fields, start, end: s.end };
}
