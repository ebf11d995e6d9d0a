import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sql } from '../../core/db/sql';
import { EXAMPLE_SCHEMA_COMMENT, loadMirror } from '../../demo/load-mirror';
import { MIRROR_TABLES, mirrorSchemaSql } from '../../demo/mirror-schema';
import { builtInMapping } from '../../core/mapping/load-mapping';
import { ObjectMapper } from '../../core/mapping/object-mapper';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { OBJECTS, SHIPPED, readMirror, readTruth } from './example-files';

const MIRROR = path.join(SHIPPED, 'hubspot-mirror');
const truth = readTruth(SHIPPED);
const expectedCounts = Object.fromEntries(OBJECTS.map((o) => [o, truth.objects[o]!.mirrorRows]));

describe('mirror schema', () => {
  it('has a typed column for every mapped target property, the legacy ID and the modified column', () => {
    const config = builtInMapping().config;
    for (const object of OBJECTS) {
      const spec = config.objects[object]!;
      const columns = new Map(MIRROR_TABLES[object].columns.map((c) => [c.name, c.type]));
      expect(columns.get('hs_object_id')).toBe('bigint');
      expect(columns.get(spec.target.legacyIdColumn)).toBe('text');
      expect(columns.get('createdate')).toBe('timestamptz');
      expect(columns.get(spec.target.modifiedColumn!)).toBe('timestamptz');
      for (const p of spec.properties) expect(columns.has(p.to), `${object}.${p.to}`).toBe(true);
      expect(readMirror(SHIPPED, object).header).toEqual([...columns.keys()]);
    }
    expect(MIRROR_TABLES.companies.columns.find((c) => c.name === 'numberofemployees')?.type).toBe('integer');
    expect(MIRROR_TABLES.deals.columns.find((c) => c.name === 'amount')?.type).toBe('numeric');
    expect(MIRROR_TABLES.deals.columns.find((c) => c.name === 'closedate')?.type).toBe('date');
    expect(MIRROR_TABLES.engagements.columns.find((c) => c.name === 'hs_timestamp')?.type).toBe('timestamptz');
    expect(mirrorSchemaSql('x')).toContain('CREATE TABLE "x"."companies" (\n  "hs_object_id" bigint PRIMARY KEY,');
  });
});

