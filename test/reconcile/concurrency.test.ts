import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../core/db/database';
import type { ReconcileSummary } from '../../core/reconcile/summary';
import { OBJECT_TABLE_MIGRATIONS, STAGING_MIGRATIONS } from '../../core/staging/migrations';
import { SYNC_MIGRATIONS } from '../../core/sync/migrations';
import { WEBHOOK_MIGRATIONS } from '../../core/webhooks/migrations';
import { APPLY_MIGRATIONS } from '../../core/apply/migrations';
import { migratedHome } from '../helpers/embedded-home';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { EXPORT_DIR, loadExampleMirror, ROOT, truth } from '../helpers/example-data';

const run = promisify(execFile);
const BIN = path.join(ROOT, 'dist', 'cli', 'index.js');

async function cli(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], {
      env: { PATH: process.env.PATH ?? '', ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe.runIf(process.env.DATABASE_URL)('several processes on one PostgreSQL server', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
    await loadExampleMirror(t.db);
  }, 120_000);
  afterAll(async () => t?.drop());

  it('serialises two reconciles of the same object: both succeed, rows are written once', async () => {
    const args = ['reconcile', '--object', 'companies', '--legacy', EXPORT_DIR, '--json'];
    const [a, b] = await Promise.all([cli(args, { DATABASE_URL: t.url! }), cli(args, { DATABASE_URL: t.url! })]);
    expect([a.code, b.code]).toEqual([0, 0]);
    const summaries = [a, b].map((r) => (JSON.parse(r.stdout) as { result: ReconcileSummary }).result);
    const expected = truth().objects.companies!;
    const total = Object.values(expected.statuses).reduce((x, y) => x + y, 0);
    // Whichever ran first inserted every row; the other found nothing to change.
    expect(summaries.map((s) => s.rowsInserted).sort((x, y) => x - y)).toEqual([0, total]);
    expect(summaries.every((s) => s.matched === expected.statuses.matched)).toBe(true);
    const { rows } = await t.db.pool.query<{ n: number; distinct_ids: number }>(
      'SELECT count(*)::int AS n, count(DISTINCT legacy_id)::int AS distinct_ids FROM staging.companies',
    );
    expect(rows[0]).toEqual({ n: total, distinct_ids: total });
    const log = await t.db.pool.query<{ status: string }>(
      `SELECT status FROM staging.reconciliation_log WHERE object = 'companies'`,
    );
    expect(log.rows.map((r) => r.status)).toEqual(['succeeded', 'succeeded']);
  }, 120_000);

  it('runs migrations once when several processes start together', async () => {
    const results = await Promise.all(
      [1, 2, 3].map(() =>
        cli(['lookup', '--object', 'companies', '--legacy-id', 'none', '--json'], { DATABASE_URL: t.url! }),
      ),
    );
    expect(results.map((r) => r.code)).toEqual([3, 3, 3]);
    const { rows } = await t.db.pool.query<{ id: string }>('SELECT id FROM staging.schema_migrations ORDER BY id');
    // Every migration the code knows, applied exactly once: the global lists, and the tables of the object reconciled above.
    const known = [...STAGING_MIGRATIONS, ...SYNC_MIGRATIONS, ...WEBHOOK_MIGRATIONS, ...APPLY_MIGRATIONS]
      .map((m) => m.id)
      .concat(OBJECT_TABLE_MIGRATIONS.map((m) => `companies:${m.id}`));
    expect(rows.map((r) => r.id).sort()).toEqual(known.sort());
    expect(known).toContain('0003_fuzzy_match_fallback');
  }, 60_000);
});

describe('the embedded database and a second process', () => {
  let home: string;
  beforeAll(() => {
    home = migratedHome();
  });

  it('refuses a second process with exit code 4 and says what to do', async () => {
    const db = await openDatabase({ home });
    try {
      const result = await cli(['lookup', '--object', 'companies', '--legacy-id', '1'], { CRM_BRIDGE_HOME: home });
      expect(result.code).toBe(4);
      expect(result.stderr).toContain(`The embedded database in ${home} is in use by another crm-bridge process`);
      expect(result.stderr).toContain('set DATABASE_URL');
    } finally {
      await db.close();
    }
    // Once the first process is done, the folder is free again.
    const after = await cli(['lookup', '--object', 'companies', '--legacy-id', '1'], { CRM_BRIDGE_HOME: home });
    expect(after.code).toBe(3);
    // Three embedded-database starts (one here, two CLI processes): 41-47 s alone on a loaded 2-core machine, over 60 s in the
    // full suite, when each ran initdb and the migrations; the copied home (migratedHome) spares that.
  }, 150_000);
});
