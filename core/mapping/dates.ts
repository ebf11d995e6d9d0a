export const DATE_ORDERS = ['YMD', 'DMY', 'MDY'] as const;
export type DateOrder = (typeof DATE_ORDERS)[number];

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

interface Parts {
  y: number;
  m: number;
  d: number;
  time?: { h: number; mi: number; s: number; ms: number };
  offsetMinutes?: number;
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

function valid({ y, m, d }: Parts): boolean {
  if (y < 1000 || y > 9999 || m < 1 || m > 12 || d < 1) return false;
  return d <= new Date(Date.UTC(y, m, 0)).getUTCDate();
}

function expandYear(y: string): number {
  const n = Number(y);
  // Two-digit years in legacy exports: 00-69 are 2000s, 70-99 are 1900s (the POSIX strptime convention).
  return y.length === 2 ? (n < 70 ? 2000 + n : 1900 + n) : n;
}

function parseTime(rest: string): Pick<Parts, 'time' | 'offsetMinutes'> | null {
  const t = rest.trim();
  if (!t) return {};
  const m =
    /^(?:T|\s)?(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,6}))?)?\s*(am|pm)?\s*(Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)?$/i.exec(
      t,
    );
  if (!m) return null;
  let h = Number(m[1]);
  if (m[5]) {
    if (h < 1 || h > 12) return null;
    h = (h % 12) + (m[5].toLowerCase() === 'pm' ? 12 : 0);
  }
  const mi = Number(m[2]);
  const s = Number(m[3] ?? 0);
  const ms = Math.round(Number(`0.${m[4] ?? '0'}`) * 1000);
  if (h > 23 || mi > 59 || s > 59) return null;
  let offsetMinutes: number | undefined;
  const z = m[6];
  if (z && !/^(Z|UTC|GMT)$/i.test(z)) {
    const sign = z.startsWith('-') ? -1 : 1;
    const digits = z.slice(1).replace(':', '');
    offsetMinutes = sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || 0));
  }
  return { time: { h, mi, s, ms }, offsetMinutes };
}

function parseParts(input: string, order: DateOrder): Parts | null {
  const v = input.trim();
  // ISO-like first: it is unambiguous whatever the configured order.
  let m = /^(\d{4})-(\d{1,2})-(\d{1,2})(.*)$/.exec(v);
  if (m) {
    const time = parseTime(m[4]!);
    return time && { y: Number(m[1]), m: Number(m[2]), d: Number(m[3]), ...time };
  }
  m = /^(\d{1,4})[/.-](\d{1,2})[/.-](\d{1,4})(.*)$/.exec(v);
  if (m) {
    const time = parseTime(m[4]!);
    if (!time) return null;
    const [a, b, c] = [m[1]!, m[2]!, m[3]!];
    if (a.length === 4) return { y: Number(a), m: Number(b), d: Number(c), ...time };
    if (order === 'MDY') return { y: expandYear(c), m: Number(a), d: Number(b), ...time };
    return { y: expandYear(c), m: Number(b), d: Number(a), ...time };
  }
  // "14 Mar 2019", "14-Mar-2019", "March 14, 2019"
  m = /^(\d{1,2})[\s-]([A-Za-z]{3,9})\.?[\s-,]+(\d{2,4})(.*)$/.exec(v) ?? null;
  if (m) {
    const month = MONTHS.indexOf(m[2]!.slice(0, 3).toLowerCase()) + 1;
    const time = parseTime(m[4]!);
    return month && time ? { y: expandYear(m[3]!), m: month, d: Number(m[1]), ...time } : null;
  }
  m = /^([A-Za-z]{3,9})\.?\s+(\d{1,2}),?\s+(\d{4})(.*)$/.exec(v);
  if (m) {
    const month = MONTHS.indexOf(m[1]!.slice(0, 3).toLowerCase()) + 1;
    const time = parseTime(m[4]!);
    return month && time ? { y: Number(m[3]), m: month, d: Number(m[2]), ...time } : null;
  }
  return null;
}

/** Parses a calendar date to `YYYY-MM-DD`; a time part, if any, is ignored. */
export function parseDate(input: string, order: DateOrder = 'YMD'): string | null {
  const p = parseParts(input, order);
  if (!p || !valid(p)) return null;
  return `${p.y}-${pad(p.m)}-${pad(p.d)}`;
}

/** Parses a date and time to ISO 8601 UTC; a time without offset is taken as UTC. */
export function parseDateTime(input: string, order: DateOrder = 'YMD'): string | null {
  const p = parseParts(input, order);
  if (!p || !valid(p)) return null;
  const t = p.time ?? { h: 0, mi: 0, s: 0, ms: 0 };
  const ms = Date.UTC(p.y, p.m - 1, p.d, t.h, t.mi, t.s, t.ms) - (p.offsetMinutes ?? 0) * 60_000;
  return new Date(ms).toISOString();
}
