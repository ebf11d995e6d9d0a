/**
 * How two dates (8-digit YYYYMMDD, see normaliseDate) differ, in the ways people mistype them.
 * 'typo': one digit wrong, two adjacent digits swapped, or day and month swapped. 'two-digits': two digits wrong
 * anywhere (1974-10-05 vs 1984-10-03), which a re-keyed date shows far more often than two strangers' birthdays do.
 */
export type DateAgreement = 'exact' | 'typo' | 'two-digits' | 'same-year' | 'different';

export function compareDates(a: string, b: string): DateAgreement {
  if (a === b) return 'exact';
  if (a.length === 8 && b.length === 8) {
    let diffs = 0;
    let first = -1;
    for (let i = 0; i < 8; i++) {
      if (a.charCodeAt(i) !== b.charCodeAt(i)) {
        if (first < 0) first = i;
        diffs++;
      }
    }
    if (diffs === 1) return 'typo';
    if (diffs === 2 && a[first] === b[first + 1] && a[first + 1] === b[first]) return 'typo';
    if (a.slice(0, 4) === b.slice(0, 4) && a.slice(4, 6) === b.slice(6, 8) && a.slice(6, 8) === b.slice(4, 6))
      return 'typo';
    if (diffs === 2) return 'two-digits';
    // Year of birth typed with the wrong century or decade digit is caught above; a same-year date is weaker evidence.
    if (a.slice(0, 4) === b.slice(0, 4)) return 'same-year';
  }
  return 'different';
}

/** How close two numbers are, relative to the larger one. */
export function numericCloseness(a: number, b: number): number {
  if (a === b) return 1;
  const scale = Math.max(Math.abs(a), Math.abs(b));
  return scale === 0 ? 1 : 1 - Math.abs(a - b) / scale;
}
