import { distance } from 'fastest-levenshtein';
import type { FieldKind } from '../config';
import { shareFormalName } from '../normalize/person-name';
import type { PreparedField } from '../prepare';
import { compareDates, numericCloseness } from './dates';
import { jaroWinklerAbove, levenshteinSimilarity, sortedTokenSetSimilarity, tokenOverlap, tokenSetSimilarity } from './string-similarity';

export type Outcome = 'agree' | 'partial' | 'disagree';

export interface Level {
  readonly label: string;
  readonly outcome: Outcome;
}

/**
 * A field's comparison: an ordered list of agreement levels, best first, level 0 always "exact", the last always
 * the plain disagreement, and a function naming the level two records reach (-1 when either is blank).
 */
export interface FieldComparator {
  readonly levels: readonly Level[];
  compare(i: number, j: number): number;
}

const L = (label: string, outcome: Outcome): Level => ({ label, outcome });

/** A comparator whose level is -1 when either value is blank and 0 when both are equal; `rest` decides the others. */
function onValues(
  values: readonly (string | null)[],
  levels: readonly Level[],
  rest: (a: string, b: string, i: number, j: number) => number,
): FieldComparator {
  return {
    levels,
    compare(i, j) {
      const a = values[i];
      const b = values[j];
      if (a == null || b == null) return -1;
      if (a === b) return 0;
      return rest(a, b, i, j);
    },
  };
}
const EXACT = L('exact', 'agree');
const DIFFERENT = L('different', 'disagree');

/** Remembered levels per field at most: about 16 bytes each in a Map, so a bounded few tens of MB. */
const MEMO_LIMIT = 2_000_000;
const MEMO_MAX_DISTINCT = 1 << 15;

/**
 * The comparator of a field, remembering the level of each pair of distinct values when values repeat (given
 * names, surnames, cities, companies): a million contacts hold a few thousand given names, and the same two names
 * meet again and again across candidate pairs. Every level depends only on the two values, so this is exact.
 */
export function comparatorFor(field: PreparedField): FieldComparator {
  const plain = plainComparatorFor(field);
  const distinct = field.idCounts.length;
  // Keys below 2^30 stay small integers, which a Map hashes several times faster than other numbers.
  if (distinct === 0 || distinct > field.nonBlank / 4 || distinct > MEMO_MAX_DISTINCT) return plain;
  const ids = field.ids;
  const memo = new Map<number, number>();
  return {
    levels: plain.levels,
    compare(i, j) {
      const a = ids[i]!;
      const b = ids[j]!;
      if (a < 0 || b < 0) return -1;
      if (a === b) return 0;
      const key = a * distinct + b;
      let level = memo.get(key);
      if (level === undefined) {
        level = plain.compare(i, j);
        if (memo.size < MEMO_LIMIT) memo.set(key, level);
      }
      return level;
    },
  };
}

