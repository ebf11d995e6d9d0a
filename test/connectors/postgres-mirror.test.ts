import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReadItem } from '../../core/connectors/connector';
import { PostgresMirrorConnector } from '../../core/connectors/postgres/postgres-mirror';
import { createTestDatabase, type TestDatabase } from '../helpers/database';

let t: TestDatabase;
let mirror: PostgresMirrorConnector;

async function ids(items: AsyncIterable<ReadItem>): Promise<string[]> {
  const out: string[] = [];
  for await (const i of items) if (i.type === 'record') out.push(i.record.id);
  return out;
}

beforeAll(async () => {
  t = await createTestDatabase();
  await t.db.pool.query('CREATE SCHEMA "Mirror"');
  await t.db.pool.query(`CREATE TABLE "Mirror".companies (
    hs_object_id bigint PRIMARY KEY, legacy_company_id text UNIQUE, name text NOT NULL, employees integer, modified timestamptz NOT NULL)`);
  // 25 rows; rows 10-14 share one modified time, so an incremental read must break ties by ID.
  await t.db.pool.query(`INSERT INTO "Mirror".companies
    SELECT i, 'L' || i, 'Company ' || i, i * 10, timestamptz '2024-01-01' + (CASE WHEN i BETWEEN 10 AND 14 THEN 10 ELSE i END) * interval '1 hour'
      FROM generate_series(1, 25) i`);
  mirror = new PostgresMirrorConnector(t.db.pool, {
    schema: 'Mirror',
    pageSize: 4,
    tables: {
      companies: {
        table: 'companies',
        idColumn: 'hs_object_id',
        legacyIdColumn: 'legacy_company_id',
        modifiedColumn: 'modified',
      },
    },
  });
}, 60_000);
afterAll(async () => t?.drop());

describe('Postgres mirror connector', () => {
  it('checks the connection and describes columns with types and uniqueness', async () => {
    expect(await mirror.checkConnection()).toEqual({ ok: true, message: 'schema Mirror has 1 table(s)' });
    const schema = await mirror.describe('companies');
    expect(schema.fields).toEqual([
      { name: 'hs_object_id', type: 'integer', required: true, unique: true },
      { name: 'legacy_company_id', type: 'string', required: false, unique: true },
      { name: 'name', type: 'string', required: true, unique: false },
      { name: 'employees', type: 'integer', required: false, unique: false },
      { name: 'modified', type: 'datetime', required: true, unique: false },
    ]);
  });

  it('reads every row across pages in ID order, properties as text', async () => {
    const items: ReadItem[] = [];
    for await (const i of mirror.read('companies', { properties: ['name', 'employees'] })) items.push(i);
    expect(items).toHaveLength(25);
    expect(items[0]).toEqual({
      type: 'record',
      record: {
        id: '1',
        properties: { name: 'Company 1', employees: '10' },
        modifiedAt: '2024-01-01T01:00:00+00:00',
        origin: { source: 'Mirror.companies' },
      },
    });
  });

  it('resumes after a cursor without skipping rows that share its timestamp', async () => {
    const all: ReadItem[] = [];
    for await (const i of mirror.read('companies')) all.push(i);
    const eleventh = all.find((i) => i.type === 'record' && i.record.id === '11')!;
    const cursor = eleventh.type === 'record' ? `${eleventh.record.modifiedAt}|11` : '';
    expect(await ids(mirror.read('companies', { since: cursor }))).toEqual([
      '12',
      '13',
      '14',
      '15',
      '16',
      '17',
      '18',
      '19',
      '20',
      '21',
      '22',
      '23',
      '24',
      '25',
    ]);
    expect(await ids(mirror.read('companies', { since: '2024-01-01T23:30:00Z' }))).toEqual(['24', '25']);
  });

  it('upserts by a unique key: creates, leaves equal rows alone, updates, and fails per record', async () => {
    const first = await mirror.upsert(
      'companies',
      [
        { key: 'L5', properties: { name: 'Company 5', employees: '50' } },
        { key: 'L6', properties: { name: 'Renamed 6', employees: '61' } },
        {
          key: 'L99',
          properties: { hs_object_id: '99', name: 'New 99', employees: '1', modified: '2024-05-01T00:00:00Z' },
        },
        { key: 'L7', properties: { employees: 'lots' } },
        { key: 'L8', properties: { nickname: 'x' } },
      ],
      { keyProperty: 'legacy_company_id' },
    );
    expect(first).toEqual([
      { key: 'L5', status: 'unchanged', id: '5' },
      { key: 'L6', status: 'updated', id: '6' },
      { key: 'L99', status: 'created', id: '99' },
      { key: 'L7', status: 'failed', error: expect.stringContaining('invalid input syntax for type integer') },
      { key: 'L8', status: 'failed', error: 'unknown column "nickname"' },
    ]);
    const { rows } = await t.db.pool.query(
      `SELECT name, employees FROM "Mirror".companies WHERE hs_object_id IN (6, 99) ORDER BY 1`,
    );
    expect(rows).toEqual([
      { name: 'New 99', employees: 1 },
      { name: 'Renamed 6', employees: 61 },
    ]);
    await expect(
      mirror.upsert('companies', [{ key: 'Company 1', properties: {} }], { keyProperty: 'name' }),
    ).rejects.toThrow(/has no unique index/);
  });

  it('rejects identifiers that could not be quoted safely', () => {
    expect(() => new PostgresMirrorConnector(t.db.pool, { schema: 'x"; DROP TABLE y; --' })).toThrow(
      /Invalid schema name/,
    );
  });
});
