import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateExample } from '../../demo/generator';
import { loadMirror } from '../../demo/load-mirror';
import { builtInMapping } from '../../core/mapping/load-mapping';
import { reconcile } from '../../core/reconcile/reconcile';
import { writeReport } from '../../core/report';
import { chartLibraries } from '../../core/report/assets';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { cellId, cellsInHtml, cellsOf, expectedCells } from './expected-counts';

/** A dataset the report was not built on: another seed, another size, two objects only. */
const SEED = 913;
const OBJECTS = ['companies', 'contacts'];
const mapping = builtInMapping();
const tmp = mkdtempSync(path.join(os.tmpdir(), 'crm-bridge-report-data-'));
let t: TestDatabase;
let n = 0;

/** Writes a report and returns its summary and HTML. */
async function report(objects?: string[]) {
  const out = path.join(tmp, `report-${++n}.html`);
  const result = await writeReport(t.db, mapping, { out, objects });
  return { result, html: readFileSync(out, 'utf8') };
}

beforeAll(async () => {
  await generateExample({ seed: SEED, outDir: tmp, companies: 260, objects: ['companies', 'contacts'] });
  t = await createTestDatabase();
  await t.db.withConnection((sql) => loadMirror(sql, path.join(tmp, 'hubspot-mirror'), { schema: 'hubspot' }));
  for (const object of OBJECTS) await reconcile(t.db, { object, mapping, legacyPath: path.join(tmp, 'legacy-export') });
}, 180_000);
afterAll(async () => {
  await t?.drop();
  rmSync(tmp, { recursive: true, force: true });
});

describe('the report of a freshly generated export', () => {
  it('shows the numbers a fresh count of the tables gives', async () => {
    const { html, result } = await report();
    const { cells, mismatches } = cellsOf(cellsInHtml(html));
    expect(mismatches).toEqual([]);
    expect(cells).toEqual(await expectedCells(t.db, OBJECTS));
    // Every status the generator plants is there, fuzzy matches included, and quarantine was found.
    expect(Object.keys(result.objects[0]!.statuses).sort()).toEqual([
      'conflict',
      'fuzzy_match',
      'matched',
      'new',
      'orphan',
    ]);
    expect(result.objects[0]!.quarantined).toBeGreaterThan(0);
  });

  it('lists only objects that have been reconciled, and says so of a named one that has not', async () => {
    expect((await report()).result.objects.map((o) => o.object)).toEqual(OBJECTS);
    const { result, html } = await report(['deals', 'companies']);
    expect(result.objects.map((o) => [o.object, o.reconciled])).toEqual([
      ['deals', false],
      ['companies', true],
    ]);
    expect(result.objects[0]).toMatchObject({ records: 0, statuses: {}, runId: null, apply: null });
    expect(html).toContain(
      '<p class="note" data-object="deals" data-reconciled="false">deals has not been reconciled yet.</p>',
    );
  });

  it('refuses an object the mapping does not have, naming the ones it has', async () => {
    await expect(report(['invoices'])).rejects.toMatchObject({
      name: 'UsageError',
      message: expect.stringContaining('invoices'),
    });
  });

  it('counts a status it has never heard of, read from the data (another branch adds unreadable_in_export)', async () => {
    await t.db.withConnection(async (sql) => {
      const { rows } = await sql.query<{ conname: string }>(
        `SELECT conname FROM pg_constraint WHERE conrelid = 'staging.contacts'::regclass AND contype = 'c' AND pg_get_constraintdef(oid) LIKE '%status%'`,
      );
      for (const r of rows) await sql.query(`ALTER TABLE staging.contacts DROP CONSTRAINT "${r.conname}"`);
      await sql.query(`UPDATE staging.contacts SET status = 'unreadable_in_export'
                        WHERE legacy_id IN (SELECT legacy_id FROM staging.contacts WHERE status = 'new' ORDER BY legacy_id LIMIT 3)`);
    });
    const { result, html } = await report();
    expect(result.objects[1]!.statuses.unreadable_in_export).toBe(3);
    const { cells, mismatches } = cellsOf(cellsInHtml(html));
    expect(mismatches).toEqual([]);
    expect(cells).toEqual(await expectedCells(t.db, OBJECTS));
    // The overview gives it a column, with 0 for companies, which has none.
    expect(cells[cellId('companies', 'status', 'unreadable_in_export')]).toBe(0);
  });

  it('says when the latest run failed, and shows the run staging still holds', async () => {
    const before = (await report()).result.objects[0]!;
    await t.db.pool.query(
      `INSERT INTO staging.reconciliation_log (run_id, object, source, target, mapping_sha256, status, started_at, finished_at, error)
       VALUES (gen_random_uuid(), 'companies', 'x', 'hubspot.companies', 'x', 'failed', now() + interval '1 minute', now() + interval '2 minutes', $1)`,
      ['Legacy export not found: /gone <b>'],
    );
    const { result, html } = await report();
    expect(result.objects[0]).toMatchObject({
      latestRunStatus: 'failed',
      runId: before.runId,
      records: before.records,
      statuses: before.statuses,
    });
    const warning = html.match(/<p class="warn" data-object="companies" data-warning="latest-run">(.*?)<\/p>/)?.[1];
    expect(warning).toMatch(
      /^The latest run of companies \(started <time[^>]*>[^<]+<\/time>\) failed: Legacy export not found: \/gone &lt;b&gt;\. This report shows the staging of the run finished <time/,
    );
  });

  it('reports no apply while only dry runs exist, since a dry run writes nothing', async () => {
    await t.db.pool.query(
      `INSERT INTO staging.apply_runs (run_id, object, target, dry_run, status) VALUES (gen_random_uuid(), 'contacts', 'hubspot', true, 'succeeded')`,
    );
    const { result, html } = await report();
    expect(result.objects[1]!.apply).toBeNull();
    expect(html).toContain('<p class="note" data-object="contacts" data-apply="none">No apply yet.</p>');
  });
});

