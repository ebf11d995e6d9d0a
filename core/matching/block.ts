/** Candidate pairs from blocking rules: the hot path, on typed arrays and radix-sorted key codes. */
import type { BlockingRule } from './block-keys';
import type { RecordOrder } from './block-rules';

export interface BlockingOptions {
  maxBlockSize: number;
  window: number;
}

export interface BlockingStats {
  rules: Array<{
    rule: string;
    blocks: number;
    pairs: number;
    oversizedBlocks: number;
    recordsInOversizedBlocks: number;
    pairsSkippedInOversizedBlocks: number;
  }>;
  candidatePairs: number;
  /** Pairs an all-pairs comparison would have scored. */
  allPairs: number;
}

export interface CandidatePairs {
  /** Parallel arrays: record i < record j. */
  left: Int32Array;
  right: Int32Array;
  stats: BlockingStats;
}

export type RuleStat = BlockingStats['rules'][number];

/**
 * A growable list of numbers on one typed array. Blocking writes every rule's keys and pairs into two of these
 * instead of allocating arrays per rule: each new typed array counts as external memory, and enough of it forces a
 * full collection of the whole heap, which at a million records takes seconds each time.
 */
export class NumberList {
  data: Float64Array;
  length = 0;

  constructor(capacity: number) {
    this.data = new Float64Array(Math.max(1024, capacity));
  }

  push(x: number): void {
    if (this.length === this.data.length) this.grow(this.length + 1);
    this.data[this.length++] = x;
  }

  view(): Float64Array {
    return this.data.subarray(0, this.length);
  }

  private grow(needed: number): void {
    const next = new Float64Array(Math.max(needed, this.data.length * 2));
    next.set(this.data.subarray(0, this.length));
    this.data = next;
  }
}

/** One thread's working lists for a blocking run: the current rule's keys, and every pair its rules propose. */
export class BlockingScratch {
  readonly keys: NumberList;
  /** Pairs encoded as a * size + b (a < b), duplicates included, every rule after the other. */
  readonly pairs: NumberList;

  /** Lists sized for a run over `capacity` records (they grow if that is not enough). */
  constructor(readonly capacity: number) {
    this.keys = new NumberList(capacity * 2);
    this.pairs = new NumberList(capacity * 4);
  }
}

/**
 * Candidate pairs: every pair sharing a key of any rule, once. A block larger than maxBlockSize is compared
 * through a window over its members sorted by name instead of all-to-all, which keeps the number of pairs
 * about linear in the input; what that skips is counted per rule. In link mode only cross-source pairs count.
 */
export function candidatePairs(
  rules: readonly BlockingRule[],
  size: number,
  options: BlockingOptions,
  order: RecordOrder,
  side?: Uint8Array,
): CandidatePairs {
  const scratch = new BlockingScratch(size);
  const stats = rules.map((rule) => rulePairs(rule, size, options, order, scratch, side));
  return uniquePairs([scratch.pairs.view()], stats, size);
}

/**
 * The rules this thread claims from a counter shared with another thread (each takes the next unclaimed rule until
 * none is left), their figures, and their pairs in one list. Each rule's pairs depend on the rule alone, so who
 * blocks which rule changes nothing in the merged result.
 */
export function claimRulePairs(
  rules: readonly BlockingRule[],
  counter: Int32Array,
  size: number,
  options: BlockingOptions,
  order: RecordOrder,
  scratch: BlockingScratch,
  side?: Uint8Array,
): Array<{ index: number; stat: RuleStat }> {
  const out: Array<{ index: number; stat: RuleStat }> = [];
  for (;;) {
    const index = Atomics.add(counter, 0, 1);
    if (index >= rules.length) return out;
    out.push({ index, stat: rulePairs(rules[index]!, size, options, order, scratch, side) });
  }
}

/**
 * Every (key, record) of a rule packed into one float, key in the high bits and record in the low ones, then
 * sorted: a block is a run of equal keys with its records in ascending order. A native typed-array sort of one
 * number per key replaces a Map of arrays (and all its garbage).
 */
function sortedKeyCodes(rule: BlockingRule, size: number, list: NumberList): { codes: Float64Array; radix: number } {
  const recordBits = Math.max(1, Math.ceil(Math.log2(size + 1)));
  const radix = 2 ** recordBits;
  // Keys are 32-bit; past 2^21 records, their low bits are dropped so that key and record fit 53 bits.
  const shift = Math.max(0, recordBits - 21);
  list.length = 0;
  let record = 0;
  const emit = (key: number) => list.push((key >>> shift) * radix + record);
  for (; record < size; record++) rule.keys(record, emit);
  return { codes: list.view().sort(), radix };
}

