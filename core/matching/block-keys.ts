/** The parts blocking keys are built from: per-value caches of derived numbers, and the rule shape. */
import { mix32 } from './hash';
import type { PreparedField } from './prepare';

/**
 * A blocking rule: the keys one record files under. Two records become a candidate pair when they share a key.
 * Keys are 32-bit numbers built from value ids and from hashes computed once per distinct value, never strings
 * per record: at a million records the strings, their hashing and the Map of blocks were most of blocking's time
 * and of its garbage. Two different keys can collide; that only merges two blocks (more candidates), never loses a pair.
 */
export interface BlockingRule {
  readonly name: string;
  /** Calls emit with each key of record i (a record may emit the same key twice; it is counted once). */
  keys(i: number, emit: (key: number) => void): void;
  /**
   * A lower block cap for rules whose keys are coarse (a name and a birth year): small sets compare such blocks
   * all-to-all, large ones only through the sorted window, so that the pairs they add stay linear in the input.
   */
  readonly maxBlockSize?: number;
  /** A narrower window for such a rule's oversized blocks. */
  readonly window?: number;
  /**
   * The rule is dropped as a whole when its blocks would add more pairs than this per record: its keys then no
   * longer tell the records apart (surname + city in a million contacts), and what it would add is mostly noise.
   */
  readonly maxPairsPerRecord?: number;
}

/** The keys of one record under a rule, as a list (tests and explanations). */
export function keysOf(rule: BlockingRule, i: number): number[] {
  const out: number[] = [];
  rule.keys(i, (k) => out.push(k));
  return out;
}

/** Two parts of a key as one; order matters (combine(a, b) and combine(b, a) differ). */
export function combine(a: number, b: number): number {
  return mix32(Math.imul(a ^ 0x27d4eb2f, 0x9e3779b1) ^ mix32(b + 0x165667b1));
}

/** Record i's formal given names; undefined when its given name is blank. */
export function formalOf(given: PreparedField, i: number): readonly string[] | undefined {
  const id = given.ids[i]!;
  return id < 0 ? undefined : given.byId.formal![id];
}

/** No key for this value. */
export const NONE = -1;

/**
 * A number derived from each distinct value of a field (a hash of its Soundex code, of its mailbox name, ...),
 * computed once per value id and looked up per record; NONE for blank values and where `derive` gives none.
 */
export function perValue(field: PreparedField, derive: (v: string) => number): (i: number) => number {
  const cache = new Float64Array(field.idCounts.length).fill(Number.NaN);
  const { ids, distinct } = field;
  return (i) => {
    const id = ids[i]!;
    if (id < 0) return NONE;
    let k = cache[id]!;
    if (k !== k) k = cache[id] = derive(distinct[id]!);
    return k;
  };
}

/** A field's value id as the key: equal values, equal ids. */
export function valueIdKeys(field: PreparedField): BlockingRule['keys'] {
  const ids = field.ids;
  return (i, emit) => {
    if (ids[i]! >= 0) emit(ids[i]!);
  };
}

/**
 * Like perValue, for values that yield several keys (a nickname's formal names, the words of a name); `derive`
 * gets the value and its value id.
 */
export function perValueList(
  field: PreparedField,
  derive: (v: string, id: number) => readonly number[],
): (i: number) => readonly number[] {
  const cache: Array<readonly number[] | undefined> = new Array(field.idCounts.length);
  const { ids, distinct } = field;
  const empty: readonly number[] = [];
  return (i) => {
    const id = ids[i]!;
    if (id < 0) return empty;
    return (cache[id] ??= derive(distinct[id]!, id));
  };
}

export const first = (s: string | null | undefined) => (s ? s.charCodeAt(0) : 0);
/**
 * Coarse rules (a name with a birth year or a city, a whole birth date, a mailbox prefix) catch records damaged in
 * several fields at once. Their blocks are compared all-to-all up to this size and not at all above it: in a large
 * set such a key no longer tells people apart (a million contacts share a few thousand given-name/city keys), and
 * the specific rules already pair what it would find there.
 */
export const COARSE = { maxBlockSize: 24, window: 0, maxPairsPerRecord: 1.5 } as const;
/**
 * The name-sound rules' blocks fill with distinct people as a set grows (a million contacts hold many "William
 * Smith"s): past 16 records a block is walked through a window of 5 neighbours sorted by name, which at 300,000
 * generated contacts cut candidates by a tenth and lost 3 of 123,053 pairs above the review threshold.
 */
export const NAME_BLOCKS = () => ({ maxBlockSize: 16, window: 5 });
export const LETTERS = 'abcdefghijklmnopqrstuvwxyz0123456789'.split('').map((c) => c.charCodeAt(0));
/** Name initials as one number: two character codes, the smaller first. */
export const initialPair = (a: number, b: number) => (a < b ? a * 65536 + b : b * 65536 + a);
export const STAR = 42;
