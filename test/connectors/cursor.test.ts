import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SourceRecord } from '../../core/connectors/connector';
import {
  advanced,
  compareCursors,
  cursorOf,
  decodeCursor,
  encodeCursor,
  instantOf,
  lookback,
  requiredCursorOf,
} from '../../core/connectors/cursor';
import { PostgresMirrorConnector } from '../../core/connectors/postgres/postgres-mirror';
import { createTestDatabase, type TestDatabase } from '../helpers/database';

const T = '2024-03-01T10:00:00.000Z';
const LATER = '2024-03-01T10:00:01.000Z';
const sorted = (cursors: string[]) => [...cursors].sort(compareCursors);

describe('the time|id cursor', () => {
  it('decodes what it encodes, numeric IDs included', () => {
    expect(encodeCursor(T, '0035e00000AbCdE')).toBe('2024-03-01T10:00:00.000Z|0035e00000AbCdE');
    expect(decodeCursor(encodeCursor(T, '0035e00000AbCdE'))).toEqual({ time: T, id: '0035e00000AbCdE' });
    expect(encodeCursor(T, 42)).toBe('2024-03-01T10:00:00.000Z|42');
    expect(decodeCursor(encodeCursor(T, 42))).toEqual({ time: T, id: '42' });
  });

  it('keeps the time as written, so Postgres gets the microseconds JavaScript would drop', () => {
    expect(decodeCursor('2024-03-01T10:00:00.123456+00:00|7')).toEqual({
      time: '2024-03-01T10:00:00.123456+00:00',
      id: '7',
    });
  });

  it('splits at the first bar, so an ID containing bars comes back whole and the cursor still orders and rewinds', () => {
    const cursor = encodeCursor(T, 'acme|EU|7');
    expect(cursor).toBe('2024-03-01T10:00:00.000Z|acme|EU|7');
    expect(decodeCursor(cursor)).toEqual({ time: T, id: 'acme|EU|7' });
    expect(decodeCursor(`${T}|a|`)).toEqual({ time: T, id: 'a|' });
    expect(decodeCursor(`${T}||`)).toEqual({ time: T, id: '|' });
    expect(instantOf(cursor)).toBe(Date.parse(T));
    expect(lookback(cursor, 5)).toBe('2024-03-01T09:59:55.000Z');
    expect(sorted([`${T}|b|1`, `${T}|a|2`, `${LATER}|a|0`])).toEqual([`${T}|a|2`, `${T}|b|1`, `${LATER}|a|0`]);
  });

  it('reads a bare time as "everything after it", which sorts before every ID of that time', () => {
    expect(decodeCursor(T)).toEqual({ time: T, id: null });
    expect(sorted([encodeCursor(T, '1'), T, encodeCursor(T, 'a')])).toEqual([T, `${T}|1`, `${T}|a`]);
    expect(compareCursors(T, T)).toBe(0);
    expect(compareCursors(T, `${T}|`)).toBe(0);
  });

  it('orders by time first, whatever the IDs', () => {
    expect(compareCursors(`${T}|999`, `${LATER}|1`)).toBe(-1);
    expect(compareCursors(`${LATER}|1`, `${T}|999`)).toBe(1);
    // Times compare as instants, not as text.
    expect(compareCursors('2024-03-01T11:00:00+01:00|5', `${T}|5`)).toBe(0);
    expect(compareCursors('2024-03-01T10:00:00Z|9', `${T}|10`)).toBe(-1);
  });

  it('orders equal times by ID: numerically when both are numbers, otherwise as text', () => {
    expect(compareCursors(`${T}|9`, `${T}|10`)).toBe(-1);
    expect(compareCursors(`${T}|10`, `${T}|9`)).toBe(1);
    expect(compareCursors(`${T}|007`, `${T}|7`)).toBe(0);
    expect(compareCursors(`${T}|10`, `${T}|10`)).toBe(0);
    expect(compareCursors(`${T}|a10`, `${T}|a9`)).toBe(-1);
    expect(compareCursors(`${T}|10`, `${T}|9a`)).toBe(-1);
    expect(compareCursors(`${T}|B`, `${T}|a`)).toBe(-1);
    expect(sorted([`${T}|10`, `${LATER}|2`, `${T}|9`, `${T}|100`])).toEqual([
      `${T}|9`,
      `${T}|10`,
      `${T}|100`,
      `${LATER}|2`,
    ]);
  });

  it('rewinds to the ISO time some seconds before a cursor, whatever its ID', () => {
    expect(lookback(encodeCursor(T, 'x|y'), 5)).toBe('2024-03-01T09:59:55.000Z');
    expect(lookback(T, 0)).toBe(T);
    expect(lookback('2024-03-01T11:00:00.250+01:00|3', 1)).toBe('2024-03-01T09:59:59.250Z');
    expect(instantOf(`${T}|3`)).toBe(Date.UTC(2024, 2, 1, 10));
  });

  it('never moves a stream back before the cursor it started from', () => {
    expect(advanced(null, `${T}|9`)).toBe(`${T}|9`);
    expect(advanced(`${T}|10`, `${T}|9`)).toBe(`${T}|10`);
    expect(advanced(`${T}|9`, `${T}|10`)).toBe(`${T}|10`);
    expect(advanced(`${LATER}|1`, `${T}|99`)).toBe(`${LATER}|1`);
  });

  it('is the cursor just after a record, when the record has a modified time', () => {
    expect(cursorOf({ id: '12', modifiedAt: T })).toBe(`${T}|12`);
    expect(cursorOf({ id: '12' })).toBeNull();
    expect(requiredCursorOf({ id: '12', modifiedAt: T })).toBe(`${T}|12`);
    expect(() => requiredCursorOf({ id: '12', origin: { source: 'pipedrive:deals' } })).toThrow(
      'pipedrive:deals record 12 has no modified time, so the stream cannot resume after it',
    );
  });

  it('refuses to rewind what is not a time, and names the cursor', () => {
    expect(instantOf('yesterday|5')).toBeNaN();
    expect(instantOf('')).toBeNaN();
    expect(() => lookback('yesterday|5', 5)).toThrow(
      'Invalid cursor "yesterday|5": expected an ISO time, optionally followed by |id',
    );
    expect(() => lookback('|5', 5)).toThrow('Invalid cursor "|5"');
    expect(decodeCursor('')).toEqual({ time: '', id: null });
  });
});

