import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtInMapping } from '../../core/mapping/load-mapping';
import { ObjectMapper } from '../../core/mapping/object-mapper';
import type { MatchPair } from '../../core/matching';
import { inTransaction } from '../../core/db/sql';
import { assignLinks, createLinkTables, fuzzyPlanFor, keepPairs, linkedTargets } from '../../core/reconcile/fuzzy';
import { reconcile } from '../../core/reconcile/reconcile';
import type { ReconcileSummary } from '../../core/reconcile/summary';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { EXPORT_DIR, loadExampleMirror, truth } from '../helpers/example-data';

const mapping = builtInMapping();
const pair = (left: string, right: string, confidence: number): MatchPair => ({
  left,
  right,
  confidence,
  matchWeight: 0,
  decision: confidence >= 90 ? 'auto-merge' : 'review',
});

describe('one-to-one assignment of fuzzy pairs', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(async () => {
    await t?.drop();
  });

  /** Keeps the pairs in the database as the fallback does, assigns, and reads back the links chosen. */
  const assign = (pairs: MatchPair[]) =>
    t.db.withConnection((sql) =>
      inTransaction(sql, async () => {
        await createLinkTables(sql);
        await keepPairs(sql, pairs);
        const count = await assignLinks(sql);
        const linked = await linkedTargets(sql, ['T1', 'T2', 'T3']);
        return { count, links: [...linked].map(([target, legacy]) => `${legacy}-${target}`).sort() };
      }),
    );

  it('gives a contested target to the stronger pair, and the loser its next best', async () => {
    const { count, links } = await assign([
      pair('L1', 'T1', 80),
      pair('L2', 'T1', 95),
      pair('L1', 'T2', 70),
      pair('L2', 'T2', 60),
    ]);
    expect(links).toEqual(['L1-T2', 'L2-T1']);
    expect(count).toBe(2);
  });

  it('breaks equal confidences by legacy ID, then target ID, whatever the input order', async () => {
    const pairs = [pair('L2', 'T1', 88), pair('L1', 'T2', 88), pair('L1', 'T1', 88), pair('L10', 'T3', 88.1)];
    const forwards = await assign(pairs);
    const backwards = await assign([...pairs].reverse());
    // L10-T3 is stronger by 0.1; then L1-T1 wins the tie, and L1 and T1 are taken, so neither L1-T2 nor L2-T1 follows.
    expect(forwards.links).toEqual(['L1-T1', 'L10-T3']);
    expect(backwards).toEqual(forwards);
  });

  it('keeps every pair of a chunk larger than one COPY batch', async () => {
    const pairs = Array.from({ length: 12_001 }, (_, i) => pair(`L${i}`, `T${i}`, 60 + (i % 40)));
    const { count } = await assign(pairs);
    expect(count).toBe(12_001);
  });

  it("keeps the chosen pair's confidence, decision and reasons for the staging row", async () => {
    const rows = await t.db.withConnection((sql) =>
      inTransaction(sql, async () => {
        await createLinkTables(sql);
        await keepPairs(sql, [
          { ...pair('L1', 'T1', 93.4), reasons: [{ field: 'name', level: 'exact', weight: 6.25, outcome: 'agree' }] },
        ] as MatchPair[]);
        await assignLinks(sql);
        const { rows } = await sql.query(
          'SELECT legacy_id, target_id, confidence, decision, reasons FROM crm_bridge_fuzzy_links',
        );
        return rows;
      }),
    );
    expect(rows).toEqual([
      { legacy_id: 'L1', target_id: 'T1', confidence: 93.4, decision: 'auto-merge', reasons: ['name exact (+6.3)'] },
    ]);
  });
});

describe('fuzzy plan per object', () => {
  it('links companies and contacts by their preset fields, contacts also by company, and skips deals and engagements', () => {
    const plan = (object: string) => fuzzyPlanFor(object, new ObjectMapper(mapping.config, object), mapping.config);
    expect(plan('companies')?.fields.map((f) => f.name)).toEqual(expect.arrayContaining(['name', 'website', 'phone']));
    expect(plan('contacts')?.fields.map((f) => `${f.name}:${f.kind}`)).toEqual(
      expect.arrayContaining([
        'given_name:givenName',
        'surname:familyName',
        'email:email',
        'legacy_company_id:identifier',
      ]),
    );
    expect(plan('deals')).toBeNull();
    expect(plan('engagements')).toBeNull();
  });
});

