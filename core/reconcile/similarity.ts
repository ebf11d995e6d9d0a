import { distance } from 'fastest-levenshtein';

/** 1 for equal strings, 0 for nothing in common; case and accents do not count as differences. */
export function textSimilarity(a: string, b: string): number {
  if (a === b) return 1; // most ID matches agree exactly: no need to fold either side
  const x = fold(a);
  const y = fold(b);
  if (x === y) return 1;
  const longest = Math.max(x.length, y.length);
  return longest === 0 ? 1 : 1 - distance(x, y) / longest;
}

function fold(s: string): string {
  return s
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .trim();
}
