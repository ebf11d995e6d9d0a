import { distance } from 'fastest-levenshtein';

/**
 * Whether a and b are at most one edit apart (Levenshtein distance <= 1), in one pass that stops at the second
 * difference: most candidate pairs differ early, and the full distance would fill a table for each.
 */
export function withinOneEdit(a: string, b: string): boolean {
  const la = a.length;
  const lb = b.length;
  if (la === lb) return atMostOneDifferent(a, b, la);
  if (la - lb !== 1 && lb - la !== 1) return false;
  const short = la < lb ? a : b;
  const long = la < lb ? b : a;
  let i = 0;
  while (i < short.length && short.charCodeAt(i) === long.charCodeAt(i)) i++;
  // The one extra character of the longer string sits at i: the rest must line up after it.
  for (; i < short.length; i++) if (short.charCodeAt(i) !== long.charCodeAt(i + 1)) return false;
  return true;
}

/** Whether the last n characters of a and b (each at least n long) differ in at most one place. */
export function atMostOneDifferent(a: string, b: string, n: number): boolean {
  const da = a.length - n;
  const db = b.length - n;
  let differences = 0;
  for (let k = 0; k < n; k++) if (a.charCodeAt(da + k) !== b.charCodeAt(db + k) && ++differences > 1) return false;
  return true;
}

/** 1 - edit distance / longer length: 1 for equal strings, 0 for nothing in common. */
export function levenshteinSimilarity(a: string, b: string): number {
  if (a === b) return 1;
  const longest = Math.max(a.length, b.length);
  return longest === 0 ? 1 : 1 - distance(a, b) / longest;
}

let matchedA = new Uint8Array(64);
let matchedB = new Uint8Array(64);

/** Jaro similarity: shared characters within a window, penalised for transpositions. */
export function jaro(a: string, b: string): number {
  if (a === b) return 1;
  const la = a.length;
  const lb = b.length;
  if (la === 0 || lb === 0) return 0;
  if (la > matchedA.length || lb > matchedB.length) {
    matchedA = new Uint8Array(Math.max(la, lb) * 2);
    matchedB = new Uint8Array(Math.max(la, lb) * 2);
  }
  matchedA.fill(0, 0, la);
  matchedB.fill(0, 0, lb);
  const window = Math.max(0, Math.floor(Math.max(la, lb) / 2) - 1);
  let matches = 0;
  for (let i = 0; i < la; i++) {
    const lo = Math.max(0, i - window);
    const hi = Math.min(lb - 1, i + window);
    const c = a.charCodeAt(i);
    for (let j = lo; j <= hi; j++) {
      if (matchedB[j] === 0 && b.charCodeAt(j) === c) {
        matchedA[i] = 1;
        matchedB[j] = 1;
        matches++;
        break;
      }
    }
  }
  if (matches === 0) return 0;
  let transpositions = 0;
  let k = 0;
  for (let i = 0; i < la; i++) {
    if (matchedA[i] === 0) continue;
    while (matchedB[k] === 0) k++;
    if (a.charCodeAt(i) !== b.charCodeAt(k)) transpositions++;
    k++;
  }
  const m = matches;
  return (m / la + m / lb + (m - transpositions / 2) / m) / 3;
}

/** Jaro-Winkler: Jaro with a bonus for a shared prefix of up to four characters (typos cluster late in names). */
export function jaroWinkler(a: string, b: string, prefixScale = 0.1): number {
  const j = jaro(a, b);
  if (j === 1 || j === 0) return j;
  let prefix = 0;
  const max = Math.min(4, a.length, b.length);
  while (prefix < max && a.charCodeAt(prefix) === b.charCodeAt(prefix)) prefix++;
  return j + prefix * prefixScale * (1 - j);
}

const bag = new Int32Array(128);

/**
 * jaroWinkler(a, b) when it may reach `floor`, else 0. Jaro counts characters the two share, so the characters they
 * share regardless of position bound it from above; most candidate pairs are two different names, and a count of
 * letters rules them out at a fraction of the cost of the Jaro scan. Exact: never 0 where the similarity is ≥ floor.
 */
