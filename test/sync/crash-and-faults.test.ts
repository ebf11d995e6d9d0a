import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Random } from '../../core/example/random';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { ROOT } from '../helpers/example-data';
import { loansJob, PD_TOKEN, SF_CLIENT, startSandbox, type Sandbox } from './fixtures';

const BIN = path.join(ROOT, 'dist', 'cli', 'index.js');

interface Exit { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }

/** Runs `crm-bridge sync` as its own process; `killAfterMs` sends it SIGKILL (kill -9) at that moment. */
function syncProcess(box: Sandbox, dbUrl: string, jobFile: string, killAfterMs?: number, extra: string[] = []): Promise<Exit> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, 'sync', '--job', jobFile, '--json', ...extra], {
      env: {
        PATH: process.env.PATH ?? '',
        DATABASE_URL: dbUrl,
        SALESFORCE_INSTANCE_URL: box.sfUrl,
        SALESFORCE_CLIENT_ID: SF_CLIENT.clientId,
        SALESFORCE_CLIENT_SECRET: SF_CLIENT.clientSecret,
        PIPEDRIVE_BASE_URL: box.pdUrl,
        PIPEDRIVE_API_TOKEN: PD_TOKEN,
      },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = killAfterMs === undefined ? null : setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    child.on('exit', (code, signal) => {
      if (timer) clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

const sfKey = (box: Sandbox, object: 'persons' | 'deals') => box.pd.store.customKey(object, 'Salesforce ID');

/** Record-by-record agreement of the in-scope loans and their borrowers with Pipedrive; returns what differs. */
function disagreements(box: Sandbox, refused: Set<string>): string[] {
  const problems: string[] = [];
  const dealKey = sfKey(box, 'deals');
  const personKey = sfKey(box, 'persons');
  const dealsBySf = new Map<string, Array<Record<string, unknown>>>();
  for (const d of box.pd.store.all('deals')) dealsBySf.set(String(d.custom_fields[dealKey]), [...(dealsBySf.get(String(d.custom_fields[dealKey])) ?? []), d]);
  const personsBySf = new Map<string, Array<Record<string, unknown>>>();
  for (const p of box.pd.store.all('persons')) personsBySf.set(String(p.custom_fields[personKey]), [...(personsBySf.get(String(p.custom_fields[personKey])) ?? []), p]);
  for (const [sfId, list] of [...dealsBySf, ...personsBySf]) if (list.length > 1) problems.push(`${sfId}: ${list.length} copies in Pipedrive`);
  const status: Record<string, string> = { Draft: 'open', Approved: 'open', Disbursed: 'won', Repaid: 'won' };
  for (const loan of box.sf.store.all('Loan__c')) {
    const deal = dealsBySf.get(loan.Id)?.[0];
    const inScope = loan.Loan_Officer__c === box.officerId;
    if (!inScope) {
      if (deal) problems.push(`${loan.Id}: out of scope but in Pipedrive`);
      continue;
    }
    if (refused.has(loan.Id)) {
      if (deal) problems.push(`${loan.Id}: refused by the target but present`);
      continue;
    }
    if (!deal) {
      problems.push(`${loan.Id}: missing in Pipedrive`);
      continue;
    }
    if (deal.title !== loan.Name) problems.push(`${loan.Id}: title ${String(deal.title)} != ${String(loan.Name)}`);
    if (Number(deal.value) !== Number(loan.Amount__c)) problems.push(`${loan.Id}: value ${String(deal.value)} != ${String(loan.Amount__c)}`);
    if (deal.status !== status[String(loan.Status__c)]) problems.push(`${loan.Id}: status ${String(deal.status)} != ${status[String(loan.Status__c)]}`);
    const person = personsBySf.get(String(loan.Primary_Borrower__c))?.[0];
    if (!person) problems.push(`${loan.Id}: borrower ${String(loan.Primary_Borrower__c)} missing`);
    else {
      if (deal.person_id !== person.id) problems.push(`${loan.Id}: person_id ${String(deal.person_id)} != ${String(person.id)}`);
      const contact = box.sf.store.get('Contact', String(loan.Primary_Borrower__c))!;
      if (person.name !== `${String(contact.FirstName)} ${String(contact.LastName)}`) problems.push(`${contact.Id}: name ${String(person.name)}`);
    }
  }
  return problems;
}

describe.runIf(process.env.DATABASE_URL)('sync under kill -9, 429 and 5xx storms, dropped connections and refused records', () => {
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
      box.sf.editRecord('Contact', box.contacts[random.int(0, box.contacts.length - 1)]!, { LastName: `Renamed${round}` });
      if (round % 3 === 0) box.pd.faults.rateLimitStorm(3, 1);
      if (round % 3 === 1) box.pd.faults.serverErrors(2, 503);
      if (round % 4 === 2) box.pd.faults.dropConnections(2, { afterProcessing: true });
      // A run starts in about a second (node, login, describe); its writes follow, slowed by the faults.
      const killAt = random.int(1200, 6000);
      const exit = await syncProcess(box, tdb.url!, jobFile, killAt);
      if (exit.signal === 'SIGKILL') kills.push(killAt);
      else expect(exit.code, exit.stderr).toBeOneOf([0, 5]);
    }
    // Faults stop (refusals stay); runs continue until a run finds nothing left to do.
    box.pd.faults.slow(0);
    let last: Exit | null = null;
    for (let i = 0; i < 5; i++) {
      last = await syncProcess(box, tdb.url!, jobFile);
      const report = JSON.parse(last.stdout) as { totals: { read: number; created: number; updated: number } };
      if (report.totals.read === 0 && report.totals.created === 0 && report.totals.updated === 0) break;
    }
    expect(last!.code, last!.stderr).toBe(5); // records are waiting (the refused ones): exit code says so

    expect(kills.length, "some runs must actually have been killed").toBeGreaterThanOrEqual(4);
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
      `SELECT source_id, result, error FROM sync.audit WHERE source_id = ANY($1::text[]) ORDER BY id`, [[...refused]]);
    for (const id of refused) {
      const rows = audit.filter((r) => r.source_id === id);
      expect(rows.length).toBeGreaterThan(0);
      expect(rows.every((r) => r.result === 'failed' || r.result === 'interrupted')).toBe(true);
      expect(rows.some((r) => r.result === 'failed' && r.error.includes(`injected refusal of ${id}`))).toBe(true);
    }
    const { rows: waiting } = await tdb.db.pool.query<{ source_id: string }>(`SELECT source_id FROM sync.pending ORDER BY source_id`);
    expect(waiting.map((w) => w.source_id)).toEqual([...refused].sort());
    // No write is left unsettled, and every write a killed process left open was found and marked.
    const { rows: open } = await tdb.db.pool.query(`SELECT count(*)::int AS n FROM sync.audit WHERE result = 'pending'`);
    expect(open[0]!.n).toBe(0);
    // Every deal in Pipedrive has a successful write in the audit log.
    const { rows: written } = await tdb.db.pool.query<{ source_id: string }>(
      `SELECT DISTINCT source_id FROM sync.audit WHERE stream = 'loans' AND result IN ('created', 'updated', 'unchanged')`);
    const dealKey = sfKey(box, 'deals');
    const auditedIds = new Set(written.map((r) => r.source_id));
    expect(box.pd.store.all('deals').filter((d) => !auditedIds.has(String(d.custom_fields[dealKey])))).toEqual([]);
  }, 240_000);
});
