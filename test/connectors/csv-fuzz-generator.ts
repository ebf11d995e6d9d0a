/**
 * Random CSV exports for the reader's property test, with what the generator knows about them: the true rows, the
 * physical lines each spans, and which rows a defect was put into.
 */
import iconv from 'iconv-lite';
import type { CsvEncoding } from '../../core/connectors/csv/sniff';

/** mulberry32: small, seeded, and the same on every machine, so a failing case is reproduced from its seed. */
export function random(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  return {
    next,
    int,
    pick: <T>(items: readonly T[]): T => items[int(items.length)]!,
    chance: (p: number) => next() < p,
  };
}
type Random = ReturnType<typeof random>;

const DELIMITERS = [',', ';', '\t', '|'] as const;
const BREAKS = ['\n', '\r\n', '\r'] as const;
/** Non-ASCII words every encoding here can carry; each non-ASCII character is followed by ASCII, so Windows-1252 bytes never happen to form UTF-8. */
const LATIN = ['Zoé', 'Müller', 'Straße', '€5', 'O’Brien', '“Quoted”x', 'Muñoz', 'Øresund'];
const WIDE = ['中文', '😀ok', 'Łódź'];

export interface TrueRow {
  values: string[];
  /** Physical line where the row starts, and its last line. */
  start: number;
  end: number;
  damaged?: string;
}

function value(r: Random, delimiter: string, wide: boolean): string {
  switch (r.int(12)) {
    case 0:
      return '';
    case 1:
      return `Acme${delimiter} Inc`;
    case 2:
      return `Say "hi"`;
    case 3:
      return `5" pipe`;
    case 4:
      return `first line${r.pick(BREAKS)}second${delimiter} line`;
    case 5:
      return `note${r.pick(BREAKS)}${r.pick(BREAKS)}end`;
    case 6:
      return r.pick(wide ? [...LATIN, ...WIDE] : LATIN);
    case 7:
      return `${delimiter}leading delimiter`;
    case 8:
      return `"quoted start"`;
    case 9:
      return ` padded `;
    case 10:
      return `ends with break${r.pick(BREAKS)}`;
    default:
      return `w${r.int(100_000)}`;
  }
}

const needsQuotes = (v: string, delimiter: string) => v.includes(delimiter) || /[\r\n]/.test(v) || v.startsWith('"');
const quote = (v: string) => `"${v.replaceAll('"', '""')}"`;
const breaksIn = (text: string) => text.match(/\r\n|\n|\r/g)?.length ?? 0;

export interface Case {
  text: string;
  encoding: CsvEncoding;
  bom: boolean;
  delimiter: (typeof DELIMITERS)[number];
  header: string[];
  rows: TrueRow[];
}

export function generate(seed: number): Case {
  const r = random(seed);
  const delimiter = r.pick(DELIMITERS);
  const encoding = r.pick(['utf8', 'utf8', 'utf16le', 'windows1252'] as const);
  const bom = encoding === 'utf16le' || (encoding === 'utf8' && r.chance(0.3));
  const wide = encoding !== 'windows1252';
  const width = 2 + r.int(6);
  const header = ['Id', ...Array.from({ length: width - 1 }, (_, i) => `Col${i + 1}`)];
  const fileBreak = r.pick(BREAKS);
  const lineBreak = () => (r.chance(0.3) ? r.pick(BREAKS) : fileBreak);
  const count = 1 + r.int(40);
  const planned = Array.from({ length: count }, (_, k) => {
    const blank = r.chance(0.05) ? lineBreak() : ''; // a blank line is no row
    const values = [`${k + 1}`, ...Array.from({ length: width - 1 }, () => value(r, delimiter, wide))];
    let cells = values.map((v) => (needsQuotes(v, delimiter) || r.chance(0.15) ? quote(v) : v));
    let damaged: string | undefined;
    const stray = r.chance(0.12);
    if (!stray && r.chance(0.04)) {
      const i = r.int(width);
      cells = cells.map((c, j) => (j === i ? `${c.slice(0, 1)}\u0000${c.slice(1)}` : c));
      damaged = 'NUL';
    }
    const end = k === count - 1 && r.chance(0.3) ? '' : lineBreak();
    return { blank, values, cells, damaged, stray, end };
  });
  // Stray quotes go in last row first, so each is checked against the text that really follows it. A stray quote at
  // the start of a value that was not quoted opens a quoted value that does not close where it should. Where the next
  // quote happens to close it cleanly (before a delimiter or a line's end, e.g. a value starting with the delimiter),
  // the file is still valid CSV with other values, and no reader can know: such places are not chosen.
  let after = '';
  for (let k = count - 1; k >= 0; k--) {
    const row = planned[k]!;
    if (row.stray) {
      const open = row.cells
        .map((c, i) => (c.startsWith('"') ? -1 : i))
        .filter((i) => i >= 0 && !closesCleanly(row.cells.slice(i).join(delimiter) + row.end + after, delimiter));
      if (open.length) {
        const i = r.pick(open);
        row.cells = row.cells.map((c, j) => (j === i ? `"${c}` : c));
        row.damaged = 'stray quote';
      }
    }
    after = row.blank + row.cells.join(delimiter) + row.end + after;
  }
  let text = header.join(delimiter) + lineBreak();
  const rows: TrueRow[] = [];
  let lastRowAt = 0;
  for (const row of planned) {
    text += row.blank;
    const body = row.cells.join(delimiter);
    lastRowAt = text.length;
    // Counted on the text itself: a CR ending one line and an LF starting the next would be one CRLF.
    const start = 1 + breaksIn(text);
    rows.push({ values: row.values, start, end: start + breaksIn(body), damaged: row.damaged });
    text += body + row.end;
  }
  const lastRow = rows[rows.length - 1]!;
  if (r.chance(0.15) && lastRow.values.length > 1) {
    // The file ends in the middle of its last row: cut before the row's last delimiter, so a field is surely lost.
    const cut = lastDelimiterOutsideQuotes(text.slice(lastRowAt), delimiter);
    if (cut > 0) {
      text = text.slice(0, lastRowAt + 1 + r.int(cut));
      lastRow.damaged ??= 'truncated';
      lastRow.end = lastRow.start + breaksIn(text.slice(lastRowAt));
    }
  }
  return { text, encoding, bom, delimiter, header, rows };
}

/** Whether a quote put before `rest` would be closed by a later quote followed by the delimiter or a line's end. */
function closesCleanly(rest: string, delimiter: string): boolean {
  for (let q = rest.indexOf('"'); q !== -1; q = rest.indexOf('"', q + 2)) {
    if (rest[q + 1] === '"') continue;
    const next = rest[q + 1];
    return next === undefined || next === delimiter || next === '\r' || next === '\n';
  }
  return false;
}

function lastDelimiterOutsideQuotes(rowText: string, delimiter: string): number {
  let quoted = false;
  let last = -1;
  for (let i = 0; i < rowText.length; i++) {
    const ch = rowText[i];
    if (ch === '"') quoted = !quoted;
    else if (!quoted && ch === delimiter) last = i;
  }
  return last;
}

export function encode(c: Case): Buffer {
  if (c.encoding === 'utf16le') return Buffer.concat([Buffer.from([0xff, 0xfe]), iconv.encode(c.text, 'utf16le')]);
  if (c.encoding === 'windows1252') return iconv.encode(c.text, 'win1252');
  return Buffer.concat([c.bom ? Buffer.from([0xef, 0xbb, 0xbf]) : Buffer.alloc(0), Buffer.from(c.text, 'utf8')]);
}