/** Calls fn with the records of each block (each record once, ascending); `members` is reused between calls. */
function forEachBlock(codes: Float64Array, radix: number, fn: (members: number[]) => void): void {
  const members: number[] = [];
  let x = 0;
  while (x < codes.length) {
    const key = Math.floor(codes[x]! / radix);
    const end = (key + 1) * radix;
    members.length = 0;
    let last = -1;
    for (; x < codes.length && codes[x]! < end; x++) {
      const r = codes[x]! - key * radix;
      if (r !== last) members.push((last = r));
    }
    fn(members);
  }
}

/** One rule's blocks: the pairs they propose are appended to scratch.pairs; returns the rule's figures. */
export function rulePairs(
  rule: BlockingRule,
  size: number,
  options: BlockingOptions,
  order: RecordOrder,
  scratch: BlockingScratch,
  side?: Uint8Array,
): RuleStat {
  const out = scratch.pairs;
  const before = out.length;
  const push = (a: number, b: number) => {
    if (side && side[a] === side[b]) return;
    out.push(a < b ? a * size + b : b * size + a);
  };
  const { codes, radix } = sortedKeyCodes(rule, size, scratch.keys);
  const s = {
    rule: rule.name,
    blocks: 0,
    pairs: 0,
    oversizedBlocks: 0,
    recordsInOversizedBlocks: 0,
    pairsSkippedInOversizedBlocks: 0,
  };
  const cap = Math.min(options.maxBlockSize, rule.maxBlockSize ?? Infinity);
  if (rule.maxPairsPerRecord !== undefined) {
    let would = 0;
    forEachBlock(codes, radix, (m) => {
      if (m.length > 1 && m.length <= cap) would += (m.length * (m.length - 1)) / 2;
    });
    if (would > rule.maxPairsPerRecord * size) {
      // Reported as one oversized block holding every pair the rule would have proposed.
      return {
        ...s,
        rule: `${rule.name} (not used: ${(would / size).toFixed(1)} pairs a record)`,
        oversizedBlocks: 1,
        pairsSkippedInOversizedBlocks: would,
      };
    }
  }
  const w = Math.min(options.window, rule.window ?? Infinity);
  forEachBlock(codes, radix, (members) => {
    const n = members.length;
    if (n < 2) return;
    s.blocks++;
    if (n <= cap) {
      for (let x = 0; x < n; x++) for (let y = x + 1; y < n; y++) push(members[x]!, members[y]!);
      return;
    }
    s.oversizedBlocks++;
    s.recordsInOversizedBlocks += n;
    if (w === 0) {
      s.pairsSkippedInOversizedBlocks += (n * (n - 1)) / 2;
      return;
    }
    const sorted = members.slice().sort(order);
    let emitted = 0;
    for (let x = 0; x < n; x++) {
      for (let y = x + 1; y <= x + w && y < n; y++) {
        push(sorted[x]!, sorted[y]!);
        emitted++;
      }
    }
    s.pairsSkippedInOversizedBlocks += (n * (n - 1)) / 2 - emitted;
  });
  s.pairs = out.length - before;
  return s;
}

/** A sorted list without its repeats, in place: the front of the same buffer. */
export function distinctSorted(list: Float64Array): Float64Array {
  let unique = 0;
  for (let x = 0; x < list.length; x++) if (x === 0 || list[x] !== list[x - 1]) list[unique++] = list[x]!;
  return list.subarray(0, unique);
}

/**
 * The distinct pairs of some pair lists, as parallel left/right arrays in pair order. Each list is sorted in place
 * unless `sorted` says it already is (another thread sorted its own); `shared` puts the result in shared memory,
 * for a worker to read without a copy.
 */
export function uniquePairs(
  lists: readonly Float64Array[],
  stats: readonly RuleStat[],
  size: number,
  options: { sorted?: boolean; shared?: boolean } = {},
): CandidatePairs {
  if (lists.length > 2) throw new Error('uniquePairs merges at most two lists');
  if (!options.sorted) for (const list of lists) list.sort();
  const [a = new Float64Array(0), b = new Float64Array(0)] = lists;
  // Two passes over the merge: the first counts, so that the result is allocated once at its size.
  const merged = (visit: (code: number) => void): void => {
    let x = 0;
    let y = 0;
    let last = Number.NaN;
    while (x < a.length || y < b.length) {
      const code = y >= b.length || (x < a.length && a[x]! <= b[y]!) ? a[x++]! : b[y++]!;
      if (code !== last) visit(code);
      last = code;
    }
  };
  let unique = 0;
  merged(() => unique++);
  const ints = (length: number) =>
    options.shared ? new Int32Array(new SharedArrayBuffer(length * 4)) : new Int32Array(length);
  const left = ints(unique);
  const right = ints(unique);
  let k = 0;
  merged((code) => {
    const l = Math.floor(code / size);
    left[k] = l;
    right[k++] = code - l * size;
  });
  return { left, right, stats: { rules: [...stats], candidatePairs: unique, allPairs: 0 } };
}
