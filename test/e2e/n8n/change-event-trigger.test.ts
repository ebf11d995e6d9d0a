/**
 * The CRM Bridge Change Event Trigger in a running `n8n start` with a published workflow, against the Salesforce
 * emulator's CometD endpoint: each change event starts the workflow with one item per record; n8n restarted resumes
 * from the replay ID it kept; a replay ID Salesforce no longer has gives one catchUp item.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedLoanExample, type SeededLoans } from '../../../sandbox/examples/loans';
import { PipedriveEmulator } from '../../../sandbox/pipedrive';
import { SalesforceEmulator } from '../../../sandbox/salesforce';
import { DIST, readWorkflow, salesforceCredential } from './fixtures';
import {
  importAndPublish,
  startCollector,
  startN8nProcess,
  stopN8nProcess,
  until,
  type Collector,
  type N8nProcess,
} from './n8n-process';
import { defaultN8nBin, n8nEnv } from './run-workflow';

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
  let n8n: N8nProcess | undefined;
  let collector: Collector<Item>;
  let userFolder = '';
  let env: NodeJS.ProcessEnv = {};
  const collected: Item[] = [];
  const subscriptions = () => sf.cometd.log.filter((l) => l.channel === '/meta/subscribe' && !l.error);
  const why = (what: string) => () =>
    `${what}; collected ${JSON.stringify(collected)}; n8n log tail:\n${n8n?.logs().slice(-3000) ?? ''}`;

  /** `n8n start`, until the trigger has subscribed (n8n activates the published workflow at start). */
  async function startN8n(): Promise<void> {
    const before = subscriptions().length;
    n8n = startN8nProcess('n8n', defaultN8nBin(), ['start'], env);
    await until(() => subscriptions().length > before, 180_000, why('the trigger to subscribe'));
  }

  beforeAll(async () => {
    const sfUrl = await sf.start();
    seeded = seedLoanExample(sf, new PipedriveEmulator());
    collector = await startCollector(collected);
    userFolder = fs.mkdtempSync(path.join(os.tmpdir(), 'crm-bridge-n8n-cdc-'));
    env = await n8nEnv(userFolder, { N8N_LISTEN_ADDRESS: '127.0.0.1', N8N_CUSTOM_EXTENSIONS: DIST });
    const workflow = readWorkflow('change-event-trigger.json', {
      __DATA_FOLDER__: path.join(userFolder, 'crm-bridge'),
      __COLLECTOR__: collector.url,
    });
    workflow.id = WORKFLOW_ID;
    await importAndPublish(
      defaultN8nBin(),
      env,
      [salesforceCredential('crmBridgeSalesforceCdc1', sfUrl, SF_CLIENT)],
      workflow,
    );
    await startN8n();
  }, 300_000);

  afterAll(async () => {
    await stopN8nProcess(n8n, 30_000);
    await collector?.close();
    await sf.stop();
    if (userFolder && process.env.CRM_BRIDGE_N8N_KEEP !== '1') fs.rmSync(userFolder, { recursive: true, force: true });
  }, 60_000);

  it('an edited loan starts the workflow with one item; one event naming two loans gives two items in one run', async () => {
    sf.editRecord('Loan__c', seeded.loans[0]!, { Amount__c: 4242 });
    await until(() => collected.length === 1, 60_000, why('the edit'));
    expect(collected[0]).toMatchObject({ object: 'Loan__c', recordId: seeded.loans[0], changeType: 'UPDATE' });
    expect(collected[0]!.changedFields).toContain('Amount__c');

    sf.store.capture.transaction(() => {
      for (const id of [seeded.loans[1]!, seeded.loans[3]!]) sf.editRecord('Loan__c', id, { Status__c: 'Repaid' });
    });
    await until(() => collected.length === 3, 60_000, why('the merged event'));
    const merged = collected.slice(1);
    expect(merged.map((i) => i.recordId).sort()).toEqual([seeded.loans[1], seeded.loans[3]].sort());
    expect(new Set(merged.map((i) => i.execution)).size).toBe(1);
    expect(n8n!.logs()).not.toContain(SF_CLIENT.clientSecret);
  });

  it('restarted, it resumes after the last event it handed on: an edit made while n8n was down arrives, once', async () => {
    const last = collected.at(-1)!.replayId!;
    await stopN8nProcess(n8n, 30_000);
    sf.editRecord('Loan__c', seeded.loans[4]!, { Amount__c: 5151 });
    const before = collected.length;
    await startN8n();
    expect(subscriptions().at(-1)!.replay).toBe(last);
    await until(() => collected.length === before + 1, 60_000, why('the edit made while down'));
    expect(collected.at(-1)).toMatchObject({ recordId: seeded.loans[4], changeType: 'UPDATE' });
    await new Promise((r) => setTimeout(r, 3000));
    expect(collected.length).toBe(before + 1);
  });

  it('a replay ID Salesforce no longer has gives one catchUp item', async () => {
    const last = collected.at(-1)!.replayId!;
    await stopN8nProcess(n8n, 30_000);
    sf.editRecord('Loan__c', seeded.loans[6]!, { Amount__c: 6161 });
    sf.changeEvents.expire();
    const before = collected.length;
    await startN8n();
    await until(() => collected.length > before, 60_000, why('the catch-up item'));
    expect(collected.slice(before)).toEqual([
      expect.objectContaining({
        catchUp: true,
        object: 'Loan__c',
        reason: expect.stringContaining(`400::The replayId {${last}} you provided was invalid`),
      }),
    ]);
    sf.editRecord('Loan__c', seeded.loans[7]!, { Amount__c: 7171 });
    await until(() => collected.length === before + 2, 60_000, why('the next edit as an event'));
    expect(collected.at(-1)).toMatchObject({ recordId: seeded.loans[7] });
  });
});
