import { describe, expect, it } from 'vitest';
import { ZodError } from 'zod';
import { dedupe, link, MatchConfigSchema, MatchInputError } from '../../core/matching';

const rows = [
  { id: '1', first_name: 'Ann', last_name: 'Lee', email: 'ann@x.com' },
  { id: '2', first_name: 'Anne', last_name: 'Lee', email: 'ann@x.com' },
];

describe('bad input', () => {
  it('names the problem when there is no ID column', () => {
    const noId = rows.map(({ id: _id, ...r }) => r);
    expect(() => dedupe(noId, { preset: 'contacts' })).toThrow(MatchInputError);
    expect(() => dedupe(noId, { preset: 'contacts' })).toThrow(/no ID column found.*first_name/);
    expect(() => dedupe(rows, { preset: 'contacts', idColumn: 'customer_no' })).toThrow(
      /"customer_no" is not among the columns/,
    );
  });

  it('sets aside a row with a NUL byte in its ID or in a compared cell, naming the column, and keeps long IDs short', () => {
    const long = `x${'9'.repeat(5000)}`;
    const input = [
      ...rows,
      { id: '3\u0000', first_name: 'Ann', last_name: 'Lee', email: 'ann@x.com' },
      { id: '4', first_name: 'Ann', last_name: 'Lee', email: 'ann\u0000@x.com' },
      { id: '5\tfive', first_name: 'Bo', last_name: 'Ray', email: '' },
      { id: long, first_name: 'Cy', last_name: 'Day', email: '' },
      { id: long, first_name: 'Cy', last_name: 'Day', email: '' },
    ];
    const result = dedupe(input, { preset: 'contacts' });
    const short = `x${'9'.repeat(99)}…`;
    expect(result.quarantine).toEqual([
      { index: 2, id: '3\u0000', reason: 'the ID in column "id" holds a control character (U+0000, a NUL byte)' },
      {
        index: 3,
        id: '4',
        reason: 'column "email" holds a NUL byte (binary data, or a file read in the wrong encoding)',
      },
      { index: 4, id: '5\tfive', reason: 'the ID in column "id" holds a control character (U+0009)' },
      { index: 6, id: short, reason: `duplicate ID "${short}" (first seen at row 5)` },
    ]);
    expect(result.stats.records).toBe(3);
  });

  it('refuses empty input with a clear error', () => {
    expect(() => dedupe([], { preset: 'contacts' })).toThrow(/the input is empty/);
    expect(() => link(rows, [], { preset: 'contacts' })).toThrow(/right input is empty/);
  });

  it('quarantines repeated and blank IDs, broken text and objects, and matches the rest', () => {
    const input = [
      ...rows,
      { id: '1', first_name: 'Ann', last_name: 'Lee', email: 'other@x.com' },
      { id: ' ', first_name: 'Nobody', last_name: 'Here', email: '' },
      { id: '5', first_name: 'J\uFFFDrgen', last_name: 'Lee', email: '' },
      { id: '6', first_name: 'Lone \uD800 surrogate', last_name: 'Lee', email: '' },
      { id: '7', first_name: { first: 'Ann' }, last_name: 'Lee', email: '' },
    ];
    const result = dedupe(input, { preset: 'contacts' });
    expect(result.quarantine).toEqual([
      { index: 2, id: '1', reason: 'duplicate ID "1" (first seen at row 0)' },
      { index: 3, id: null, reason: 'blank ID in column "id"' },
      { index: 4, id: '5', reason: 'column "first_name" holds text that was not valid UTF-8 (replacement character)' },
      { index: 5, id: '6', reason: 'column "first_name" holds text that was not valid UTF-8 (replacement character)' },
      { index: 6, id: '7', reason: 'column "first_name" holds an object, not a value' },
    ]);
    expect(result.stats.records).toBe(2);
    expect(result.stats.quarantined).toBe(5);
    expect(result.clusters.map((c) => c.records)).toEqual([['1', '2']]);
  });

  it('rejects a bad config with the path of the bad entry', () => {
    expect(() => dedupe(rows, { preset: 'people' as never })).toThrow(ZodError);
    expect(() => MatchConfigSchema.parse({})).toThrow(/give a preset/);
    const bad = MatchConfigSchema.safeParse({ preset: 'contacts', thresholds: { autoMerge: 40, review: 60 } });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]?.message).toMatch(/review must not exceed/);
    expect(
      MatchConfigSchema.safeParse({ fields: [{ name: 'x', kind: 'shoeSize', columns: ['x'] }] }).error?.issues[0]?.path,
    ).toEqual(['fields', 0, 'kind']);
  });

  it('says so when a preset recognises no column', () => {
    expect(() => dedupe([{ id: '1', colour: 'red' }], { preset: 'companies' })).toThrow(
      /recognised none of the columns/,
    );
  });

  it('quarantines a large file whose every ID is blank, on one thread and on two', () => {
    // More rejections than a call can take as spread arguments: each must be collected one by one.
    const blank = Array.from({ length: 150_000 }, (_, i) => ({
      id: '',
      first_name: `Ann${i % 50}`,
      last_name: 'Lee',
      email: '',
    }));
    for (const threads of [1, 2]) {
      const result = dedupe(blank, { preset: 'contacts' }, { threads });
      expect(result.stats.records).toBe(0);
      expect(result.stats.quarantined).toBe(150_000);
      expect(result.quarantine[149_999]).toEqual({ index: 149_999, id: null, reason: 'blank ID in column "id"' });
      expect(result.clusters).toEqual([]);
    }
  });

  it('reports a dataset where every row was quarantined instead of failing', () => {
    const result = dedupe([{ id: '', first_name: 'x' }], { preset: 'contacts' });
    expect(result.stats.records).toBe(0);
    expect(result.quarantine).toHaveLength(1);
    expect(result.clusters).toEqual([]);
  });
});
