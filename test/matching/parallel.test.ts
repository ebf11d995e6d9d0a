import { describe, expect, it } from 'vitest';
import { generateContacts } from '../../bench/matching/generate-contacts';
import { dedupe, link } from '../../core/matching';
import { threadsFor, PARALLEL_MIN_RECORDS } from '../../core/matching/parallel';
import { recogniseFields } from '../../core/matching/presets';
import { shareWork } from '../../core/matching/share';

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
      idColumn: 'id',
      rightIdColumn: 'ref',
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

  it('sets aside the same rows for the same first reason, whichever thread reads the bad cell', () => {
    const damaged: Array<Record<string, unknown> | null> = rows.map((r) => ({ ...r }));
    const at = (k: number) => damaged[k] as Record<string, unknown>;
    at(10).first_name = 'J\uFFFDrgen';
    at(10).address = { street: 'Main' };
    at(20).email = 'ann\uD800@x.com';
    at(30).id = at(5).id;
    at(40).id = '  ';
    at(40).company = 'Bad \uFFFD Inc';
    damaged[50] = null;
    at(60).phone = ['555', '0100'];
    at(70).company = 'Acme \uDC00';
    at(80).zip = new Date(Number.NaN);
    const config = { preset: 'contacts' as const };
    const fields = recogniseFields('contacts', Object.keys(rows[0]!), new Set(['id']));
    const share = shareWork(fields);
    const threadOf = (column: string) => share.fields[fields.findIndex((f) => f.columns.includes(column))];
    // The bad cells are read on both threads, and so are the IDs checked on one of them.
    expect(new Set(['first_name', 'email', 'company', 'phone', 'address'].map(threadOf))).toEqual(new Set([0, 1]));
    const one = dedupe(damaged as Array<Record<string, unknown>>, config, { threads: 1 });
    const two = dedupe(damaged as Array<Record<string, unknown>>, config, { threads: 2 });
    const utf8 = (c: string) => `column "${c}" holds text that was not valid UTF-8 (replacement character)`;
    expect(one.quarantine).toEqual([
      { index: 10, id: rows[10]!.id, reason: utf8('first_name') },
      { index: 20, id: rows[20]!.id, reason: utf8('email') },
      { index: 30, id: rows[5]!.id, reason: `duplicate ID "${rows[5]!.id}" (first seen at row 5)` },
      { index: 40, id: null, reason: 'blank ID in column "id"' },
      { index: 50, id: null, reason: 'not a record (an object of column values)' },
      { index: 60, id: rows[60]!.id, reason: 'column "phone" holds a list, not a value' },
      { index: 70, id: rows[70]!.id, reason: utf8('company') },
    ]);
    expect(one.stats.records).toBe(rows.length - 7);
    expect(one.clusters.flatMap((c) => c.records)).not.toContain(rows[10]!.id);
    expect(comparable(two)).toEqual(comparable(one));
  });

  it('uses one thread for small inputs unless told otherwise', () => {
    expect(threadsFor(PARALLEL_MIN_RECORDS - 1)).toBe(1);
    expect(threadsFor(10, { threads: 2 })).toBe(2);
    expect(threadsFor(10_000_000, { threads: 1 })).toBe(1);
  });
});
