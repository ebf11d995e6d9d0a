/**
 * The sync engine's n8n surface inside a real n8n 2.8.4, against the Salesforce and Pipedrive emulators:
 * - the CRM Bridge node's Sync resource (plan, then run) on the worked example job, through `n8n execute`;
 * - the CRM Bridge Trigger (polling) in a running `n8n start` with a published workflow. n8n 2.8.4 calls `poll()`
 *   only in the editor's manual mode or for an active workflow (`n8n execute` runs in `cli` mode, where a polling
 *   node just passes its input on), so the trigger is proven the way it runs in production: activated, polling on
 *   a cron, with its cursor in the workflow's static data. Emitted items are posted to a collector in this test.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedLoanExample, type SeededLoans } from '../../../sandbox/examples/loans';
import { PipedriveEmulator } from '../../../sandbox/pipedrive';
import { SalesforceEmulator } from '../../../sandbox/salesforce';
import { createTestDatabase, type TestDatabase } from '../../helpers/database';
import { ROOT } from '../../helpers/example-data';
import { DIST, SERVER, readWorkflow, salesforceCredential, syncCredentials } from './fixtures';
import {
  importAndPublish,
  startCollector,
  startN8nProcess,
  stopN8nProcess,
  until,
  type Collector,
  type N8nProcess,
} from './n8n-process';
import { defaultN8nBin, n8nEnv, n8nLine, nodeOutput, runWorkflow, type N8nCredential } from './run-workflow';

const JOB_TEXT = fs.readFileSync(path.join(ROOT, 'examples', 'sync', 'loans-to-pipedrive.json'), 'utf8');

const SF_CLIENT = { clientId: 'n8n-sync-app', clientSecret: 'n8n-sync-s3cret-7f2a91' };
const PD_TOKEN = 'pd-n8n-sync-token-5b9c0d3e';

/** The workflow file with the job (as typed into the editor: JSON text) and optional parameter overrides. */
function syncWorkflow(jobText: string, overrides: Record<string, unknown> = {}) {
  const wf = readWorkflow('sync-loans-to-pipedrive.json');
  for (const node of wf.nodes)
    if (node.type === 'CUSTOM.crmBridge') Object.assign(node.parameters, { job: jobText }, overrides);
  return wf;
}

type Counts = Record<string, number>;
interface StreamReport {
  stream: string;
  status: string;
  counts: Counts;
}
interface Report {
  runId: string;
  job: string;
  dryRun: boolean;
  status: string;
  streams: StreamReport[];
  totals: Counts;
  planLines: number;
  planOmitted: number;
  plan?: unknown[];
}
interface PlanLine {
  runId: string;
  stream: string;
  sourceId: string;
  action: string;
  changes?: Array<{ field: string; old?: string | null; new: string | null }>;
}

const countsOf = (report: Report, stream: string) => report.streams.find((s) => s.stream === stream)?.counts;

