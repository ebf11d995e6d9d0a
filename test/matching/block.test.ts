/**
 * Blocking rules: coarse keys pair damaged twins in small sets and step aside in large ones; the birth-date key
 * holds both name initials in either order.
 */
import { describe, expect, it } from 'vitest';
import { blockingRules, candidatePairs, type BlockingRule } from '../../core/matching/block';
import { prepareDedupe } from '../../core/matching/engine';

const options = { maxBlockSize: 100, window: 10 };
const noSort = () => [] as string[];

function rule(keys: (i: number) => string[], limits: Partial<BlockingRule> = {}): BlockingRule {
  return { name: 'test', keys, ...limits };
}

describe('blocking', () => {
  it('drops a coarse rule whose blocks would add more pairs than allowed per record', () => {
    // 40 records in 4 blocks of 10: 180 pairs, 4.5 a record.
    const wide = rule((i) => [String(i % 4)], { maxPairsPerRecord: 1.5 });
    const dropped = candidatePairs([wide], 40, options, noSort);
    expect(dropped.left.length).toBe(0);
    expect(dropped.stats.rules[0]!.rule).toMatch(/not used: 4\.5 pairs a record/);
    expect(dropped.stats.rules[0]!.pairsSkippedInOversizedBlocks).toBe(180);
    // The same keys on 40 records in 20 blocks of 2: 20 pairs, 0.5 a record, kept.
    const narrow = rule((i) => [String(i % 20)], { maxPairsPerRecord: 1.5 });
    expect(candidatePairs([narrow], 40, options, noSort).left.length).toBe(20);
  });

  it('skips blocks past a rule cap when its window is 0, and counts what it skipped', () => {
    const r = rule((i) => [i < 30 ? 'big' : String(i % 2)], { maxBlockSize: 24, window: 0 });
    const c = candidatePairs([r], 34, options, noSort);
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
    const dateRule = blockingRules(data.fields.map((f) => f.prepared)).find((r) => r.name.startsWith('date_of_birth + name initials'))!;
    expect(dateRule.keys(0)).toEqual(['19710624|sw']);
    expect(dateRule.keys(1)).toEqual(['19710624|sw']);
    // Bill is William: w with any surname initial, so it meets a (sw) and d (jw).
    expect(dateRule.keys(2)).toHaveLength(36);
    expect(dateRule.keys(2)).toContain('19710624|sw');
    expect(dateRule.keys(2)).toContain('19710624|jw');
  });
});
