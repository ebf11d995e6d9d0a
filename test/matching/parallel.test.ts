import { describe, expect, it } from 'vitest';
import { generateContacts } from '../../bench/matching/generate-contacts';
import { dedupe, link } from '../../core/matching';
import { threadsFor, PARALLEL_MIN_RECORDS } from '../../core/matching/parallel';

/** Everything but the timings, which are the only thing two threads may change. */
function comparable<T extends { stats: { timingsMs: Record<string, number> } }>(r: T): unknown {
  return { ...r, stats: { ...r.stats, timingsMs: undefined } };
}

describe('matching on two threads', () => {
  const { records } = generateContacts(4000, 7);
  const rows = records as unknown as Array<Record<string, string>>;

  it('finds the same pairs, weights, clusters and model as on one thread (dedupe)', () => {
    const config = { preset: 'contacts' as const };
    const one = dedupe(rows, config, { threads: 1 });
    const two = dedupe(rows, config, { threads: 2 });
    expect(one.pairs.length).toBeGreaterThan(500);
    expect(one.clusters.length).toBeGreaterThan(200);
    expect(comparable(two)).toEqual(comparable(one));
  });

  it('finds the same links as on one thread (link, differently named columns)', () => {
    const left = rows.slice(0, 2500);
    const right = rows.slice(1500).map((r) => {
      const { id, first_name, ...rest } = r as Record<string, string>;
      return { ...rest, ref: id, forename: first_name };
    });
    const config = {
      idColumn: 'id', rightIdColumn: 'ref',
      fields: [
        { name: 'given', kind: 'givenName' as const, columns: ['first_name'], rightColumns: ['forename'] },
        { name: 'surname', kind: 'familyName' as const, columns: ['last_name'] },
        { name: 'email', kind: 'email' as const, columns: ['email'] },
        { name: 'phone', kind: 'phone' as const, columns: ['phone'] },
        { name: 'dob', kind: 'date' as const, columns: ['dob'] },
        { name: 'address', kind: 'address' as const, columns: ['address'] },
      ],
    };
    const one = link(left, right, config, { threads: 1 });
    const two = link(left, right, config, { threads: 2 });
    expect(one.pairs.length).toBeGreaterThan(500);
    expect(comparable(two)).toEqual(comparable(one));
  });

  it('uses one thread for small inputs unless told otherwise', () => {
    expect(threadsFor(PARALLEL_MIN_RECORDS - 1)).toBe(1);
    expect(threadsFor(10, { threads: 2 })).toBe(2);
    expect(threadsFor(10_000_000, { threads: 1 })).toBe(1);
  });
});
