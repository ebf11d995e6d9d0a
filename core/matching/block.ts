import { hashString, mix32 } from './hash';
import { longSoundex, soundex } from './compare/phonetic';
import { COMPANY_STOPWORDS } from './normalize/company-name';
import { emailParts } from './normalize/email';
import { phoneTail } from './normalize/phone';
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

/** How oversized blocks are ordered before the sliding window walks them: records with similar names side by side. */
export type RecordOrder = (a: number, b: number) => number;

/** Two parts of a key as one; order matters (combine(a, b) and combine(b, a) differ). */
export function combine(a: number, b: number): number {
  return mix32(Math.imul(a ^ 0x27d4eb2f, 0x9e3779b1) ^ mix32(b + 0x165667b1));
}

/** Record i's formal given names; undefined when its given name is blank. */
function formalOf(given: PreparedField, i: number): readonly string[] | undefined {
  const id = given.ids[i]!;
  return id < 0 ? undefined : given.byId.formal![id];
}

/** No key for this value. */
const NONE = -1;

/**
 * A number derived from each distinct value of a field (a hash of its Soundex code, of its mailbox name, ...),
 * computed once per value id and looked up per record; NONE for blank values and where `derive` gives none.
 */
function perValue(field: PreparedField, derive: (v: string) => number): (i: number) => number {
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
function valueIdKeys(field: PreparedField): BlockingRule['keys'] {
  const ids = field.ids;
  return (i, emit) => {
    if (ids[i]! >= 0) emit(ids[i]!);
  };
}

/**
 * Like perValue, for values that yield several keys (a nickname's formal names, the words of a name); `derive`
 * gets the value and its value id.
 */
function perValueList(
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

const first = (s: string | null | undefined) => (s ? s.charCodeAt(0) : 0);
/**
 * Coarse rules (a name with a birth year or a city, a whole birth date, a mailbox prefix) catch records damaged in
 * several fields at once. Their blocks are compared all-to-all up to this size and not at all above it: in a large
 * set such a key no longer tells people apart (a million contacts share a few thousand given-name/city keys), and
 * the specific rules already pair what it would find there.
 */
const COARSE = { maxBlockSize: 24, window: 0, maxPairsPerRecord: 1.5 } as const;
/**
 * The name-sound rules' blocks fill with distinct people as a set grows (a million contacts hold many "William
 * Smith"s): past 16 records a block is walked through a window of 5 neighbours sorted by name, which at 300,000
 * generated contacts cut candidates by a tenth and lost 3 of 123,053 pairs above the review threshold.
 */
const NAME_BLOCKS = () => ({ maxBlockSize: 16, window: 5 });
const LETTERS = 'abcdefghijklmnopqrstuvwxyz0123456789'.split('').map((c) => c.charCodeAt(0));
/** Name initials as one number: two character codes, the smaller first. */
const initialPair = (a: number, b: number) => (a < b ? a * 65536 + b : b * 65536 + a);
const STAR = 42;

/**
 * The blocking rules a set of fields supports. Each key is chosen so that a typical typo breaks few of them:
 * names by sound (Soundex) and formal name (Bill = William), dates with a name initial, contact points exactly.
 */
export function blockingRules(fields: readonly PreparedField[]): BlockingRule[] {
  const of = (kind: PreparedField['kind']) => fields.find((f) => f.kind === kind && f.config.block !== false);
  const given = of('givenName');
  const family = of('familyName');
  const full = of('fullName');
  const company = of('companyName');
  const rules: BlockingRule[] = [];
  /** The surname without spaces: "van der berg" = "vanderberg". */
  const familyCompact = family ? perValue(family, (s) => hashString(s.replace(/ /g, ''))) : undefined;
  const formalKeys = given
    ? perValueList(given, (_v, id) => given.byId.formal![id]!.map((g) => hashString(g)))
    : undefined;
  /**
   * The initials of both names in either order ("sw" for Will Smith and for Smith Will), the given name's formal
   * initial so that Bill meets William. A blank name stands for every letter (36 keys), so that a record missing a
   * name still meets its twin; with both names blank, "*" meets the other nameless records.
   */
  const nameInitials = (i: number, base: number, emit: (key: number) => void): void => {
    if (full && !given && !family) return emit(combine(base, 0x10000000 + first(full.values[i])));
    const a = family ? first(family.values[i]) : STAR;
    const b = given ? first(formalOf(given, i)?.[0]) : STAR;
    if (a === 0 && b === 0) return emit(combine(base, STAR));
    if (a !== 0 && b !== 0) return emit(combine(base, initialPair(a, b)));
    const known = a || b;
    for (const l of LETTERS) emit(combine(base, initialPair(l, known)));
  };
  /** A rule over one field's value: `key` per distinct value, times the record's `suffixes` when given. */
  const single = (
    name: string,
    field: PreparedField | undefined,
    key: (v: string) => number,
    limits?: typeof COARSE,
    suffixes?: (i: number, base: number, emit: (key: number) => void) => void,
  ) => {
    if (!field) return;
    const keyOf = perValue(field, key);
    rules.push({
      name,
      ...limits,
      keys(i, emit) {
        const k = keyOf(i);
        if (k === NONE) return;
        if (suffixes) suffixes(i, k, emit);
        else emit(k);
      },
    });
  };
  for (const f of fields) {
    if (f.config.block === false) continue;
    if (f.kind === 'email' || f.kind === 'identifier' || f.kind === 'domain')
      rules.push({ name: `${f.config.name} exact`, keys: valueIdKeys(f) });
    if (f.kind === 'email') {
      single(`${f.config.name} mailbox name`, f, (v) => {
        const local = emailParts(v).local;
        return local.length >= 4 ? hashString(local) : NONE;
      });
      // A typo late in the mailbox name, or in the domain, keeps its first letters.
      single(
        `${f.config.name} mailbox letters`,
        f,
        (v) => {
          const letters = emailParts(v).local.replace(/[^a-z]/g, '');
          return letters.length >= 4 ? hashString(`@${letters.slice(0, 5)}`) : NONE;
        },
        COARSE,
      );
    }
    if (f.kind === 'phone') {
      single(`${f.config.name} last 7 digits`, f, (v) => {
        const tail = phoneTail(v);
        return tail.length === 7 ? hashString(tail) : NONE;
      });
    }
  }
  if (given && family) {
    const sound = perValue(family, (s) => hashString(longSoundex(s)));
    const givenSound = perValue(given, (g) => hashString(longSoundex(g)));
    rules.push({
      name: 'surname sound + formal given name',
      ...NAME_BLOCKS(),
      keys(i, emit) {
        const code = sound(i);
        if (code === NONE) return;
        for (const g of formalKeys!(i)) emit(combine(code, g));
      },
    });
    rules.push({
      name: 'given and surname sounds, either order',
      ...NAME_BLOCKS(),
      keys(i, emit) {
        const a = sound(i);
        const b = givenSound(i);
        if (a === NONE || b === NONE) return;
        emit(a < b ? combine(a, b) : combine(b, a));
      },
    });
  } else if (family) {
    single('surname sound', family, (v) => hashString(soundex(v)));
  }
  if (full) {
    const wordKeys = perValueList(full, (_v, id) => {
      const w = full.byId.words![id]!;
      if (w.length === 0) return [];
      const codes = w
        .filter((t) => t.length > 1)
        .map(soundex)
        .sort();
      const last = hashString(soundex(w[w.length - 1]!));
      return [hashString(codes.join('|')), ...full.byId.formal![id]!.map((g) => combine(hashString(g), last))];
    });
    rules.push({ name: 'name word sounds', keys: (i, emit) => wordKeys(i).forEach((k) => emit(k)) });
  }
  const date = of('date');
  const dateIds = date?.ids;
  if (date && (given || family)) {
    // Both names and the full date can carry a typo at once; a name with the birth year still meets its twin.
    const year = perValue(date, (d) => (d.length === 8 ? Number(d.slice(0, 4)) : NONE));
    if (given) {
      rules.push({
        name: `given name + ${date.config.name} year`,
        ...COARSE,
        keys(i, emit) {
          const y = year(i);
          if (y !== NONE) for (const g of formalKeys!(i)) emit(combine(y, g));
        },
      });
    }
    if (family) {
      rules.push({
        name: `surname + ${date.config.name} year`,
        ...COARSE,
        keys(i, emit) {
          const y = year(i);
          const s = familyCompact!(i);
          if (y !== NONE && s !== NONE) emit(combine(y, s));
        },
      });
    }
  }
  const city = of('city');
  if (city) {
    const cityIds = city.ids;
    if (given) {
      rules.push({
        name: `given name + ${city.config.name}`,
        ...COARSE,
        keys(i, emit) {
          const c = cityIds[i]!;
          if (c >= 0) for (const g of formalKeys!(i)) emit(combine(c, g));
        },
      });
    }
    if (family) {
      rules.push({
        name: `surname + ${city.config.name}`,
        ...COARSE,
        keys(i, emit) {
          const c = cityIds[i]!;
          const s = familyCompact!(i);
          if (c >= 0 && s !== NONE) emit(combine(c, s));
        },
      });
    }
  }
  if (date) rules.push({ name: `${date.config.name} exact`, ...COARSE, keys: valueIdKeys(date) });
  if (date) {
    rules.push({
      name: `${date.config.name} + name initials`,
      keys(i, emit) {
        const d = dateIds![i]!;
        if (d >= 0) nameInitials(i, d, emit);
      },
    });
  }
  const postcode = of('postcode');
  if (postcode) {
    const nameKey: (i: number) => number = family
      ? perValue(family, (s) => hashString(soundex(s)))
      : full
        ? perValue(full, (s) => hashString(soundex(s.split(' ').pop()!)))
        : company
          ? perValue(company, (s) => hashString(s.replace(/ /g, '').slice(0, 3)))
          : () => 0;
    const codes = postcode.ids;
    rules.push({
      name: `${postcode.config.name} + name`,
      keys(i, emit) {
        const k = nameKey(i);
        if (codes[i]! >= 0 && k !== NONE) emit(combine(codes[i]!, k));
      },
    });
  }
  const address = of('address');
  if (address) {
    single(
      `${address.config.name} number + street`,
      address,
      (v) => {
        const words = v.split(' ');
        const number = words.find((t) => /^\d/.test(t));
        const street = words.find((t) => !/^\d/.test(t) && t.length > 2);
        return number && street ? combine(hashString(number), hashString(street)) : NONE;
      },
      undefined,
      nameInitials,
    );
  }
  // A shared employer is no sign of a shared identity: company words block only when there are no person names.
  if (company && !given && !family && !full) {
    const wordKeys = perValueList(company, (v, id) => {
      const keys = company.byId
        .words![id]!.filter((t) => t.length > 2 && !COMPANY_STOPWORDS.has(t))
        .map((t) => hashString(t));
      keys.push(hashString(`~${v.replace(/ /g, '').slice(0, 6)}`));
      return keys;
    });
    rules.push({ name: `${company.config.name} words`, keys: (i, emit) => wordKeys(i).forEach((k) => emit(k)) });
  }
  return rules;
}

/**
 * What oversized blocks are sorted by, so that the sliding window pairs records with similar names: surname, full
 * name, company, given name, email, address, compared value by value (a blank first), then position.
 */
export function recordOrder(fields: readonly PreparedField[]): RecordOrder {
  const kinds: Array<PreparedField['kind']> = [
    'familyName',
    'fullName',
    'companyName',
    'givenName',
    'email',
    'address',
  ];
  const used = kinds
    .map((k) => fields.find((f) => f.kind === k)?.values)
    .filter((v): v is PreparedField['values'] => v !== undefined);
  return (a, b) => {
    for (const values of used) {
      const x = values[a] ?? '';
      const y = values[b] ?? '';
      if (x !== y) return x < y ? -1 : 1;
    }
    return a - b;
  };
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
