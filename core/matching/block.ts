import { hashString } from '../example/random';
import { longSoundex, soundex } from './compare/phonetic';
import { COMPANY_STOPWORDS } from './normalize/company-name';
import type { PreparedField } from './prepare';

/** A blocking rule: the keys one record files under. Two records become a candidate pair when they share a key. */
export interface BlockingRule {
  readonly name: string;
  keys(i: number): readonly string[];
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

export interface BlockingOptions {
  maxBlockSize: number;
  window: number;
}

export interface BlockingStats {
  rules: Array<{ rule: string; blocks: number; pairs: number; oversizedBlocks: number; recordsInOversizedBlocks: number; pairsSkippedInOversizedBlocks: number }>;
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

const first = (s: string | null | undefined) => (s ? s[0]! : '');
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
const LETTERS = 'abcdefghijklmnopqrstuvwxyz0123456789'.split('');

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
  /**
   * The initials of both names in either order ("sw" for Will Smith and for Smith Will), the given name's formal
   * initial so that Bill meets William. A blank name stands for every letter (26 keys), so that a record missing a
   * name still meets its twin; with both names blank, "*" meets the other nameless records.
   */
  const nameInitials = (i: number): string[] => {
    if (full && !given && !family) return [`f${first(full.values[i])}`];
    const a = family ? first(family.values[i]) : '*';
    const b = given ? first(given.formal![i]?.[0]) : '*';
    if (a === '' && b === '') return ['*'];
    if (a !== '' && b !== '') return [a < b ? a + b : b + a];
    const known = a || b;
    return LETTERS.map((l) => (l < known ? l + known : known + l));
  };
  const single = (
    name: string,
    field: PreparedField | undefined,
    key: (v: string, i: number) => string | null,
    limits?: typeof COARSE,
    /** Suffixes multiplying the key (one key per suffix), e.g. name initials. */
    suffixes?: (i: number) => readonly string[],
  ) => {
    if (!field) return;
    rules.push({
      name,
      ...limits,
      keys(i) {
        const v = field.values[i];
        const k = v == null ? null : key(v, i);
        if (k === null) return [];
        return suffixes ? suffixes(i).map((x) => `${k}|${x}`) : [k];
      },
    });
  };
  for (const f of fields) {
    if (f.config.block === false) continue;
    if (f.kind === 'email' || f.kind === 'identifier' || f.kind === 'domain') single(`${f.config.name} exact`, f, (v) => v);
    if (f.kind === 'email') {
      single(`${f.config.name} mailbox name`, f, (_v, i) => (f.secondary![i]!.length >= 4 ? f.secondary![i]! : null));
      // A typo late in the mailbox name, or in the domain, keeps its first letters.
      single(`${f.config.name} mailbox letters`, f, (_v, i) => {
        const letters = f.secondary![i]!.replace(/[^a-z]/g, '');
        return letters.length >= 4 ? `@${letters.slice(0, 5)}` : null;
      }, COARSE);
    }
    if (f.kind === 'phone') single(`${f.config.name} last 7 digits`, f, (_v, i) => (f.secondary![i]!.length === 7 ? f.secondary![i]! : null));
  }
  if (given && family) {
    rules.push({
      name: 'surname sound + formal given name',
      ...NAME_BLOCKS(),
      keys(i) {
        const s = family.values[i];
        const formal = given.formal![i];
        if (!s || !formal) return [];
        const code = longSoundex(s);
        return formal.map((g) => `${code}|${g}`);
      },
    });
    rules.push({
      name: 'given and surname sounds, either order',
      ...NAME_BLOCKS(),
      keys(i) {
        const s = family.values[i];
        const g = given.values[i];
        if (!s || !g) return [];
        const a = longSoundex(s);
        const b = longSoundex(g);
        return [a < b ? `${a}|${b}` : `${b}|${a}`];
      },
    });
  } else if (family) {
    single('surname sound', family, (v) => soundex(v));
  }
  if (full) {
    rules.push({
      name: 'name word sounds',
      keys(i) {
        const w = full.words![i];
        if (!w || w.length === 0) return [];
        const codes = w.filter((t) => t.length > 1).map(soundex).sort();
        const formal = full.formal![i]!;
        return [codes.join('|'), ...formal.map((g) => `${g}|${soundex(w[w.length - 1]!)}`)];
      },
    });
  }
  const date = of('date');
  if (date && (given || family)) {
    // Both names and the full date can carry a typo at once; a name with the birth year still meets its twin.
    const year = (i: number) => {
      const d = date.values[i];
      return d && d.length === 8 ? d.slice(0, 4) : null;
    };
    if (given) {
      rules.push({
        name: `given name + ${date.config.name} year`,
        ...COARSE,
        keys(i) {
          const y = year(i);
          const formal = given.formal![i];
          return y && formal ? formal.map((g) => `${y}|${g}`) : [];
        },
      });
    }
    if (family) {
      rules.push({
        name: `surname + ${date.config.name} year`,
        ...COARSE,
        keys(i) {
          const y = year(i);
          const s = family.compact![i];
          return y && s ? [`${y}|${s}`] : [];
        },
      });
    }
  }
  const city = of('city');
  if (city) {
    if (given) {
      rules.push({
        name: `given name + ${city.config.name}`,
        ...COARSE,
        keys(i) {
          const c = city.values[i];
          const formal = given.formal![i];
          return c && formal ? formal.map((g) => `${c}|${g}`) : [];
        },
      });
    }
    if (family) single(`surname + ${city.config.name}`, city, (c, i) => (family.compact![i] ? `${c}|${family.compact![i]}` : null), COARSE);
  }
  if (date) single(`${date.config.name} exact`, date, (d) => d, COARSE);
  if (date) {
    rules.push({
      name: `${date.config.name} + name initials`,
      keys(i) {
        const d = date.values[i];
        return d ? nameInitials(i).map((x) => `${d}|${x}`) : [];
      },
    });
  }
  const postcode = of('postcode');
  if (postcode) {
    const nameKey = (i: number): string | null => {
      if (family) return family.values[i] ? soundex(family.values[i]!) : null;
      if (full) return full.values[i] ? soundex(full.values[i]!.split(' ').pop()!) : null;
      if (company) return company.values[i] ? company.values[i]!.replace(/ /g, '').slice(0, 3) : null;
      return '';
    };
    single(`${postcode.config.name} + name`, postcode, (v, i) => {
      const k = nameKey(i);
      return k === null ? null : `${v}|${k}`;
    });
  }
  const address = of('address');
  if (address) {
    single(`${address.config.name} number + street`, address, (_v, i) => {
      const words = address.words![i]!;
      const number = words.find((t) => /^\d/.test(t));
      const street = words.find((t) => !/^\d/.test(t) && t.length > 2);
      return number && street ? `${number}|${street}` : null;
    }, undefined, nameInitials);
  }
  // A shared employer is no sign of a shared identity: company words block only when there are no person names.
  if (company && !given && !family && !full) {
    rules.push({
      name: `${company.config.name} words`,
      keys(i) {
        const w = company.words![i];
        if (!w) return [];
        const keys = w.filter((t) => t.length > 2 && !COMPANY_STOPWORDS.has(t));
        keys.push(`~${company.values[i]!.replace(/ /g, '').slice(0, 6)}`);
        return keys;
      },
    });
  }
  return rules;
}

/** What oversized blocks are sorted by, so that the sliding window pairs records with similar names. */
export function sortKeys(fields: readonly PreparedField[], size: number): string[] {
  const order = ['familyName', 'fullName', 'companyName', 'givenName', 'email', 'address'];
  const used = order.map((k) => fields.find((f) => f.kind === k)).filter((f): f is PreparedField => f !== undefined);
  const out = new Array<string>(size);
  for (let i = 0; i < size; i++) out[i] = used.map((f) => f.values[i] ?? '').join('\u0001');
  return out;
}

/** What one rule proposes: its pairs encoded as a * size + b (a < b), duplicates included, and its figures. */
export interface RulePairs {
  codes: Float64Array;
  stat: BlockingStats['rules'][number];
}

/**
 * Candidate pairs: every pair sharing a key of any rule, once. A block larger than maxBlockSize is compared
 * through a window over its members sorted by name instead of all-to-all, which keeps the number of pairs
 * about linear in the input; what that skips is counted per rule. In link mode only cross-source pairs count.
 */
export function candidatePairs(rules: readonly BlockingRule[], size: number, options: BlockingOptions, sortKey: () => string[], side?: Uint8Array): CandidatePairs {
  let keys: string[] | undefined;
  const sorted = () => (keys ??= sortKey());
  return mergeRulePairs(rules.map((rule) => rulePairs(rule, size, options, sorted, side)), size);
}

/**
 * The rules this thread claims from a counter shared with another thread (each takes the next unclaimed rule until
 * none is left), with their pairs. Each rule's pairs depend on the rule alone, so who blocks which rule changes
 * nothing in the merged result.
 */
export function claimRulePairs(rules: readonly BlockingRule[], counter: Int32Array, size: number, options: BlockingOptions, sortKey: () => string[], side?: Uint8Array): Array<{ index: number; pairs: RulePairs }> {
  let keys: string[] | undefined;
  const sorted = () => (keys ??= sortKey());
  const out: Array<{ index: number; pairs: RulePairs }> = [];
  for (;;) {
    const index = Atomics.add(counter, 0, 1);
    if (index >= rules.length) return out;
    out.push({ index, pairs: rulePairs(rules[index]!, size, options, sorted, side) });
  }
}

/** One rule's blocks and the pairs they propose. */
export function rulePairs(rule: BlockingRule, size: number, options: BlockingOptions, sortKey: () => string[], side?: Uint8Array): RulePairs {
  let buffer = new Float64Array(1 << 12);
  let count = 0;
  const push = (a: number, b: number) => {
    if (a === b) return;
    if (side && side[a] === side[b]) return;
    if (count === buffer.length) {
      const next = new Float64Array(buffer.length * 2);
      next.set(buffer);
      buffer = next;
    }
    buffer[count++] = a < b ? a * size + b : b * size + a;
  };
  // Keys are hashed to 30 bits, which V8 keeps as small integers (a Map of them is several times faster than one
  // of 32-bit keys): a collision only merges two blocks (more candidates), it never loses a pair.
  const blocks = new Map<number, number | number[]>();
  for (let i = 0; i < size; i++) {
    for (const k of rule.keys(i)) {
      const h = hashString(k) >>> 2;
      const existing = blocks.get(h);
      if (existing === undefined) blocks.set(h, i);
      else if (typeof existing === 'number') {
        if (existing !== i) blocks.set(h, [existing, i]);
      } else if (existing[existing.length - 1] !== i) existing.push(i);
    }
  }
  const s = { rule: rule.name, blocks: 0, pairs: 0, oversizedBlocks: 0, recordsInOversizedBlocks: 0, pairsSkippedInOversizedBlocks: 0 };
  const cap = Math.min(options.maxBlockSize, rule.maxBlockSize ?? Infinity);
  if (rule.maxPairsPerRecord !== undefined) {
    let would = 0;
    for (const members of blocks.values()) if (typeof members !== 'number' && members.length <= cap) would += (members.length * (members.length - 1)) / 2;
    if (would > rule.maxPairsPerRecord * size) {
      // Reported as one oversized block holding every pair the rule would have proposed.
      return { codes: new Float64Array(0), stat: { ...s, rule: `${rule.name} (not used: ${(would / size).toFixed(1)} pairs a record)`, oversizedBlocks: 1, pairsSkippedInOversizedBlocks: would } };
    }
  }
  for (const members of blocks.values()) {
    if (typeof members === 'number') continue;
    s.blocks++;
    const n = members.length;
    if (n <= cap) {
      for (let x = 0; x < n; x++) for (let y = x + 1; y < n; y++) push(members[x]!, members[y]!);
      continue;
    }
    const w = Math.min(options.window, rule.window ?? Infinity);
    if (w === 0) {
      s.oversizedBlocks++;
      s.recordsInOversizedBlocks += n;
      s.pairsSkippedInOversizedBlocks += (n * (n - 1)) / 2;
      continue;
    }
    const k = sortKey();
    const sorted = [...members].sort((a, b) => (k[a]! < k[b]! ? -1 : k[a]! > k[b]! ? 1 : a - b));
    let emitted = 0;
    for (let x = 0; x < n; x++) {
      for (let y = x + 1; y <= x + w && y < n; y++) {
        push(sorted[x]!, sorted[y]!);
        emitted++;
      }
    }
    s.oversizedBlocks++;
    s.recordsInOversizedBlocks += n;
    s.pairsSkippedInOversizedBlocks += (n * (n - 1)) / 2 - emitted;
  }
  s.pairs = count;
  return { codes: buffer.subarray(0, count), stat: s };
}

/** The rules' pairs (in rule order) as one sorted list without repeats, and the figures. */
export function mergeRulePairs(perRule: readonly RulePairs[], size: number): CandidatePairs {
  const stats: BlockingStats = { rules: perRule.map((r) => r.stat), candidatePairs: 0, allPairs: 0 };
  const all = new Float64Array(perRule.reduce((t, r) => t + r.codes.length, 0));
  let at = 0;
  for (const r of perRule) {
    all.set(r.codes, at);
    at += r.codes.length;
  }
  all.sort();
  let unique = 0;
  for (let x = 0; x < all.length; x++) if (x === 0 || all[x] !== all[x - 1]) all[unique++] = all[x]!;
  const left = new Int32Array(unique);
  const right = new Int32Array(unique);
  for (let x = 0; x < unique; x++) {
    const code = all[x]!;
    const a = Math.floor(code / size);
    left[x] = a;
    right[x] = code - a * size;
  }
  stats.candidatePairs = unique;
  return { left, right, stats };
}