export function jaroWinklerAbove(a: string, b: string, floor: number): number {
  if (a === b) return 1;
  const la = a.length;
  const lb = b.length;
  if (la === 0 || lb === 0) return 0;
  let ascii = true;
  for (let i = 0; i < la; i++) {
    const c = a.charCodeAt(i);
    if (c >= 128) {
      ascii = false;
      break;
    }
    bag[c]!++;
  }
  let common = 0;
  if (ascii) {
    for (let i = 0; i < lb; i++) {
      const c = b.charCodeAt(i);
      if (c >= 128) {
        ascii = false;
        break;
      }
      if (bag[c]! > 0) {
        bag[c]!--;
        common++;
      }
    }
  }
  for (let i = 0; i < la; i++) {
    const c = a.charCodeAt(i);
    if (c < 128) bag[c] = 0;
  }
  if (!ascii) return jaroWinkler(a, b);
  if (common === 0) return 0;
  const jaroMax = (common / la + common / lb + 1) / 3;
  let prefix = 0;
  const max = Math.min(4, la, lb);
  while (prefix < max && a.charCodeAt(prefix) === b.charCodeAt(prefix)) prefix++;
  if (jaroMax + prefix * 0.1 * (1 - jaroMax) < floor) return 0;
  return jaroWinkler(a, b);
}

function sortedTokens(s: string): string[] {
  return s
    .split(' ')
    .filter((t) => t !== '')
    .sort();
}

/** Word order does not count: "smith john" = "john smith". */
export function tokenSortSimilarity(a: string, b: string): number {
  return levenshteinSimilarity(sortedTokens(a).join(' '), sortedTokens(b).join(' '));
}

/**
 * Word order and extra words do not count: "acme" ~ "acme widgets" = 1 (fuzzywuzzy's token_set_ratio).
 * Comparing the shared words with each side's full sorted words rewards one name containing the other.
 */
export function tokenSetSimilarity(a: string, b: string): number {
  const ta = new Set(sortedTokens(a));
  const tb = new Set(sortedTokens(b));
  const common: string[] = [];
  const onlyA: string[] = [];
  const onlyB: string[] = [];
  for (const t of ta) (tb.has(t) ? common : onlyA).push(t);
  for (const t of tb) if (!ta.has(t)) onlyB.push(t);
  common.sort();
  onlyA.sort();
  onlyB.sort();
  const t0 = common.join(' ');
  const t1 = [t0, onlyA.join(' ')].filter(Boolean).join(' ');
  const t2 = [t0, onlyB.join(' ')].filter(Boolean).join(' ');
  const best = Math.max(
    levenshteinSimilarity(t1, t2),
    t0 ? Math.max(levenshteinSimilarity(t0, t1), levenshteinSimilarity(t0, t2)) : 0,
  );
  return best;
}

/** Share of the rarer side's words that the other side also has (1 when one is a subset of the other). */
export function tokenOverlap(a: readonly string[], b: readonly string[]): number {
  if (a.length === 0 || b.length === 0) return 0;
  let shared = 0;
  const [small, large] = a.length <= b.length ? [a, b] : [b, a];
  for (const t of small) if (large.includes(t)) shared++;
  return shared / small.length;
}

/** tokenSetSimilarity for words already sorted (see PreparedField.sortedWords): no sets built per pair. */
export function sortedTokenSetSimilarity(a: readonly string[], b: readonly string[]): number {
  const common: string[] = [];
  const onlyA: string[] = [];
  const onlyB: string[] = [];
  let x = 0;
  let y = 0;
  while (x < a.length || y < b.length) {
    // Repeated words count once, as in a set.
    if (x > 0 && x < a.length && a[x] === a[x - 1]) {
      x++;
      continue;
    }
    if (y > 0 && y < b.length && b[y] === b[y - 1]) {
      y++;
      continue;
    }
    const ta = a[x];
    const tb = b[y];
    if (ta !== undefined && ta === tb) {
      common.push(ta);
      x++;
      y++;
    } else if (tb === undefined || (ta !== undefined && ta < tb)) {
      onlyA.push(ta!);
      x++;
    } else {
      onlyB.push(tb!);
      y++;
    }
  }
  const t0 = common.join(' ');
  const sa = onlyA.join(' ');
  const sb = onlyB.join(' ');
  const t1 = t0 && sa ? `${t0} ${sa}` : t0 || sa;
  const t2 = t0 && sb ? `${t0} ${sb}` : t0 || sb;
  return Math.max(
    levenshteinSimilarity(t1, t2),
    t0 ? Math.max(levenshteinSimilarity(t0, t1), levenshteinSimilarity(t0, t2)) : 0,
  );
}
