import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkJobFields } from '../../core/sync/check-fields';
import { parseSyncJob } from '../../core/sync/job';
import { runCli, upsertArgs } from '../helpers/cli';
import { databaseForProcess } from '../helpers/database';
import { ACCOUNTS_JOB_FILE, accountsJob, startDynamicsBox, type DynamicsBox } from './dynamics-fixtures';

/* The README's Salesforce <-> Dynamics example through the built CLI, as its commands run it. */
let box: DynamicsBox;
let env: Record<string, string>;
let drop: () => Promise<void>;
const tmp = mkdtempSync(path.join(tmpdir(), 'crm-bridge-dyn-example-'));
const tick = () => new Promise((resolve) => setTimeout(resolve, 1100)); // Salesforce stamps changes to the second

beforeAll(async () => {
  box = await startDynamicsBox();
  const database = await databaseForProcess();
  env = { ...box.environment, ...database.env };
  drop = database.drop;
}, 60_000);
afterAll(async () => {
  await box?.stop();
  await drop?.();
});

type Totals = Record<string, number>;
async function sync(...extra: string[]): Promise<{ code: number; totals: Totals; plan: Array<{ action: string }> }> {
  const out = await runCli(env, 'sync', '--job', ACCOUNTS_JOB_FILE, '--json', ...extra);
  const result = (JSON.parse(out.stdout) as { result: { totals: Totals; plan: Array<{ action: string }> } }).result;
  return { code: out.code, totals: result.totals, plan: result.plan };
}

describe('crm-bridge sync with the Salesforce <-> Dynamics example job', () => {
  it('plans, creates both ways, writes nothing again, carries an edit and a delete each way', async () => {
    const plan = await sync('--dry-run');
    expect(plan.code).toBe(0);
    expect(plan.totals).toMatchObject({ created: 12, reverseCreated: 10, skipped: 20 });
    const first = await sync();
    expect(first.code).toBe(0);
    expect(first.totals).toMatchObject({ created: 12, reverseCreated: 10, failed: 0 });
    await tick();
    const again = await sync();
    expect(again.totals).toMatchObject({ created: 0, updated: 0, reverseCreated: 0, reverseUpdated: 0 });

    const [ana, hanna, thomas, christina] = box.sf.store.all('Contact').filter((c) => c.AccountId && !c.Dynamics_Id__c);
    writeFileSync(path.join(tmp, 'sf-edit.csv'), `Id,Phone\n${ana!.Id},+1 206 555 0199\n`);
    writeFileSync(
      path.join(tmp, 'dyn-edit.csv'),
      `new_salesforceid,emailaddress1\n${hanna!.Id},hanna.moos@coho.example\n`,
    );
    expect((await runCli(env, ...upsertArgs('salesforce', 'Contact', 'Id', path.join(tmp, 'sf-edit.csv')))).code).toBe(
      0,
    );
    const dynEdit = await runCli(
      env,
      ...upsertArgs('dynamics', 'contact', 'new_salesforceid', path.join(tmp, 'dyn-edit.csv')),
    );
    expect(dynEdit.code).toBe(0);
    const edits = await sync();
    expect(edits.totals).toMatchObject({ updated: 1, reverseUpdated: 1, failed: 0 });
    expect(box.sf.store.get('Contact', hanna!.Id as string)!.Email).toBe('hanna.moos@coho.example');
    const anaRow = box.dyn.store.all('contact').find((r) => r.values.new_salesforceid === ana!.Id)!;
    expect(anaRow.values.telephone1).toBe('+1 206 555 0199');

    box.sf.store.delete('Contact', thomas!.Id as string);
    const row = box.dyn.store.all('contact').find((r) => r.values.new_salesforceid === christina!.Id)!;
    box.dyn.store.delete('contact', row.id);
    const deletes = await sync();
    expect(deletes.totals).toMatchObject({ deleted: 1, reverseDeleted: 1, failed: 0 });
    expect(box.sf.store.get('Contact', christina!.Id as string)).toBeUndefined();
    await tick();
    const last = await sync();
    expect(last.code).toBe(0);
    expect(last.totals).toMatchObject({ created: 0, updated: 0, deleted: 0, reverseDeleted: 0, reverseUpdated: 0 });
    expect(last.totals.echoes).toBeGreaterThan(0);
  }, 180_000);

  it('refuses source.key outside two-way jobs, and a source.key field the source does not have', async () => {
    const example = JSON.parse(JSON.stringify(accountsJob())) as Record<string, unknown>;
    expect(() => parseSyncJob({ ...example, direction: 'one-way' })).toThrow(
      /streams\[0\]\.source\.key: source\.key creates records made in the target in the source: it needs "direction": "two-way"/,
    );
    const job = accountsJob();
    job.streams[0]!.source.key = 'Dynamics_Key__c';
    await expect(checkJobFields(job, job.streams, box.salesforce(), box.dynamics())).rejects.toThrow(
      /streams\[0\]\.source\.key: Salesforce Account has no field "Dynamics_Key__c"/,
    );
  });
});