function plainComparatorFor(field: PreparedField): FieldComparator {
  const v = field.values;
  const kind: FieldKind = field.kind;
  switch (kind) {
    case 'givenName': {
      const formal = field.formal!;
      return onValues(v, [EXACT, L('nickname', 'agree'), L('very similar', 'partial'), L('similar or initial', 'partial'), DIFFERENT], (a, b, i, j) => {
        if (shareFormalName(formal[i]!, formal[j]!)) return 1;
        const jw = jaroWinklerAbove(a, b, 0.8);
        if (jw >= 0.92) return 2;
        if (jw >= 0.8 || ((a.length === 1 || b.length === 1) && a[0] === b[0])) return 3;
        return 4;
      });
    }
    case 'familyName':
    case 'city':
    case 'region': {
      const compact = field.compact!;
      return {
        levels: [EXACT, L('very similar', 'partial'), L('similar', 'partial'), DIFFERENT],
        compare(i, j) {
          const a = v[i];
          const b = v[j];
          if (a == null || b == null) return -1;
          if (a === b || compact[i] === compact[j]) return 0;
          const jw = jaroWinklerAbove(a, b, 0.8);
          if (jw >= 0.92) return 1;
          if (jw >= 0.8) return 2;
          return 3;
        },
      };
    }
    case 'fullName': {
      const formal = field.formal!;
      const sortedWords = field.sorted!;
      return onValues(v, [EXACT, L('same words or nickname', 'agree'), L('very similar', 'partial'), L('similar', 'partial'), DIFFERENT], (a, b, i, j) => {
        const sort = levenshteinSimilarity(sortedWords[i]!, sortedWords[j]!);
        if (sort === 1) return 1;
        const restA = a.slice(a.indexOf(' ') + 1);
        const restB = b.slice(b.indexOf(' ') + 1);
        if (shareFormalName(formal[i]!, formal[j]!) && jaroWinklerAbove(restA, restB, 0.92) >= 0.92) return 1;
        if (sort >= 0.88 || jaroWinklerAbove(a, b, 0.94) >= 0.94) return 2;
        if (sort >= 0.7 || tokenSetSimilarity(a, b) >= 0.9) return 3;
        return 4;
      });
    }
    case 'companyName': {
      const words = field.words!;
      const sortedWords = field.sorted!;
      const wordLists = field.sortedWords!;
      const compact = field.compact!;
      return {
        levels: [EXACT, L('same words', 'agree'), L('very similar', 'partial'), L('one contains the other', 'partial'), L('similar', 'partial'), DIFFERENT],
        compare(i, j) {
          const a = v[i];
          const b = v[j];
          if (a == null || b == null) return -1;
          if (a === b || compact[i] === compact[j]) return 0;
          const sort = levenshteinSimilarity(sortedWords[i]!, sortedWords[j]!);
          if (sort >= 0.97) return 1;
          // The costlier measures only run where they can still change the level.
          if (sort >= 0.9 || (sort >= 0.6 && jaroWinklerAbove(compact[i]!, compact[j]!, 0.95) >= 0.95)) return 2;
          const overlap = tokenOverlap(words[i]!, words[j]!);
          if (overlap === 1) return 3;
          if ((overlap > 0 || sort >= 0.6) && sortedTokenSetSimilarity(wordLists[i]!, wordLists[j]!) >= 0.75) return 4;
          return 5;
        },
      };
    }
    case 'email': {
      const local = field.secondary!;
      return onValues(v, [EXACT, L('same mailbox name or one typo', 'agree'), L('similar mailbox name', 'partial'), DIFFERENT], (a, b, i, j) => {
        const la = local[i]!;
        const lb = local[j]!;
        if (la === lb || (Math.abs(a.length - b.length) <= 1 && distance(a, b) <= 1)) return 1;
        // Typos land in the domain as often as in the mailbox name: either side being close is a near miss.
        if (jaroWinklerAbove(la, lb, 0.88) >= 0.88 || jaroWinklerAbove(a, b, 0.9) >= 0.9) return 2;
        return 3;
      });
    }
    case 'phone': {
      const tail = field.secondary!;
      const digits = field.compact!;
      return onValues(v, [EXACT, L('same number without area code', 'agree'), L('one digit off', 'partial'), DIFFERENT], (a, b, i, j) => {
        if (tail[i] === tail[j] && tail[i]!.length === 7) return 1;
        const da = digits[i]!;
        const db = digits[j]!;
        if (da.length === db.length && distance(da, db) <= 1) return 2;
        if (distance(da.slice(-7), db.slice(-7)) <= 1 && Math.min(da.length, db.length) === 7) return 2;
        return 3;
      });
    }
    case 'address': {
      const numbers = field.secondary!;
      const sortedWords = field.sorted!;
      const wordLists = field.sortedWords!;
      const compact = field.compact!;
      return {
        levels: [EXACT, L('very similar', 'partial'), L('similar', 'partial'), L('same street, other number', 'partial'), DIFFERENT],
        compare(i, j) {
          const a = v[i];
          const b = v[j];
          if (a == null || b == null) return -1;
          if (a === b || compact[i] === compact[j]) return 0;
          const na = numbers[i]!;
          const nb = numbers[j]!;
          const numbersClash = na !== '' && nb !== '' && na !== nb;
          const sorted = levenshteinSimilarity(sortedWords[i]!, sortedWords[j]!);
          const sim = sorted >= 0.9 ? sorted : Math.max(sorted, jaroWinklerAbove(a, b, 0.75) - 0.05);
          if (!numbersClash) {
            if (sim >= 0.9) return 1;
            if (sim >= 0.75 || sortedTokenSetSimilarity(wordLists[i]!, wordLists[j]!) >= 0.9) return 2;
          } else if (sim >= 0.7) return 3;
          return 4;
        },
      };
    }
    case 'postcode':
      return onValues(v, [EXACT, L('one character off', 'partial'), DIFFERENT], (a, b) => {
        if (a.length === b.length && distance(a, b) <= 1) return 1;
        return 2;
      });
    case 'domain':
      return onValues(v, [EXACT, L('same site name', 'partial'), DIFFERENT], (a, b) => {
        // acme.com and acme.co.uk: the same organisation in another country, more often than not.
        const sa = a.split('.')[0];
        return sa === b.split('.')[0] ? 1 : 2;
      });
    case 'date':
      return {
        levels: [EXACT, L('typo: one digit or day/month swapped', 'partial'), L('two digits off', 'partial'), L('same year', 'partial'), DIFFERENT],
        compare(i, j) {
          const a = v[i];
          const b = v[j];
          if (a == null || b == null) return -1;
          switch (compareDates(a, b)) {
            case 'exact':
              return 0;
            case 'typo':
              return 1;
            case 'two-digits':
              return 2;
            case 'same-year':
              return 3;
            default:
              return 4;
          }
        },
      };
    case 'identifier':
      return onValues(v, [EXACT, L('one character off or two swapped', 'partial'), DIFFERENT], (a, b) => {
        if (a.length === b.length && distance(a, b) <= 1) return 1;
        if (a.length === b.length && isAdjacentSwap(a, b)) return 1;
        return 2;
      });
    case 'number':
      return onValues(v, [EXACT, L('within 5%', 'partial'), L('within 20%', 'partial'), DIFFERENT], (a, b) => {
        const c = numericCloseness(Number(a), Number(b));
        return c >= 0.95 ? 1 : c >= 0.8 ? 2 : 3;
      });
    case 'text': {
      const sortedWords = field.sorted!;
      return onValues(v, [EXACT, L('very similar', 'partial'), L('similar', 'partial'), DIFFERENT], (a, b, i, j) => {
        const s = Math.max(jaroWinklerAbove(a, b, 0.75), levenshteinSimilarity(sortedWords[i]!, sortedWords[j]!));
        return s >= 0.92 ? 1 : s >= 0.75 ? 2 : 3;
      });
    }
  }
}

function isAdjacentSwap(a: string, b: string): boolean {
  let first = -1;
  let diffs = 0;
  for (let k = 0; k < a.length; k++) {
    if (a[k] !== b[k]) {
      if (first < 0) first = k;
      diffs++;
    }
  }
  return diffs === 2 && a[first] === b[first + 1] && a[first + 1] === b[first];
}
