/**
 * The CRM Bridge Change Event Trigger in a running `n8n start` with a published workflow, against the Salesforce
 * emulator's CometD endpoint: each change event starts the workflow with one item per record; n8n restarted resumes
 * from the replay ID it kept; a replay ID Salesforce no longer has gives one catchUp item.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import { createServer, type Server } from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedLoanExample, type SeededLoans } from '../../../sandbox/examples/loans';
import { PipedriveEmulator } from '../../../sandbox/pipedrive';
import { SalesforceEmulator } from '../../../sandbox/salesforce';
import { defaultN8nBin, n8nEnv } from './run-workflow';

const ROOT = path.join(__dirname, '..', '..', '..');
const DIST = path.join(ROOT, 'dist');
const SF_CLIENT = { clientId: 'n8n-cdc-app', clientSecret: 'n8n-cdc-s3cret-51c0' };
const WORKFLOW_ID = 'crmBridgeCdcE2E01';

interface Item {
  execution: string;
  object?: string;
  recordId?: string;
  changeType?: string;
  changedFields?: string[];
  replayId?: number;
  catchUp?: boolean;
  reason?: string;
}

describe('CRM Bridge Change Event Trigger in a running n8n, against the Salesforce emulator', () => {
  const sf = new SalesforceEmulator({ client: SF_CLIENT });
  let seeded: SeededLoans;
  let n8n: ChildProcess | undefined;
  let collector: Server;
  let userFolder = '';
  let env: NodeJS.ProcessEnv = {};
  let logs = '';
  const collected: Item[] = [];

  async function until(check: () => boolean, ms: number, what: string): Promise<void> {
    const started = Date.now();
    while (!check()) {
      if (Date.now() - started > ms)
        throw new Error(
          `timed out waiting for ${what}; collected ${JSON.stringify(collected)}; n8n log tail:\n${logs.slice(-3000)}`,
        );
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  const subscriptions = () => sf.cometd.log.filter((l) => l.channel === '/meta/subscribe' && !l.error);

  async function startN8n(): Promise<void> {
    const before = subscriptions().length;
    n8n = spawn(defaultN8nBin(), ['start'], { env });
    n8n.stdout?.on('data', (d: Buffer) => (logs += d.toString()));
    n8n.stderr?.on('data', (d: Buffer) => (logs += d.toString()));
    await until(() => subscriptions().length > before, 180_000, 'the trigger to subscribe');
  }

  async function stopN8n(): Promise<void> {
    if (!n8n || n8n.exitCode !== null) return;
    const exited = new Promise((r) => n8n!.on('exit', r));
    n8n.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 30_000))]);
    if (n8n.exitCode === null) n8n.kill('SIGKILL');
  }

  beforeAll(async () => {
    const sfUrl = await sf.start();
    seeded = seedLoanExample(sf, new PipedriveEmulator());
    collector = createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        collected.push(JSON.parse(body) as Item);
        res.end('{}');
      });
    });
    await new Promise<void>((r) => collector.listen(0, '127.0.0.1', () => r()));
    const collectorUrl = `http://127.0.0.1:${(collector.address() as { port: number }).port}/collect`;
    userFolder = fs.mkdtempSync(path.join(os.tmpdir(), 'crm-bridge-n8n-cdc-'));
    env = await n8nEnv(userFolder, { N8N_LISTEN_ADDRESS: '127.0.0.1', N8N_CUSTOM_EXTENSIONS: DIST });
    const credentials = [
      {
        id: 'crmBridgeSalesforceCdc1',
        name: 'Salesforce emulator',
        type: 'crmBridgeSalesforceApi',
        data: { instanceUrl: sfUrl, authentication: 'oauth', ...SF_CLIENT },
      },
    ];
    const workflow = JSON.parse(
      fs
        .readFileSync(path.join(__dirname, 'workflows', 'change-event-trigger.json'), 'utf8')
        .split('__DATA_FOLDER__')
        .join(path.join(userFolder, 'crm-bridge'))
        .split('__COLLECTOR__')
        .join(collectorUrl),
    );
    workflow.id = WORKFLOW_ID;
    fs.writeFileSync(path.join(userFolder, 'credentials.json'), JSON.stringify(credentials));
    fs.writeFileSync(path.join(userFolder, 'workflow.json'), JSON.stringify(workflow));
    for (const args of [
      ['import:credentials', `--input=${path.join(userFolder, 'credentials.json')}`],
      ['import:workflow', `--input=${path.join(userFolder, 'workflow.json')}`],
      ['publish:workflow', `--id=${WORKFLOW_ID}`],
    ]) {
      const result = await new Promise<{ code: number | null; out: string }>((resolve) => {
        const child = spawn(defaultN8nBin(), args, { env });
        let out = '';
        child.stdout.on('data', (d: Buffer) => (out += d.toString()));
        child.stderr.on('data', (d: Buffer) => (out += d.toString()));
        child.on('close', (code) => resolve({ code, out }));
      });
      if (result.code !== 0) throw new Error(`n8n ${args[0]} failed:\n${result.out.slice(-3000)}`);
    }
    await startN8n();
  }, 300_000);

  afterAll(async () => {
    await stopN8n();
    await new Promise((r) => collector?.close(r));
    await sf.stop();
    if (userFolder && process.env.CRM_BRIDGE_N8N_KEEP !== '1') fs.rmSync(userFolder, { recursive: true, force: true });
  }, 60_000);

  it('an edited loan starts the workflow with one item; one event naming two loans gives two items in one run', async () => {
    sf.editRecord('Loan__c', seeded.loans[0]!, { Amount__c: 4242 });
    await until(() => collected.length === 1, 60_000, 'the edit');
    expect(collected[0]).toMatchObject({ object: 'Loan__c', recordId: seeded.loans[0], changeType: 'UPDATE' });
    expect(collected[0]!.changedFields).toContain('Amount__c');

    sf.store.capture.transaction(() => {
      for (const id of [seeded.loans[1]!, seeded.loans[3]!]) sf.editRecord('Loan__c', id, { Status__c: 'Repaid' });
    });
    await until(() => collected.length === 3, 60_000, 'the merged event');
    const merged = collected.slice(1);
    expect(merged.map((i) => i.recordId).sort()).toEqual([seeded.loans[1], seeded.loans[3]].sort());
    expect(new Set(merged.map((i) => i.execution)).size).toBe(1);
    expect(logs).not.toContain(SF_CLIENT.clientSecret);
  });

  it('restarted, it resumes after the last event it handed on: an edit made while n8n was down arrives, once', async () => {
    const last = collected.at(-1)!.replayId!;
    await stopN8n();
    sf.editRecord('Loan__c', seeded.loans[4]!, { Amount__c: 5151 });
    const before = collected.length;
    await startN8n();
    expect(subscriptions().at(-1)!.replay).toBe(last);
    await until(() => collected.length === before + 1, 60_000, 'the edit made while down');
    expect(collected.at(-1)).toMatchObject({ recordId: seeded.loans[4], changeType: 'UPDATE' });
    await new Promise((r) => setTimeout(r, 3000));
    expect(collected.length).toBe(before + 1);
  });

  it('a replay ID Salesforce no longer has gives one catchUp item', async () => {
    const last = collected.at(-1)!.replayId!;
    await stopN8n();
    sf.editRecord('Loan__c', seeded.loans[6]!, { Amount__c: 6161 });
    sf.changeEvents.expire();
    const before = collected.length;
    await startN8n();
    await until(() => collected.length > before, 60_000, 'the catch-up item');
    expect(collected.slice(before)).toEqual([
      expect.objectContaining({
        catchUp: true,
        object: 'Loan__c',
        reason: expect.stringContaining(`400::The replayId {${last}} you provided was invalid`),
      }),
    ]);
    sf.editRecord('Loan__c', seeded.loans[7]!, { Amount__c: 7171 });
    await until(() => collected.length === before + 2, 60_000, 'the next edit as an event');
    expect(collected.at(-1)).toMatchObject({ recordId: seeded.loans[7] });
  });
});