describe('the fallback in small chunks', () => {
  let t: TestDatabase;
  let first: ReconcileSummary;
  let stats: { linkCalls: number; legacy: number; targets: number } | undefined;
  beforeAll(async () => {
    t = await createTestDatabase();
    await loadExampleMirror(t.db);
    first = await reconcile(t.db, {
      object: 'companies',
      mapping,
      legacyPath: EXPORT_DIR,
      fuzzy: { chunkSize: 100 },
      onFuzzyStats: (s) => (stats = s),
    });
  }, 180_000);
  afterAll(async () => t?.drop());

  it('links every legacy chunk against every target chunk and still pairs one-to-one with the planted copies', async () => {
    expect(stats!.linkCalls).toBe(Math.ceil(stats!.legacy / 100) * Math.ceil(stats!.targets / 100));
    expect(stats!.linkCalls).toBeGreaterThan(4);
    const planted = truth().objects.companies!;
    const { rows } = await t.db.pool.query<{ legacy_id: string; target_id: string }>(
      `SELECT legacy_id, target_id FROM staging.companies WHERE status = 'fuzzy_match'`,
    );
    expect(rows).toHaveLength(first.fuzzyMatch);
    expect(new Set(rows.map((r) => r.target_id)).size).toBe(rows.length);
    const wanted = Object.entries(planted.records).filter(([, r]) => r.status === 'fuzzy_match');
    const found = wanted.filter(([id, r]) => rows.some((x) => x.legacy_id === id && x.target_id === r.targetIds[0]));
    const correct = rows.filter(
      (r) =>
        planted.unlinkedCopies[r.target_id] !== undefined &&
        (planted.records[planted.unlinkedCopies[r.target_id]!]?.duplicateOf ?? planted.unlinkedCopies[r.target_id]) ===
          (planted.records[r.legacy_id]?.duplicateOf ?? r.legacy_id),
    );
    console.log(
      `companies in chunks of 100: ${stats!.linkCalls} link calls, ${rows.length} linked, precision ${(correct.length / rows.length).toFixed(3)}, recall ${(found.length / wanted.length).toFixed(3)}`,
    );
    expect(correct.length / rows.length).toBeGreaterThanOrEqual(0.9);
    expect(found.length / wanted.length).toBeGreaterThanOrEqual(0.9);
  });

  it('writes nothing when run again with the same chunks', async () => {
    const again = await reconcile(t.db, {
      object: 'companies',
      mapping,
      legacyPath: EXPORT_DIR,
      fuzzy: { chunkSize: 100 },
    });
    expect({
      inserted: again.rowsInserted,
      updated: again.rowsUpdated,
      deleted: again.rowsDeleted,
      fuzzy: again.fuzzyMatch,
    }).toEqual({ inserted: 0, updated: 0, deleted: 0, fuzzy: first.fuzzyMatch });
  }, 120_000);

  it('leaves every record without an ID match new when the fallback is off, and rewrites only those rows', async () => {
    // Orphans whose target was linked carry a note saying so; it goes with the link.
    const { rows } = await t.db.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM staging.companies WHERE status = 'orphan' AND array_to_string(notes, ' ') LIKE '%fuzzy-matched%'`,
    );
    const off = await reconcile(t.db, { object: 'companies', mapping, legacyPath: EXPORT_DIR, fuzzy: false });
    expect(off.fuzzyMatch).toBe(0);
    expect(off.new).toBe(first.new + first.fuzzyMatch);
    expect({ inserted: off.rowsInserted, updated: off.rowsUpdated }).toEqual({
      inserted: 0,
      updated: first.fuzzyMatch + rows[0]!.n,
    });
  }, 120_000);
});
