import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSalesforceRequest, deliver } from '../../sandbox/webhooks';
import { databaseForProcess } from '../helpers/database';
import { ROOT } from '../helpers/example-data';
import { PD_TOKEN, SF_CLIENT, startSandbox, type Sandbox } from './fixtures';

const BIN = path.join(ROOT, 'dist', 'cli', 'index.js');
const JOB = path.join(ROOT, 'examples', 'sync', 'loans-to-pipedrive.json');
let box: Sandbox;
let drop: (() => Promise<void>) | undefined;
const env: NodeJS.ProcessEnv = { PATH: process.env.PATH };

beforeAll(async () => {
  box = await startSandbox();
  const database = await databaseForProcess();
  Object.assign(env, box.environment, { SALESFORCE_ORG_ID: box.sf.orgId }, database.env);
  drop = database.drop;
}, 60_000);
afterAll(async () => {
  await box?.stop();
  await drop?.();
});

const dealOf = (loanId: string) =>
  box.pd.store.all('deals').find((d) => d.custom_fields[box.pd.store.customKey('deals', 'Salesforce ID')] === loanId);

async function until(what: string, condition: () => boolean, log: () => string, ms = 120_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}:\n${log()}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('crm-bridge serve --job', () => {
  it('syncs on start, then on each outbound message, and stops cleanly', async () => {
    const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--job', JOB, '--every', '0'], { env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const log = () => `${stdout}\n${stderr}`;
    await until('the first sync', () => /sync loans-to-pipedrive \(poll\): succeeded/.test(stderr), log);
    expect(box.pd.store.all('deals')).toHaveLength(20);
    const listening = /Serving on (\S+)/.exec(stdout)![1]!;

    box.sf.editRecord('Loan__c', box.loans[0]!, { Amount__c: 31337 });
    const answer = await deliver(
      buildSalesforceRequest(
        `${listening}/webhooks/salesforce`,
        [{ object: 'Loan__c', recordId: box.loans[0]!, action: 'update' }],
        { organizationId: box.sf.orgId },
      ),
    );
    expect(answer.status).toBe(200);
    await until('the webhook-driven sync', () => Number(dealOf(box.loans[0]!)?.value) === 31337, log);
    await until(
      'its report',
      () => /sync loans-to-pipedrive \(webhook\): succeeded; created 0, updated 1/.test(stderr),
      log,
    );

    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(stdout).toContain('accepted 1');
    for (const secret of [SF_CLIENT.clientSecret, PD_TOKEN]) expect(stdout + stderr).not.toContain(secret);
  }, 180_000);
});