describe('CRM Bridge Sync operation in a real n8n: Salesforce loans -> Pipedrive deals (worked example)', () => {
  const sf = new SalesforceEmulator({ client: SF_CLIENT });
  const pd = new PipedriveEmulator({ tokens: [PD_TOKEN], burstBudget: 100_000 });
  const previous = process.env.DATABASE_URL;
  let t: TestDatabase;
  let seeded: SeededLoans;
  let credentials: N8nCredential[];
  const deals = () => pd.store.all('deals');
  const persons = () => pd.store.all('persons');
  const sfIdOf = (object: 'deals' | 'persons', r: { custom_fields: Record<string, unknown> }) =>
    String(r.custom_fields[pd.store.customKey(object, 'Salesforce ID')]);
  const secrets = () => [SF_CLIENT.clientSecret, PD_TOKEN, new URL(t.url!).password].filter((s) => s.length >= 3);

  beforeAll(async () => {
    process.env.DATABASE_URL = SERVER;
    t = await createTestDatabase();
    const [sfUrl, pdUrl] = await Promise.all([sf.start(), pd.start()]);
    seeded = seedLoanExample(sf, pd);
    credentials = syncCredentials('Sync1', { state: t.url!, salesforce: sfUrl, pipedrive: pdUrl }, SF_CLIENT, PD_TOKEN);
  }, 120_000);
  afterAll(async () => {
    await Promise.all([sf.stop(), pd.stop()]);
    await t?.drop();
    process.env.DATABASE_URL = previous;
  });

  it('plans (one item per plan line, nothing written), then runs: persons before the deals that point at them', async () => {
    const run = await runWorkflow({ workflow: syncWorkflow(JOB_TEXT), credentials, customExtensionsDir: DIST });
    expect(run.errorMessage).toBeUndefined();
    expect(run.status).toBe('success');
    const inScope = seeded.loans.filter((_, i) => i % 3 !== 2);
    const borrowersOfScope = new Set(
      seeded.loans
        .map((_, i) => (i % 3 !== 2 ? seeded.contacts[i % seeded.contacts.length]! : null))
        .filter((c): c is string => c !== null),
    );

    const [plan, ...lines] = nodeOutput(run.runData, 'Plan Sync') as [Report, ...PlanLine[]];
    expect(plan).toMatchObject({ job: 'loans-to-pipedrive', dryRun: true, status: 'succeeded', planOmitted: 0 });
    expect(plan.plan).toBeUndefined(); // the lines are items of their own
    expect(countsOf(plan, 'loans')).toMatchObject({ read: 30, skipped: 10, created: 20, failed: 0 });
    expect(lines).toHaveLength(plan.planLines);
    expect(lines.every((l) => l.runId === plan.runId)).toBe(true);
    expect(
      lines
        .filter((l) => l.stream === 'loans' && l.action === 'create')
        .map((l) => l.sourceId)
        .sort(),
    ).toEqual([...inScope].sort());
    expect(
      lines
        .filter((l) => l.stream === 'loans' && l.action === 'skip')
        .map((l) => l.sourceId)
        .sort(),
    ).toEqual(seeded.loans.filter((_, i) => i % 3 === 2).sort());
    const firstDeal = lines.find((l) => l.stream === 'loans' && l.sourceId === seeded.loans[0])!;
    expect(firstDeal.changes).toEqual(
      expect.arrayContaining([
        { field: 'title', new: 'Loan 0' },
        { field: 'value', new: '1000' },
        { field: 'status', new: 'won' },
      ]),
    );

    // Had the plan written anything (records, cursors), the run would not create all of it.
    const [report] = nodeOutput(run.runData, 'Run Sync') as [Report];
    expect(report).toMatchObject({
      job: 'loans-to-pipedrive',
      dryRun: false,
      status: 'succeeded',
      planLines: 0,
      plan: [],
    });
    expect(countsOf(report, 'loans')).toMatchObject({
      read: 30,
      skipped: 10,
      created: 20,
      updated: 0,
      failed: 0,
      deferred: 0,
    });
    expect(countsOf(report, 'borrowers')).toMatchObject({ created: borrowersOfScope.size, failed: 0 });
    expect(report.streams.map((s) => s.status)).toEqual(['succeeded', 'succeeded']);

    expect(deals()).toHaveLength(20);
    expect(
      persons()
        .map((p) => sfIdOf('persons', p))
        .sort(),
    ).toEqual([...borrowersOfScope].sort());
    const personBySfId = new Map(persons().map((p) => [sfIdOf('persons', p), p]));
    for (const d of deals()) {
      const loan = sf.store.get('Loan__c', sfIdOf('deals', d))!;
      expect(loan.Loan_Officer__c).toBe(seeded.officerId);
      expect(d.person_id).toBe(personBySfId.get(String(loan.Primary_Borrower__c))!.id);
      expect(d.title).toBe(loan.Name);
      expect(Number(d.value)).toBe(loan.Amount__c);
    }
    // The run is recorded in the database the credential points at.
    const { rows } = await t.db.pool.query<{ status: string; dry_run: boolean }>(
      'SELECT status, dry_run FROM sync.runs ORDER BY started_at',
    );
    expect(rows).toEqual(
      [
        { status: 'succeeded', dry_run: true },
        { status: 'succeeded', dry_run: false },
      ].map((r) => expect.objectContaining(r)),
    );
    for (const secret of secrets()) expect(run.raw).not.toContain(secret);
  });

  it('a second run reads nothing and writes nothing; then one edited loan flows as one update (streams: loans)', async () => {
    const before = { ...pd.writes };
    const again = await runWorkflow({ workflow: syncWorkflow(JOB_TEXT), credentials, customExtensionsDir: DIST });
    expect(again.errorMessage).toBeUndefined();
    const [plan] = nodeOutput(again.runData, 'Plan Sync') as [Report];
    expect(plan.totals).toMatchObject({ read: 0, created: 0, updated: 0 });
    const [report] = nodeOutput(again.runData, 'Run Sync') as [Report];
    expect(report.totals).toMatchObject({ read: 0, created: 0, updated: 0, failed: 0 });
    expect(pd.writes).toEqual(before);
    expect(deals()).toHaveLength(20);

    sf.editRecord('Loan__c', seeded.loans[0]!, { Amount__c: 5555 });
    const edited = await runWorkflow({
      workflow: syncWorkflow(JOB_TEXT, { streams: 'loans' }),
      credentials,
      customExtensionsDir: DIST,
    });
    expect(edited.errorMessage).toBeUndefined();
    const [editPlan, ...lines] = nodeOutput(edited.runData, 'Plan Sync') as [Report, ...PlanLine[]];
    // Only loans ran; borrowers shows up only as the parents the loans stream looked at (none needed writing).
    expect(editPlan.streams[0]).toMatchObject({ stream: 'loans', status: 'succeeded' });
    expect(countsOf(editPlan, 'borrowers') ?? { created: 0, updated: 0 }).toMatchObject({
      read: 0,
      created: 0,
      updated: 0,
    });
    // Lines for records re-read in the engine's look-back window are `unchanged`; the rest is the one edit.
    expect(lines.filter((l) => l.action !== 'unchanged')).toEqual([
      expect.objectContaining({
        stream: 'loans',
        sourceId: seeded.loans[0],
        action: 'update',
        changes: [{ field: 'value', old: '1000', new: '5555' }],
      }),
    ]);
    const [editRun] = nodeOutput(edited.runData, 'Run Sync') as [Report];
    expect(countsOf(editRun, 'loans')).toMatchObject({ read: 1, updated: 1, created: 0 });
    expect(pd.writes).toEqual({ created: before.created, updated: before.updated + 1 });
    expect(Number(deals().find((d) => sfIdOf('deals', d) === seeded.loans[0])!.value)).toBe(5555);
  });

  it('refuses an invalid job with the problem named by its path, and writes nothing', async () => {
    const job = JSON.parse(JOB_TEXT);
    job.streams[1].references[0].stream = 'buyers';
    const before = { ...pd.writes };
    const run = await runWorkflow({
      workflow: syncWorkflow(JSON.stringify(job)),
      credentials,
      customExtensionsDir: DIST,
    });
    expect(run.status).toBe('error');
    expect(run.errorNode).toBe('Plan Sync');
    expect(run.errorMessage).toBe(
      'Invalid sync job (parameter "Job"): streams[1].references[0].stream: no stream named "buyers" (have: borrowers, loans)',
    );
    expect(pd.writes).toEqual(before);
  });
});

