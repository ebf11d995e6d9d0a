import { parseDate, type DateOrder } from '../../mapping/dates';

/**
 * A date as the 8 digits YYYYMMDD, so that typo-tolerant comparison can work digit by digit. "1971-06-24",
 * "24/06/1971" (with order DMY) and "19710624" all give "19710624". A compact 8-digit value that is not a valid
 * date (a typo such as "19711324") is kept as it is: it still agrees with its correct form but for one digit.
 */
export function normaliseDate(raw: string, order: DateOrder = 'YMD'): string | null {
  const v = raw.trim();
  if (v === '') return null;
  if (/^\d{8}$/.test(v)) return /^0+$/.test(v) ? null : v;
  const iso = parseDate(v, order) ?? parseDate(v.replace(/[T\s].*$/, ''), order);
  return iso ? iso.slice(0, 10).replace(/-/g, '') : null;
}
