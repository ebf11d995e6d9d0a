import type { FieldKind } from '../config';
import { shareFormalName } from '../normalize/person-name';
import type { PreparedField } from '../prepare';
import { compareDates, numericCloseness } from './dates';
import {
  atMostOneDifferent,
  jaroWinklerAbove,
  levenshteinSimilarity,
  sortedTokenSetSimilarity,
  tokenOverlap,
  tokenSetSimilarity,
  withinOneEdit,
} from './string-similarity';

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
  /** The same, from the two records' value ids in this field. */
  compareIds(x: number, y: number): number;
}

const L = (label: string, outcome: Outcome): Level => ({ label, outcome });

const EXACT = L('exact', 'agree');
const DIFFERENT = L('different', 'disagree');

/**
 * How a kind compares two different, non-blank values, given by value id: blank and equal values are decided
 * before it (-1 and level 0), from the value ids alone, without touching the strings.
 */
interface ValueComparison {
  readonly levels: readonly Level[];
  byValue(x: number, y: number): number;
}

/** Fields with at most this many distinct values remember every pair's level in a table of d² bytes (4 MB at most). */
const MEMO_MAX_DISTINCT = 2048;

/**
 * The comparator of a field. Where a field holds few distinct values (cities, regions, small code lists) it
 * remembers the level of each pair of values in a dense table: the same two cities meet again and again across
 * candidate pairs, and every level depends only on the two values, so this is exact. Larger memos (a Map per pair
 * of given names) cost as much to look up at a million records as comparing again, and grew the heap by 100 MB.
 */
export function comparatorFor(field: PreparedField): FieldComparator {
  const { levels, byValue } = valueComparisonFor(field);
  const ids = field.ids;
  const distinct = field.idCounts.length;
  let differing = byValue;
  if (distinct <= MEMO_MAX_DISTINCT) {
    const UNKNOWN = -2;
    const memo = new Int8Array(distinct * distinct).fill(UNKNOWN);
    differing = (x, y) => {
      const key = x * distinct + y;
      const level = memo[key]!;
      return level === UNKNOWN ? (memo[key] = byValue(x, y)) : level;
    };
  }
  const compareIds = (x: number, y: number): number => {
    if (x < 0 || y < 0) return -1;
    return x === y ? 0 : differing(x, y);
  };
  return { levels, compareIds, compare: (i, j) => compareIds(ids[i]!, ids[j]!) };
}