// n8n 2.40 refuses to activate a poll interval under a minute ("The polling interval is too short"), and this test
// polls every 3 s; on that line it would need minutes per poll, so it runs on 2.8 only.
const pollsEvery3s = n8nLine() === '2.8';
describe.runIf(pollsEvery3s)('CRM Bridge Trigger (polling) in a running n8n, against the Salesforce emulator', () => {
  const sf = new SalesforceEmulator({ client: SF_CLIENT });
  let seeded: SeededLoans;
  let n8n: N8nProcess | undefined;
  let collector: Collector<unknown> | undefined;
  let userFolder = '';
  const collected: Array<{
    execution: string;
    crm: string;
    object: string;
    id: string;
    modifiedAt: string;
    properties: Record<string, string | null>;
  }> = [];
  const of = (object: string) => collected.filter((c) => c.object === object);

  const logs = () => n8n?.logs() ?? '';
  const waitFor = (check: () => boolean, ms: number, what: string) =>
    until(check, ms, () => `${what}; collected ${collected.length}; n8n log tail:\n${logs().slice(-3000)}`);
  /** Two more polls (every 3 s) must add nothing: the cursor stands after the last emitted record. */
  const quietFor = (ms: number) => new Promise((r) => setTimeout(r, ms));

  beforeAll(async () => {
    const sfUrl = await sf.start();
    seeded = seedLoanExample(sf, new PipedriveEmulator());
    collector = await startCollector(collected);

    userFolder = fs.mkdtempSync(path.join(os.tmpdir(), 'crm-bridge-n8n-poll-'));
    const env = await n8nEnv(userFolder, { N8N_LISTEN_ADDRESS: '127.0.0.1', N8N_CUSTOM_EXTENSIONS: DIST });
    // n8n refuses a poll interval whose seconds field has a `*`; a list of seconds polls every 3 s.
    const everyThreeSeconds = `${Array.from({ length: 20 }, (_, i) => i * 3).join(',')} * * * * *`;
    const workflow = {
      ...readWorkflow('trigger-salesforce-changes.json', { __CRON__: everyThreeSeconds, __COLLECTOR__: collector.url }),
      id: 'crmBridgePollE2E1',
    };
    const bin = defaultN8nBin();
    await importAndPublish(bin, env, [salesforceCredential('crmBridgeSalesforceTrig1', sfUrl, SF_CLIENT)], workflow);
    n8n = startN8nProcess('main', bin, ['start'], env);
  }, 240_000);

  afterAll(async () => {
    await stopN8nProcess(n8n);
    await collector?.close();
    await sf.stop();
    if (userFolder && process.env.CRM_BRIDGE_N8N_KEEP !== '1') fs.rmSync(userFolder, { recursive: true, force: true });
  }, 60_000);

  it('emits every loan from the beginning, at most Max Items per poll, each once; borrowers "from now" emit nothing yet', async () => {
    await waitFor(() => of('Loan__c').length >= 30, 150_000, 'the first polls to emit all 30 loans');
    await quietFor(7_000);
    const loans = of('Loan__c');
    expect(loans.map((l) => l.id).sort()).toEqual([...seeded.loans].sort());
    // 20 (Max Items) in the first poll's run, the other 10 in the next one.
    const runs = [...new Set(loans.map((l) => l.execution))];
    expect(runs.map((e) => loans.filter((l) => l.execution === e).length)).toEqual([20, 10]);
    // Oldest change first; the properties asked for, and only those.
    const byId = new Map(loans.map((l) => [l.id, l]));
    const first = byId.get(seeded.loans[0]!)!;
    expect(first).toMatchObject({
      crm: 'salesforce',
      object: 'Loan__c',
      properties: { Name: 'Loan 0', Amount__c: '1000' },
    });
    expect(Object.keys(first.properties).sort()).toEqual(['Amount__c', 'Name']);
    expect(loans.map((l) => `${l.modifiedAt}|${l.id}`)).toEqual(loans.map((l) => `${l.modifiedAt}|${l.id}`).sort());
    expect(of('Contact')).toEqual([]);
    expect(logs()).not.toContain(SF_CLIENT.clientSecret);
  });

  it('after a loan and a borrower change in Salesforce, the next poll emits only those two records', async () => {
    const before = collected.length;
    sf.editRecord('Loan__c', seeded.loans[4]!, { Amount__c: 4242 });
    sf.editRecord('Contact', seeded.contacts[1]!, { Email: 'moved@example.com' });
    await waitFor(() => of('Loan__c').length > 30 && of('Contact').length > 0, 30_000, 'the edited records');
    await quietFor(7_000);
    const fresh = collected.slice(before);
    expect(fresh.map((c) => [c.object, c.id]).sort()).toEqual(
      [
        ['Contact', seeded.contacts[1]],
        ['Loan__c', seeded.loans[4]],
      ].sort(),
    );
    expect(fresh.find((c) => c.object === 'Loan__c')!.properties).toEqual({ Name: 'Loan 4', Amount__c: '4242' });
    expect(fresh.find((c) => c.object === 'Contact')!.properties).toMatchObject({ Email: 'moved@example.com' });
  });
});
