import iconv from 'iconv-lite';
import type { Random } from './random';

/** One CSV field; quoted only when it has to be (delimiter, quote, line break, edge whitespace). */
export function csvField(value: string, delimiter: string): string {
  if (value === '') return '';
  if (
    value.includes(delimiter) ||
    value.includes('"') ||
    value.includes('\n') ||
    value.includes('\r') ||
    /^\s|\s$/.test(value)
  ) {
    return `"${value.replace(/"/g, '""')}"`;
  }
  return value;
}

export function csvRow(values: readonly string[], delimiter: string, eol: string): string {
  let out = '';
  for (let i = 0; i < values.length; i++) {
    if (i > 0) out += delimiter;
    out += csvField(values[i] ?? '', delimiter);
  }
  return out + eol;
}

export function countNewlines(text: string): number {
  let n = 0;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const DAY_MS = 86_400_000;

/** Days since 1970-01-01 -> `YYYY-MM-DD`. */
export function isoDate(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

export function dayOf(iso: string): number {
  return Math.round(Date.parse(`${iso.slice(0, 10)}T00:00:00Z`) / DAY_MS);
}

export function dayRange(from: string, to: string): [number, number] {
  return [dayOf(from), dayOf(to)];
}

/** `YYYY-MM-DDTHH:MM:SSZ` from days and minutes of the day. */
export function isoInstant(day: number, minuteOfDay: number, seconds = 0): string {
  const ms = day * DAY_MS + minuteOfDay * 60_000 + seconds * 1000;
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}

interface DateParts {
  y: number;
  m: number;
  d: number;
  h: number;
  mi: number;
  s: number;
}

function parts(iso: string): DateParts {
  const t = new Date(iso.length === 10 ? `${iso}T00:00:00Z` : iso);
  return {
    y: t.getUTCFullYear(),
    m: t.getUTCMonth() + 1,
    d: t.getUTCDate(),
    h: t.getUTCHours(),
    mi: t.getUTCMinutes(),
    s: t.getUTCSeconds(),
  };
}

/** The legacy system's own way of writing a date: `14/03/2019`. */
export function dmy(iso: string): string {
  const p = parts(iso);
  return `${pad(p.d)}/${pad(p.m)}/${p.y}`;
}

/** Other ways a DMY legacy export writes the same date (all parse to the same day in DMY order). */
export function dateVariant(iso: string, r: Random): string {
  const p = parts(iso);
  switch (r.int(0, 5)) {
    case 0:
      return `${pad(p.d)}/${pad(p.m)}/${p.y} ${pad(r.int(8, 18))}:${pad(r.int(0, 59))}`;
    case 1:
      return `${p.d}/${p.m}/${p.y}`;
    case 2:
      return `${pad(p.d)}-${pad(p.m)}-${p.y}`;
    case 3:
      return `${pad(p.d)}.${pad(p.m)}.${p.y}`;
    case 4:
      return `${p.d} ${MONTHS[p.m - 1]} ${p.y}`;
    default:
      return `${pad(p.d)}/${pad(p.m)}/${pad(p.y % 100)}`;
  }
}

/** Legacy date-time: `14/03/2019 14:30`. */
export function dmyTime(iso: string): string {
  const p = parts(iso);
  return `${pad(p.d)}/${pad(p.m)}/${p.y} ${pad(p.h)}:${pad(p.mi)}`;
}

export function dateTimeVariant(iso: string, r: Random): string {
  const p = parts(iso);
  switch (r.int(0, 2)) {
    case 0: {
      const h12 = p.h % 12 || 12;
      return `${pad(p.d)}/${pad(p.m)}/${p.y} ${h12}:${pad(p.mi)} ${p.h < 12 ? 'AM' : 'PM'}`;
    }
    case 1:
      return `${p.y}-${pad(p.m)}-${pad(p.d)} ${pad(p.h)}:${pad(p.mi)}:${pad(p.s)}`;
    default:
      return `${pad(p.d)}/${pad(p.m)}/${p.y} ${pad(p.h)}:${pad(p.mi)}:${pad(p.s)}`;
  }
}

/** Postgres' text form of a timestamptz: `2019-03-14 14:30:00+00`. */
export function pgTimestamp(iso: string): string {
  const p = parts(iso);
  return `${p.y}-${pad(p.m)}-${pad(p.d)} ${pad(p.h)}:${pad(p.mi)}:${pad(p.s)}+00`;
}

/** Fills each `#` of a pattern with a random digit. */
export function fillDigits(pattern: string, r: Random): string {
  return pattern.replace(/#/g, () => String(r.int(0, 9)));
}

/** A spaced international number (`+44 20 7946 0123`) -> the way a UK user types it nationally. */
export function gbNational(intl: string): string {
  return `0${intl.slice(4)}`;
}

/** Ways the legacy CRM holds a phone number; all canonicalise to the same E.164 number (default country GB). */
export function phoneVariant(intl: string, r: Random): string {
  const compact = intl.replace(/ /g, '');
  if (intl.startsWith('+44 ')) {
    const national = gbNational(intl);
    const groups = national.split(' ');
    switch (r.int(0, 4)) {
      case 0:
        return intl;
      case 1:
        return `(${groups[0]}) ${groups.slice(1).join('-')}`;
      case 2:
        return national.replace(/ /g, '');
      case 3:
        return `+44 (0)${intl.slice(4)}`;
      default:
        return compact;
    }
  }
  return r.chance(0.5) ? compact : `00${intl.slice(1)}`;
}

/** Text as typed by hand: doubled inner spaces, stray leading/trailing blanks. */
export function whitespaceVariant(text: string, r: Random): string {
  switch (r.int(0, 2)) {
    case 0:
      return `${text} `;
    case 1:
      return text.includes(' ') ? text.replace(' ', '  ') : `  ${text}`;
    default:
      return ` ${text}  `;
  }
}

/** `1200000` -> `1,200,000` (and `12500.5` -> `12,500.50`). */
export function thousands(value: string, decimals?: number): string {
  const n = Number(value);
  const fixed = decimals === undefined ? value : n.toFixed(decimals);
  const [int = '', frac] = fixed.split('.');
  const grouped = int.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return frac === undefined ? grouped : `${grouped}.${frac}`;
}

export function moneyVariant(value: string, symbol: string, r: Random): string {
  switch (r.int(0, 3)) {
    case 0:
      return thousands(value);
    case 1:
      return `${symbol}${thousands(value)}`;
    case 2:
      return Number(value).toFixed(2);
    default:
      return thousands(value, 2);
  }
}

/** Mixed-case spelling of an email address the way people type them (`John.Smith@Acme.co.uk`). */
export function emailVariant(email: string, r: Random): string {
  if (r.chance(0.3)) return email.toUpperCase();
  return email.replace(/(^|[.@-])([a-z])/g, (_m, sep: string, c: string) => sep + c.toUpperCase());
}

export function webVariant(host: string, r: Random): string {
  switch (r.int(0, 2)) {
    case 0:
      return host.replace(/(^|\.)([a-z])/g, (_m, sep: string, c: string) => sep + c.toUpperCase());
    case 1:
      return `https://${host}/`;
    default:
      return `https://${host.toUpperCase()}`;
  }
}

/** UTF-8 bytes read back as Windows-1252: `Müller` -> `MÃ¼ller`. */
export function mojibake(text: string): string {
  return iconv.decode(Buffer.from(text, 'utf8'), 'win1252');
}

const FOLD: Record<string, string> = { ä: 'ae', ö: 'oe', ü: 'ue', ß: 'ss', ø: 'o', æ: 'ae', å: 'a' };

/** ASCII for domains and email addresses: `Müller` -> `mueller`, `Lefèvre` -> `lefevre`, `O’Brien` -> `obrien`. */
export function asciiFold(text: string): string {
  return text
    .toLowerCase()
    .replace(/[äöüßøæå]/g, (c) => FOLD[c] ?? c)
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[’'`]/g, '')
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
}

export function hasNonAscii(text: string): boolean {
  return /[^\x00-\x7f]/.test(text);
}

const LEGAL = /\s+(Ltd\.?|Limited|PLC|LLP|GmbH|AG|SARL|SAS|SA|Inc\.?|LLC|Corp\.?)$/i;

export function stripLegalSuffix(name: string): string {
  return name.replace(LEGAL, '');
}

/** The same company keyed in again by someone else: `Acme Ltd` vs `ACME Limited`, `&` vs `and`. */
export function companyNameVariant(name: string, r: Random): string {
  let v = name;
  const ops = r.shuffle([0, 1, 2, 3]);
  for (const op of ops) {
    const before = v;
    if (op === 0)
      v = v.replace(/ Ltd$/, ' Limited') === v ? v.replace(/ Limited$/, ' Ltd') : v.replace(/ Ltd$/, ' Limited');
    if (op === 1) v = v.includes(' & ') ? v.replace(' & ', ' and ') : v.replace(' and ', ' & ');
    if (op === 2) {
      const base = stripLegalSuffix(v);
      v = base.toUpperCase() + v.slice(base.length);
    }
    if (op === 3) v = v.replace(/ (Ltd|Limited|PLC|GmbH|SARL|Inc|LLC)$/, ' $1.');
    if (v !== before && r.chance(0.6)) break;
  }
  return v === name ? `${name} (UK)` : v;
}

/** One slip of the keyboard inside a word: two letters swapped, one dropped or one doubled (never the first letter). */
export function typo(text: string, r: Random): string {
  const letters = [...text].map((c, i) => (/\p{L}/u.test(c) ? i : -1)).filter((i) => i > 0);
  if (letters.length < 3) return text;
  const chars = [...text];
  const i = r.pick(letters.slice(0, -1));
  switch (r.int(0, 2)) {
    case 0:
      [chars[i], chars[i + 1]] = [chars[i + 1]!, chars[i]!];
      break;
    case 1:
      chars.splice(i, 1);
      break;
    default:
      chars.splice(i, 0, chars[i]!);
  }
  const out = chars.join('');
  return out === text ? `${text.slice(0, -1)}${text.slice(-1) === 'e' ? 'a' : 'e'}` : out;
}