describe('a mirror table whose IDs contain bars', () => {
  let t: TestDatabase;
  let mirror: PostgresMirrorConnector;
  beforeAll(async () => {
    t = await createTestDatabase();
    await t.db.pool.query('CREATE SCHEMA legacy');
    await t.db.pool.query(
      'CREATE TABLE legacy.accounts (id text PRIMARY KEY, name text, modified timestamptz NOT NULL)',
    );
    // Three accounts share one modified time, so resuming depends on the ID part of the cursor.
    await t.db.pool.query(`INSERT INTO legacy.accounts VALUES
      ('EU|1', 'a', '2024-03-01T10:00:00.123456Z'), ('EU|2', 'b', '2024-03-01T10:00:00.123456Z'),
      ('US|1', 'c', '2024-03-01T10:00:00.123456Z'), ('US|2', 'd', '2024-03-01T10:00:05Z')`);
    mirror = new PostgresMirrorConnector(t.db.pool, {
      schema: 'legacy',
      pageSize: 2,
      tables: { accounts: { table: 'accounts', idColumn: 'id', modifiedColumn: 'modified' } },
    });
  }, 60_000);
  afterAll(async () => t?.drop());

  const read = async (since: string): Promise<SourceRecord[]> => {
    const out: SourceRecord[] = [];
    for await (const item of mirror.read('accounts', { since, properties: ['name'] }))
      if (item.type === 'record') out.push(item.record);
    return out;
  };

  it('resumes after the cursor of a record, microseconds and bars included', async () => {
    const all = await read('2024-03-01T00:00:00Z');
    expect(all.map((r) => r.id)).toEqual(['EU|1', 'EU|2', 'US|1', 'US|2']);
    const cursor = cursorOf(all[1]!)!;
    expect(decodeCursor(cursor)).toEqual({ time: all[1]!.modifiedAt, id: 'EU|2' });
    expect((await read(cursor)).map((r) => r.id)).toEqual(['US|1', 'US|2']);
    expect((await read(cursorOf(all[3]!)!)).map((r) => r.id)).toEqual([]);
    expect(advanced(cursor, cursorOf(all[0]!)!)).toBe(cursor);
  });
});