describe('a large staging', () => {
  const QUARANTINE = 30_000;
  const REFUSED = 20_000;
  const OLD_RUNS = 150;

  it('keeps the page small: counts every entry, lists a capped few', async () => {
    const small = (await report()).result.bytes;
    await t.db.withConnection(async (sql) => {
      const { rows } = await sql.query<{ run_id: string }>(
        `SELECT run_id FROM staging.reconciliation_log WHERE object = 'contacts' AND status = 'succeeded'`,
      );
      // Reasons that differ in letters (md5) make thousands of reason classes; raw rows of 5,000 characters.
      await sql.query(
        `INSERT INTO staging.quarantine (run_id, object, source, line, legacy_id, field, reason, raw)
         SELECT $1, 'contacts', 'Person.csv', i, 'L' || i, 'Pers_Notes', 'odd value ' || translate(md5((i % 4000)::text), '0123456789', 'ghijklmnop') || ': "' || i || '"', repeat('x', 5000)
           FROM generate_series(1, $2) AS i`,
        [rows[0]!.run_id, QUARANTINE],
      );
      await sql.query(
        `INSERT INTO staging.apply_runs (run_id, object, target, dry_run, status, started_at) VALUES ('00000000-0000-4000-8000-000000000001', 'contacts', 'hubspot', false, 'partial', now())`,
      );
      await sql.query(
        `INSERT INTO staging.apply_audit (run_id, object, legacy_id, action, after, result, error)
         SELECT '00000000-0000-4000-8000-000000000001', 'contacts', 'L' || i, 'create', '{}'::jsonb, 'failed', 'INVALID_EMAIL ' || repeat('y', 2000)
           FROM generate_series(1, $1) AS i`,
        [REFUSED],
      );
      await sql.query(
        `INSERT INTO staging.reconciliation_log (run_id, object, source, target, mapping_sha256, status, started_at, finished_at, matched)
         SELECT gen_random_uuid(), 'contacts', 'x', 'hubspot.contacts', 'x', 'succeeded', now() - i * interval '1 day', now() - i * interval '1 day', i
           FROM generate_series(1, $1) AS i`,
        [OLD_RUNS],
      );
    });
    const { result, html } = await report();
    const libraries = chartLibraries().reduce((sum, l) => sum + Buffer.byteLength(l.code), 0);
    console.log(
      `report page: ${small} bytes before, ${result.bytes} bytes with ${QUARANTINE} quarantine entries, ${REFUSED} refused records, ${OLD_RUNS} more runs (libraries ${libraries})`,
    );
    // 30,000 raw rows of 5,000 characters are 150 MB; the page grows by what the caps allow, well under half a megabyte.
    expect(result.bytes - small).toBeLessThan(400_000);
    const { cells } = cellsOf(cellsInHtml(html));
    const { rows } = await t.db.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM staging.quarantine WHERE object = 'contacts'`,
    );
    expect(cells[cellId('contacts', 'quarantine_entries')]).toBe(rows[0]!.n);
    const listed = Object.entries(cells)
      .filter(([id]) => id.startsWith('contacts|quarantine_class|'))
      .map(([, v]) => v);
    expect(listed).toHaveLength(20);
    expect(listed.reduce((a, b) => a + b, 0) + cells[cellId('contacts', 'quarantine_other')]!).toBe(rows[0]!.n);
    expect(cells[cellId('contacts', 'apply_refused')]).toBe(REFUSED);
    expect(html).toContain(`${(REFUSED - 50).toLocaleString('en-GB')} more refused records are not listed`);
    const trendRuns = new Set(
      Object.keys(cells)
        .filter((id) => id.startsWith('contacts|trend|'))
        .map((id) => id.split('|')[3]),
    );
    expect(trendRuns.size).toBe(60);
    expect(html).toContain(`${OLD_RUNS + 1 - 60} older succeeded runs are not shown.`);
    // No raw row reaches the page whole.
    expect(html.includes('x'.repeat(201))).toBe(false);
  }, 120_000);
});