/** The same checks on any Sql handle: PGlite behind node-postgres, and the product's own database layer. */
function loaderSuite(name: string, open: () => Promise<{ sql: Sql; close(): Promise<void> }>): void {
  describe(`loadMirror on ${name}`, () => {
    let sql: Sql;
    let close: () => Promise<void>;
    beforeAll(async () => {
      ({ sql, close } = await open());
    }, 60_000);
    afterAll(async () => close?.());

    it('loads every table with the row counts of truth.json, typed, into a schema it marks as its own', async () => {
      const progress: Array<[string, number]> = [];
      const counts = await loadMirror(sql, MIRROR, { batchSize: 1000, onProgress: (t, n) => progress.push([t, n]) });
      expect(counts).toEqual(expectedCounts);
      expect(progress.filter(([t]) => t === 'engagements').map(([, n]) => n)).toEqual([
        1000,
        2000,
        3000,
        4000,
        expectedCounts.engagements,
      ]);
      const { rows } = await sql.query<{ comment: string }>(
        `SELECT obj_description('hubspot'::regnamespace, 'pg_namespace') AS comment`,
      );
      expect(rows[0]!.comment).toBe(EXAMPLE_SCHEMA_COMMENT);
      for (const object of OBJECTS) {
        const { rows: n } = await sql.query<{ n: string }>(`SELECT count(*)::text AS n FROM hubspot.${object}`);
        expect(n[0]!.n).toBe(String(expectedCounts[object]));
      }
      const { rows: types } = await sql.query<{ column_name: string; data_type: string }>(
        `SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = 'hubspot' AND table_name = 'deals' AND column_name IN ('hs_object_id', 'amount', 'closedate', 'createdate', 'dealname')`,
      );
      expect(Object.fromEntries(types.map((t) => [t.column_name, t.data_type]))).toEqual({
        hs_object_id: 'bigint',
        amount: 'numeric',
        closedate: 'date',
        createdate: 'timestamp with time zone',
        dealname: 'text',
      });
      const { rows: blanks } = await sql.query<{ n: string }>(
        `SELECT count(*)::text AS n FROM hubspot.companies WHERE legacy_company_id IS NULL`,
      );
      expect(Number(blanks[0]!.n)).toBe(truth.objects.companies!.unlinkedTargets);
    }, 120_000);

    it('keeps every value: read back as text, each canonicalises as the CSV value does', async () => {
      const config = builtInMapping().config;
      for (const object of OBJECTS) {
        const mapper = new ObjectMapper(config, object);
        const csv = new Map(readMirror(SHIPPED, object).rows.map((r) => [r.hs_object_id!, r]));
        const props = mapper.targetProperties;
        const { rows } = await sql.query<Record<string, string | null>>(
          `SELECT hs_object_id::text AS hs_object_id, ${props.map((p) => `"${p}"::text AS "${p}"`).join(', ')} FROM hubspot.${object}`,
        );
        expect(rows).toHaveLength(csv.size);
        for (const row of rows) {
          const source = csv.get(row.hs_object_id!)!;
          for (const p of props) {
            expect(mapper.normaliseTarget(p, row[p] ?? null), `${object} ${row.hs_object_id} ${p}`).toBe(
              mapper.normaliseTarget(p, source[p] || null),
            );
          }
        }
      }
    }, 120_000);

    it('reloads into its own schema, replacing the tables', async () => {
      await sql.query('INSERT INTO hubspot.companies (hs_object_id, name) VALUES (1, $1)', ['stray']);
      const counts = await loadMirror(sql, MIRROR, { schema: 'hubspot' });
      expect(counts.companies).toBe(expectedCounts.companies);
      const { rows } = await sql.query<{ n: string }>(
        `SELECT count(*)::text AS n FROM hubspot.companies WHERE hs_object_id = 1`,
      );
      expect(rows[0]!.n).toBe('0');
    }, 120_000);

    it('refuses to touch a schema it did not create, and leaves it alone', async () => {
      await sql.query('CREATE SCHEMA "crm_live"');
      await sql.query('CREATE TABLE "crm_live"."companies" (hs_object_id bigint PRIMARY KEY, name text)');
      await sql.query(`INSERT INTO "crm_live"."companies" VALUES (7, 'Real customer Ltd')`);
      await expect(loadMirror(sql, MIRROR, { schema: 'crm_live' })).rejects.toThrow(
        /Schema "crm_live" already exists and was not created by the example loader/,
      );
      const { rows } = await sql.query<{ name: string }>('SELECT name FROM "crm_live"."companies"');
      expect(rows).toEqual([{ name: 'Real customer Ltd' }]);
      await sql.query(`COMMENT ON SCHEMA "crm_live" IS 'something else'`);
      await expect(loadMirror(sql, MIRROR, { schema: 'crm_live' })).rejects.toThrow(
        /not created by the example loader/,
      );
      await expect(loadMirror(sql, MIRROR, { schema: 'bad name; drop' })).rejects.toThrow(/Invalid schema name/);
    });

    it('loads only the files present and rejects columns the table does not have', async () => {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'crm-bridge-mirror-'));
      try {
        writeFileSync(
          path.join(dir, 'deals.csv'),
          'hs_object_id,legacy_opportunity_id,amount,closedate,hs_lastmodifieddate\n5,20001,"1200.50",2019-03-14,2024-01-02T03:04:05Z\n6,,,,\n',
        );
        expect(await loadMirror(sql, dir, { schema: 'mini' })).toEqual({ deals: 2 });
        const { rows } = await sql.query<Record<string, string>>(
          'SELECT hs_object_id::text AS id, amount::text AS amount, closedate::text AS closedate, legacy_opportunity_id FROM mini.deals ORDER BY 1',
        );
        expect(rows).toEqual([
          { id: '5', amount: '1200.50', closedate: '2019-03-14', legacy_opportunity_id: '20001' },
          { id: '6', amount: null, closedate: null, legacy_opportunity_id: null },
        ]);
        writeFileSync(path.join(dir, 'deals.csv'), 'hs_object_id,flavour\n5,vanilla\n');
        await expect(loadMirror(sql, dir, { schema: 'mini' })).rejects.toThrow(
          /flavour are not in the deals mirror table/,
        );
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}

loaderSuite('PGlite through node-postgres', async () => {
  const { PGlite } = await import('@electric-sql/pglite');
  const { createPgConfig } = await import('@electric-sql/pglite/node-postgres');
  const pglite = await PGlite.create('memory://');
  const pool = new pg.Pool(createPgConfig(pglite) as unknown as pg.PoolConfig);
  return {
    sql: pool,
    async close() {
      await pool.end();
      await pglite.close();
    },
  };
});

let testDb: TestDatabase | undefined;
loaderSuite(
  process.env.DATABASE_URL ? 'the PostgreSQL server in DATABASE_URL' : "the product's embedded database",
  async () => {
    testDb = await createTestDatabase();
    const db = testDb.db;
    // One connection for the whole suite, as a caller of loadMirror holds it.
    return { sql: db.pool, close: async () => testDb?.drop() };
  },
);