function valueComparisonFor(field: PreparedField): ValueComparison {
  const v = field.distinct;
  const kind: FieldKind = field.kind;
  switch (kind) {
    case 'givenName': {
      const formal = field.byId.formal!;
      return {
        levels: [
          EXACT,
          L('nickname', 'agree'),
          L('very similar', 'partial'),
          L('similar or initial', 'partial'),
          DIFFERENT,
        ],
        byValue(x, y) {
          if (shareFormalName(formal[x]!, formal[y]!)) return 1;
          const a = v[x]!;
          const b = v[y]!;
          const jw = jaroWinklerAbove(a, b, 0.8);
          if (jw >= 0.92) return 2;
          if (jw >= 0.8 || ((a.length === 1 || b.length === 1) && a[0] === b[0])) return 3;
          return 4;
        },
      };
    }
    case 'familyName':
    case 'city':
    case 'region': {
      const compact = field.byId.compact!;
      return {
        levels: [EXACT, L('very similar', 'partial'), L('similar', 'partial'), DIFFERENT],
        byValue(x, y) {
          if (compact[x] === compact[y]) return 0;
          const jw = jaroWinklerAbove(v[x]!, v[y]!, 0.8);
          if (jw >= 0.92) return 1;
          if (jw >= 0.8) return 2;
          return 3;
        },
      };
    }
    case 'fullName': {
      const formal = field.byId.formal!;
      const sortedWords = field.byId.sorted!;
      return {
        levels: [
          EXACT,
          L('same words or nickname', 'agree'),
          L('very similar', 'partial'),
          L('similar', 'partial'),
          DIFFERENT,
        ],
        byValue(x, y) {
          const a = v[x]!;
          const b = v[y]!;
          const sort = levenshteinSimilarity(sortedWords[x]!, sortedWords[y]!);
          if (sort === 1) return 1;
          const restA = a.slice(a.indexOf(' ') + 1);
          const restB = b.slice(b.indexOf(' ') + 1);
          if (shareFormalName(formal[x]!, formal[y]!) && jaroWinklerAbove(restA, restB, 0.92) >= 0.92) return 1;
          if (sort >= 0.88 || jaroWinklerAbove(a, b, 0.94) >= 0.94) return 2;
          if (sort >= 0.7 || tokenSetSimilarity(a, b) >= 0.9) return 3;
          return 4;
        },
      };
    }
    case 'companyName': {
      const {
        words,
        sorted: sortedWords,
        sortedWords: wordLists,
        compact,
      } = field.byId as Required<PreparedField['byId']>;
      return {
        levels: [
          EXACT,
          L('same words', 'agree'),
          L('very similar', 'partial'),
          L('one contains the other', 'partial'),
          L('similar', 'partial'),
          DIFFERENT,
        ],
        byValue(x, y) {
          if (compact[x] === compact[y]) return 0;
          const sort = levenshteinSimilarity(sortedWords[x]!, sortedWords[y]!);
          if (sort >= 0.97) return 1;
          // The costlier measures only run where they can still change the level.
          if (sort >= 0.9 || (sort >= 0.6 && jaroWinklerAbove(compact[x]!, compact[y]!, 0.95) >= 0.95)) return 2;
          const overlap = tokenOverlap(words[x]!, words[y]!);
          if (overlap === 1) return 3;
          if ((overlap > 0 || sort >= 0.6) && sortedTokenSetSimilarity(wordLists[x]!, wordLists[y]!) >= 0.75) return 4;
          return 5;
        },
      };
    }
    case 'email': {
      const local = field.byId.secondary!;
      // A mailbox name shared across two domains is not one address: namesakes at two companies write
      // jane.smith@ at both, so that level only hints (partial) where a typo in one address still agrees.
      return {
        levels: [
          EXACT,
          L('one typo', 'agree'),
          L('same mailbox name, other domain', 'partial'),
          L('similar mailbox name', 'partial'),
          DIFFERENT,
        ],
        byValue(x, y) {
          const a = v[x]!;
          const b = v[y]!;
          const la = local[x]!;
          const lb = local[y]!;
          if (withinOneEdit(a, b)) return 1;
          if (la === lb) return 2;
          if (jaroWinklerAbove(la, lb, 0.88) >= 0.88) return 3;
          // Typos land in the domain as often as in the mailbox name, so whole addresses count too, but not at one
          // domain: there they look alike by the domain alone (info@ and office@ a company).
          if (a.slice(la.length) !== b.slice(lb.length) && jaroWinklerAbove(a, b, 0.9) >= 0.9) return 3;
          return 4;
        },
      };
    }
    case 'phone': {
      const tail = field.byId.secondary!;
      const digits = field.byId.compact!;
      return {
        levels: [EXACT, L('same number without area code', 'agree'), L('one digit off', 'partial'), DIFFERENT],
        byValue(x, y) {
          if (tail[x] === tail[y] && tail[x]!.length === 7) return 1;
          const da = digits[x]!;
          const db = digits[y]!;
          // One digit off: the same length and one substitution, or the same last seven digits but one.
          if (da.length === db.length && atMostOneDifferent(da, db, da.length)) return 2;
          if (Math.min(da.length, db.length) === 7 && atMostOneDifferent(da, db, 7)) return 2;
          return 3;
        },
      };
    }
    case 'address': {
      const {
        secondary: numbers,
        sorted: sortedWords,
        sortedWords: wordLists,
        compact,
      } = field.byId as Required<PreparedField['byId']>;
      return {
        levels: [
          EXACT,
          L('very similar', 'partial'),
          L('similar', 'partial'),
          L('same street, other number', 'partial'),
          DIFFERENT,
        ],
        byValue(x, y) {
          if (compact[x] === compact[y]) return 0;
          const na = numbers[x]!;
          const nb = numbers[y]!;
          const numbersClash = na !== '' && nb !== '' && na !== nb;
          const sorted = levenshteinSimilarity(sortedWords[x]!, sortedWords[y]!);
          const sim = sorted >= 0.9 ? sorted : Math.max(sorted, jaroWinklerAbove(v[x]!, v[y]!, 0.75) - 0.05);
          if (!numbersClash) {
            if (sim >= 0.9) return 1;
            if (sim >= 0.75 || sortedTokenSetSimilarity(wordLists[x]!, wordLists[y]!) >= 0.9) return 2;
          } else if (sim >= 0.7) return 3;
          return 4;
        },
      };
    }
    case 'postcode':
      return {
        levels: [EXACT, L('one character off', 'partial'), DIFFERENT],
        byValue: (x, y) => (v[x]!.length === v[y]!.length && atMostOneDifferent(v[x]!, v[y]!, v[x]!.length) ? 1 : 2),
      };
    case 'domain':
      return {
        levels: [EXACT, L('same site name', 'partial'), DIFFERENT],
        // acme.com and acme.co.uk: the same organisation in another country, more often than not.
        byValue: (x, y) => (v[x]!.split('.')[0] === v[y]!.split('.')[0] ? 1 : 2),
      };
    case 'date':
      return {
        levels: [
          EXACT,
          L('typo: one digit or day/month swapped', 'partial'),
          L('two digits off', 'partial'),
          L('same year', 'partial'),
          DIFFERENT,
        ],
        byValue(x, y) {
          switch (compareDates(v[x]!, v[y]!)) {
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
      return {
        levels: [EXACT, L('one character off or two swapped', 'partial'), DIFFERENT],
        byValue(x, y) {
          const a = v[x]!;
          const b = v[y]!;
          if (a.length === b.length && (atMostOneDifferent(a, b, a.length) || isAdjacentSwap(a, b))) return 1;
          return 2;
        },
      };
    case 'number':
      return {
        levels: [EXACT, L('within 5%', 'partial'), L('within 20%', 'partial'), DIFFERENT],
        byValue(x, y) {
          const c = numericCloseness(Number(v[x]), Number(v[y]));
          return c >= 0.95 ? 1 : c >= 0.8 ? 2 : 3;
        },
      };
    case 'text': {
      const sortedWords = field.byId.sorted!;
      return {
        levels: [EXACT, L('very similar', 'partial'), L('similar', 'partial'), DIFFERENT],
        byValue(x, y) {
          const s = Math.max(
            jaroWinklerAbove(v[x]!, v[y]!, 0.75),
            levenshteinSimilarity(sortedWords[x]!, sortedWords[y]!),
          );
          return s >= 0.92 ? 1 : s >= 0.75 ? 2 : 3;
        },
      };
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
