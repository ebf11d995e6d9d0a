import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { loansJob, startSandbox, type Sandbox } from './fixtures';
import { disagreements, syncProcess } from './processes';

/**
 * Pipedrive's emulator enforces a token budget per 2-second window (a search costs 20 tokens, a write 5). The job
 * shares a request budget through Postgres sized so that even all-search traffic fits with room for network jitter
 * (a request sent on time can arrive late, bunching up with the next): 16 requests per 2 s, 320 tokens at most.
 */
const BURST_TOKENS = 400;

describe.runIf(process.env.DATABASE_URL)('two processes running the same sync job at once', () => {
  let tdb: TestDatabase;
  let box: Sandbox;
  let jobFile: string;

  beforeAll(async () => {
    tdb = await createTestDatabase();
    box = await startSandbox({ contacts: 30, loans: 90, pipedriveBurstBudget: BURST_TOKENS });
    jobFile = path.join(mkdtempSync(path.join(os.tmpdir(), 'crm-bridge-sync-')), 'job.json');
    writeFileSync(
      jobFile,
      JSON.stringify({ ...loansJob(), batchSize: 10, rateBudgets: { pipedrive: { requests: 16, perMs: 2000 } } }),
    );
  }, 60_000);
  afterAll(async () => {
    await box?.stop();
    await tdb?.drop();
  });

  it('write every record once and stay under the account limit together', async () => {
    const [a, b] = await Promise.all([syncProcess(box, tdb.url!, jobFile), syncProcess(box, tdb.url!, jobFile)]);
    expect([a.code, b.code], `${a.stderr}\n${b.stderr}`).toEqual([0, 0]);
    // Whichever process ran a stream, every record was created once: one 'created' audit row per record.
    const { rows } = await tdb.db.pool.query<{ stream: string; source_id: string; n: number }>(
      `SELECT stream, source_id, count(*)::int AS n FROM sync.audit WHERE result = 'created' GROUP BY stream, source_id`,
    );
    expect(rows.filter((r) => r.n > 1)).toEqual([]);
    const { rows: runs } = await tdb.db.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM sync.runs WHERE status = 'succeeded'`,
    );
    expect(runs[0]!.n).toBe(2);
    expect(disagreements(box, new Set())).toEqual([]);
    const persons = box.pd.store.all('persons').length;
    const deals = box.pd.store.all('deals').length;
    expect(deals).toBe(60);
    expect(box.pd.writes.created).toBe(persons + deals);
    // The limit held: the emulator refused nothing for exceeding the token budget. Both processes drew from one
    // budget row in Postgres (one account).
    expect(box.pd.rateLimited).toBe(0);
    const { rows: budgets } = await tdb.db.pool.query<{ account: string }>('SELECT account FROM sync.rate_budgets');
    expect(budgets.map((b) => b.account.split(':')[0])).toEqual(['pipedrive']);
  }, 180_000);
});
