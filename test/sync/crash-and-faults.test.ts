import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Random } from '../../demo/random';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { loansJob, PD_TOKEN, SF_CLIENT, startSandbox, type Sandbox } from './fixtures';
import { disagreements, sfKey, syncProcess, type Exit } from './processes';

describe.runIf(process.env.DATABASE_URL)(
  'sync under kill -9, 429 and 5xx storms, dropped connections and refused records',
  () => {
    let tdb: TestDatabase;
    let box: Sandbox;
    let jobFile: string;

    beforeAll(async () => {
      tdb = await createTestDatabase();
      box = await startSandbox({ contacts: 60, loans: 240 });
      jobFile = path.join(mkdtempSync(path.join(os.tmpdir(), 'crm-bridge-sync-')), 'job.json');
      writeFileSync(jobFile, JSON.stringify({ ...loansJob(), batchSize: 10 }));
    }, 60_000);
    afterAll(async () => {
      await box?.stop();
      await tdb?.drop();
    });

    it('ends with source and target in agreement record by record, nothing duplicated, every refusal in the audit log', async () => {
      const random = new Random(20261123);
      // Two loans the target always refuses: they must end up failed in the audit log and waiting, never lost.
      const refused = new Set([box.loans[3]!, box.loans[97]!]);
      for (const id of refused) box.pd.faults.failRecord(id, `Validation failed: injected refusal of ${id}`);
      // Pipedrive answers slowly, so kills land in the middle of batches.
      box.pd.faults.slow(10);
      const kills: number[] = [];
      // The first run is killed too; whichever run gets there creates the rest. Later rounds are mostly updates.
      for (let round = 0; round < 14; round++) {
        // People keep editing Salesforce between (and during) runs.
        for (let i = 0; i < 15; i++) {
          const loan = box.loans[random.int(0, box.loans.length - 1)]!;
          box.sf.editRecord('Loan__c', loan, { Amount__c: random.int(1, 99_999) });
        }
        box.sf.editRecord('Contact', box.contacts[random.int(0, box.contacts.length - 1)]!, {
          LastName: `Renamed${round}`,
        });
        if (round % 3 === 0) box.pd.faults.rateLimitStorm(3, 1);
        if (round % 3 === 1) box.pd.faults.serverErrors(2, 503);
        if (round % 4 === 2) box.pd.faults.dropConnections(2, { afterProcessing: true });
        // Killed after a random number of Pipedrive requests of this round: mid-read, mid-search or between a write and
        // its bookkeeping, wherever that falls, independent of how loaded the machine is.
        const killAt = random.int(3, 120);
        const start = box.pd.log.length;
        const exit = await syncProcess(box, tdb.url!, jobFile, () => box.pd.log.length - start >= killAt);
        if (exit.signal === 'SIGKILL') kills.push(killAt);
        else expect(exit.code, exit.stderr).toBeOneOf([0, 5]);
      }
      // Faults stop (refusals stay); runs continue until a run finds nothing left to do.
      box.pd.faults.slow(0);
      let last: Exit | null = null;
      for (let i = 0; i < 5; i++) {
        last = await syncProcess(box, tdb.url!, jobFile);
        const report = (
          JSON.parse(last.stdout) as { result: { totals: { read: number; created: number; updated: number } } }
        ).result;
        if (report.totals.read === 0 && report.totals.created === 0 && report.totals.updated === 0) break;
      }
      // 5 while the refused records are still retried in the run; 0 once they are given up (they stay in sync.pending).
      expect(last!.code, last!.stderr).toBeOneOf([0, 5]);

      expect(kills.length, 'some runs must actually have been killed').toBeGreaterThanOrEqual(4);
      expect(disagreements(box, refused)).toEqual([]);

      // Nothing written twice: Pipedrive saw exactly one create per person and per deal.
      const persons = box.pd.store.all('persons').length;
      const deals = box.pd.store.all('deals').length;
      expect(deals).toBe(box.loans.filter((_, i) => i % 3 !== 2).length - refused.size);
      expect(box.pd.writes.created).toBe(persons + deals);
      // Updates happened under kills too (the rounds' edits), not only the first creates.
      expect(box.pd.writes.updated).toBeGreaterThanOrEqual(10);

      // Every refused record is in the audit log as failed, and waits in sync.pending with the target's reason.
      const { rows: audit } = await tdb.db.pool.query<{ source_id: string; result: string; error: string }>(
        `SELECT source_id, result, error FROM sync.audit WHERE source_id = ANY($1::text[]) ORDER BY id`,
        [[...refused]],
      );
      for (const id of refused) {
        const rows = audit.filter((r) => r.source_id === id);
        expect(rows.length).toBeGreaterThan(0);
        expect(rows.every((r) => r.result === 'failed' || r.result === 'interrupted')).toBe(true);
        expect(rows.some((r) => r.result === 'failed' && r.error.includes(`injected refusal of ${id}`))).toBe(true);
      }
      const { rows: waiting } = await tdb.db.pool.query<{ source_id: string }>(
        `SELECT source_id FROM sync.pending ORDER BY source_id`,
      );
      expect(waiting.map((w) => w.source_id)).toEqual([...refused].sort());
      // No write is left unsettled, and every write a killed process left open was found and marked.
      const { rows: open } = await tdb.db.pool.query(
        `SELECT count(*)::int AS n FROM sync.audit WHERE result = 'pending'`,
      );
      expect(open[0]!.n).toBe(0);
      // Every deal in Pipedrive has a successful write in the audit log.
      const { rows: written } = await tdb.db.pool.query<{ source_id: string }>(
        `SELECT DISTINCT source_id FROM sync.audit WHERE stream = 'loans' AND result IN ('created', 'updated', 'unchanged')`,
      );
      const dealKey = sfKey(box, 'deals');
      const auditedIds = new Set(written.map((r) => r.source_id));
      // Secrets never reach the audit log, the waiting records or the run log.
      const { rows: dump } = await tdb.db.pool.query<{ text: string }>(
        `SELECT (SELECT string_agg(a::text, '') FROM sync.audit a) || (SELECT string_agg(p::text, '') FROM sync.pending p) || (SELECT string_agg(r::text, '') FROM sync.runs r) AS text`,
      );
      for (const secret of [PD_TOKEN, SF_CLIENT.clientSecret]) expect(dump[0]!.text).not.toContain(secret);
      expect(box.pd.store.all('deals').filter((d) => !auditedIds.has(String(d.custom_fields[dealKey])))).toEqual([]);
    }, 240_000);
  },
);
