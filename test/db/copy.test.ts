import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyField, copyInto, copyJson, copyRows, copyTextArray } from '../../core/db/copy';
import type { Sql } from '../../core/db/sql';
import { createTestDatabase, type TestDatabase } from '../helpers/database';

// Values a legacy export really carries: quotes, separators, escapes, braces, the word NULL, accents, empties.
const AWKWARD = [
  '',
  'plain',
  'tab\there',
  'new\nline',
  'carriage\rreturn',
  'back\\slash',
  '\\N',
  'NULL',
  'say "hi"',
  'a,b',
  '{braces}',
  ' spaced ',
  'Zürich – 東京 🚀',
  '\\"both\\"',
];

describe('COPY text format (the bulk loads of reconcile), through the real database', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(() => t.drop());

  const roundTrip = <T>(fn: (sql: Sql) => Promise<T>) => t.db.withConnection(fn);

  it('every awkward value comes back exactly as text, in a text[] and inside jsonb', async () => {
    const back = await roundTrip(async (sql) => {
      await sql.query('CREATE TEMP TABLE copy_check (n int, t text, a text[], j jsonb)');
      await copyInto(
        sql,
        'copy_check (n, t, a, j)',
        copyRows(
          AWKWARD.map((v, n) => [copyField(n), copyField(v), copyTextArray([v, `${v}2`]), copyJson({ v, list: [v] })]),
        ),
      );
      const { rows } = await sql.query<{ n: number; t: string; a: string[]; j: { v: string; list: string[] } }>(
        'SELECT n, t, a, j FROM copy_check ORDER BY n',
      );
      await sql.query('DROP TABLE copy_check');
      return rows;
    });
    expect(back).toEqual(AWKWARD.map((v, n) => ({ n, t: v, a: [v, `${v}2`], j: { v, list: [v] } })));
  });

  it('null, undefined and empty lists are SQL NULL and {}, not the text "null"', async () => {
    const back = await roundTrip(async (sql) => {
      await sql.query('CREATE TEMP TABLE copy_nulls (t text, n int, a text[], j jsonb)');
      await copyInto(
        sql,
        'copy_nulls (t, n, a, j)',
        copyRows([
          [copyField(null), copyField(undefined), copyTextArray([]), copyJson(null)],
          [copyField('null'), copyField(0), copyTextArray(['']), copyJson({})],
        ]),
      );
      const { rows } = await sql.query('SELECT t, n, a, j FROM copy_nulls ORDER BY t NULLS FIRST');
      await sql.query('DROP TABLE copy_nulls');
      return rows;
    });
    expect(back).toEqual([
      { t: null, n: null, a: [], j: null },
      { t: 'null', n: 0, a: [''], j: {} },
    ]);
  });

  it('a row the table refuses fails the load with the database message, and loads nothing', async () => {
    const outcome = await roundTrip(async (sql) => {
      await sql.query('CREATE TEMP TABLE copy_refused (n int NOT NULL)');
      const error = await copyInto(sql, 'copy_refused (n)', copyRows([[copyField(1)], [copyField('two')]])).catch(
        (e: Error) => e,
      );
      const { rows } = await sql.query<{ n: number }>('SELECT count(*)::int AS n FROM copy_refused');
      await sql.query('DROP TABLE copy_refused');
      return { message: (error as Error | undefined)?.message, rows: rows[0]!.n };
    });
    expect(outcome.message).toMatch(/invalid input syntax for type integer: "two"/);
    expect(outcome.rows).toBe(0);
  });

  it('refuses a connection it cannot bulk-load through, naming the table', async () => {
    const bare: Sql = { query: async () => ({ rows: [], rowCount: 0 }) };
    await expect(copyInto(bare, 'staging.run_unmatched (run_id)', '')).rejects.toThrow(
      /cannot bulk-load staging.run_unmatched/,
    );
  });
});
