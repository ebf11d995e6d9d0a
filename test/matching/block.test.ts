/**
 * Blocking rules: coarse keys pair damaged twins in small sets and step aside in large ones; the birth-date key
 * holds both name initials in either order.
 */
import { describe, expect, it } from 'vitest';
import { candidatePairs } from '../../core/matching/block';
import { keysOf, type BlockingRule } from '../../core/matching/block-keys';
import { blockingRules } from '../../core/matching/block-rules';
import { prepareDedupe } from '../../core/matching/dataset';

const options = { maxBlockSize: 100, window: 10 };
const byPosition = (a: number, b: number) => a - b;

function rule(keys: (i: number) => number[], limits: Partial<BlockingRule> = {}): BlockingRule {
  return { name: 'test', keys: (i, emit) => keys(i).forEach(emit), ...limits };
}

describe('blocking', () => {
  it('drops a coarse rule whose blocks would add more pairs than allowed per record', () => {
    // 40 records in 4 blocks of 10: 180 pairs, 4.5 a record.
    const wide = rule((i) => [i % 4], { maxPairsPerRecord: 1.5 });
    const dropped = candidatePairs([wide], 40, options, byPosition);
    expect(dropped.left.length).toBe(0);
    expect(dropped.stats.rules[0]!.rule).toMatch(/not used: 4\.5 pairs a record/);
    expect(dropped.stats.rules[0]!.pairsSkippedInOversizedBlocks).toBe(180);
    // The same keys on 40 records in 20 blocks of 2: 20 pairs, 0.5 a record, kept.
    const narrow = rule((i) => [i % 20], { maxPairsPerRecord: 1.5 });
    expect(candidatePairs([narrow], 40, options, byPosition).left.length).toBe(20);
  });

  it('skips blocks past a rule cap when its window is 0, and counts what it skipped', () => {
    const r = rule((i) => [i < 30 ? 1000 : i % 2], { maxBlockSize: 24, window: 0 });
    const c = candidatePairs([r], 34, options, byPosition);
    expect(c.left.length).toBe(2);
    expect(c.stats.rules[0]!.oversizedBlocks).toBe(1);
    expect(c.stats.rules[0]!.pairsSkippedInOversizedBlocks).toBe(435);
  });

  it('keys a birth date with both name initials in either order, a blank name standing for every letter', () => {
    const records = [
      { id: 'a', first_name: 'Will', last_name: 'Smith', dob: '1971-06-24' },
      { id: 'b', first_name: 'Smith', last_name: 'Will', dob: '1971-06-24' },
      { id: 'c', first_name: 'Bill', last_name: '', dob: '1971-06-24' },
      { id: 'd', first_name: 'Walter', last_name: 'Jones', dob: '1971-06-24' },
    ];
    const data = prepareDedupe(records, { preset: 'contacts' });
    const dateRule = blockingRules(data.fields.map((f) => f.prepared)).find((r) =>
      r.name.startsWith('date_of_birth + name initials'),
    )!;
    const [a, b, c, d] = [0, 1, 2, 3].map((i) => keysOf(dateRule, i)) as [number[], number[], number[], number[]];
    // Smith Will and Will Smith: one key, the same (initials "sw" in either order).
    expect(a).toHaveLength(1);
    expect(b).toEqual(a);
    // Bill is William: w with any surname initial (36 keys), so it meets a (sw) and d (jw).
    expect(new Set(c).size).toBe(36);
    expect(c).toContain(a[0]);
    expect(d).toHaveLength(1);
    expect(d[0]).not.toBe(a[0]);
    expect(c).toContain(d[0]);
  });
});

describe('sort-based blocks agree with a plain grouping', () => {
  /** The naive reference: group records by key in a Map, pairs all-to-all up to the cap, a window past it. */
  function naive(keys: number[][], cap: number, window: number): Set<string> {
    const blocks = new Map<number, number[]>();
    keys.forEach((ks, i) =>
      ks.forEach((k) => {
        const b = blocks.get(k) ?? [];
        if (b[b.length - 1] !== i) b.push(i);
        blocks.set(k, b);
      }),
    );
    const out = new Set<string>();
    for (const m of blocks.values()) {
      for (let x = 0; x < m.length; x++) {
        for (let y = x + 1; y < m.length && (m.length <= cap || y <= x + window); y++) out.add(`${m[x]},${m[y]}`);
      }
    }
    return out;
  }

  it('finds the same pairs on random keys, blocks of every size, repeated keys and records without any', () => {
    let seed = 7;
    const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
    for (let round = 0; round < 20; round++) {
      const size = 50 + Math.floor(next() * 400);
      const spread = 2 + Math.floor(next() * size);
      const keys = Array.from({ length: size }, () =>
        Array.from({ length: Math.floor(next() * 4) }, () => (Math.floor(next() * spread) * 2654435761) >>> 0),
      );
      const cap = 2 + Math.floor(next() * 20);
      const window = 1 + Math.floor(next() * 5);
      const got = candidatePairs([rule((i) => keys[i]!)], size, { maxBlockSize: cap, window }, byPosition);
      const pairs = new Set(Array.from(got.left, (a, p) => `${a},${got.right[p]}`));
      expect(pairs).toEqual(naive(keys, cap, window));
      expect(got.left.every((a, p) => a < got.right[p]!)).toBe(true);
    }
  });
});
