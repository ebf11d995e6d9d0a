/**
 * The worked sync example built in the Sync editor (no JSON anywhere in the workflow), run in a real n8n 2.8.4
 * against the Salesforce and Pipedrive emulators, gives what `crm-bridge sync --job examples/sync/loans-to-pipedrive.json`
 * gives against a second, identically seeded pair: the same counts per stream and the same records in Pipedrive.
 */
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../helpers/database';
import { PD_TOKEN, SF_CLIENT, startSandbox, type Sandbox } from '../../sync/fixtures';
import { sfKey, syncProcess } from '../../sync/processes';
import { ROOT } from '../../helpers/example-data';
import { DIST, SERVER, readWorkflow, syncCredentials } from './fixtures';
import { nodeOutput, runWorkflow } from './run-workflow';

const JOB_FILE = path.join(ROOT, 'examples', 'sync', 'loans-to-pipedrive.json');

type Counts = Record<string, number>;
interface Report {
  job: string;
  dryRun: boolean;
  status: string;
  streams: Array<{ stream: string; status: string; counts: Counts }>;
  totals: Counts;
  planLines: number;
}
interface PlanLine {
  stream: string;
  sourceId: string;
  action: string;
}

const credentials = (box: Sandbox, dbUrl: string) =>
  syncCredentials('Sync1', { state: dbUrl, salesforce: box.sfUrl, pipedrive: box.pdUrl }, SF_CLIENT, PD_TOKEN);

/** What Pipedrive holds, by Salesforce ID, with links as Salesforce IDs: comparable across two emulators. */
function written(box: Sandbox) {
  const personKey = sfKey(box, 'persons');
  const dealKey = sfKey(box, 'deals');
  const persons = box.pd.store.all('persons');
  const sfIdOfPerson = new Map(persons.map((p) => [p.id, String(p.custom_fields[personKey])]));
  const pick = (r: Record<string, unknown>, keys: string[]) => Object.fromEntries(keys.map((k) => [k, r[k] ?? null]));
  return {
    persons: persons
      .map((p) => ({ sfId: String(p.custom_fields[personKey]), ...pick(p, ['name', 'email']) }))
      .sort((a, b) => a.sfId.localeCompare(b.sfId)),
    deals: box.pd.store
      .all('deals')
      .map((d) => ({
        sfId: String(d.custom_fields[dealKey]),
        person: sfIdOfPerson.get(d.person_id as number) ?? null,
        ...pick(d, ['title', 'value', 'status', 'stage_id', 'pipeline_id']),
      }))
      .sort((a, b) => a.sfId.localeCompare(b.sfId)),
  };
}

const editorWorkflow = (edit?: (parameters: Record<string, any>) => void) => {
  const wf = readWorkflow('sync-editor-loans-to-pipedrive.json');
  for (const node of wf.nodes) if (node.type === 'CUSTOM.crmBridge') edit?.(node.parameters);
  return wf;
};

describe('Sync built in the editor, in a real n8n, gives the same result as the CLI on the job file', () => {
  const previous = process.env.DATABASE_URL;
  let n8nBox: Sandbox;
  let cliBox: Sandbox;
  let n8nDb: TestDatabase;
  let cliDb: TestDatabase;

  beforeAll(async () => {
    process.env.DATABASE_URL = SERVER;
    [n8nDb, cliDb] = await Promise.all([createTestDatabase(), createTestDatabase()]);
    [n8nBox, cliBox] = await Promise.all([startSandbox(), startSandbox()]);
  }, 120_000);
  afterAll(async () => {
    await Promise.all([n8nBox?.stop(), cliBox?.stop()]);
    await Promise.all([n8nDb?.drop(), cliDb?.drop()]);
    process.env.DATABASE_URL = previous;
  });

  it('plans, then runs: the counts and the records written equal the CLI run of loans-to-pipedrive.json', async () => {
    const workflow = editorWorkflow();
    expect(JSON.stringify(workflow)).not.toContain('"job"');
    const run = await runWorkflow({
      workflow,
      credentials: credentials(n8nBox, n8nDb.url!),
      customExtensionsDir: DIST,
    });
    expect(run.errorMessage).toBeUndefined();
    expect(run.status).toBe('success');

    const [plan, ...lines] = nodeOutput(run.runData, 'Plan Sync') as [Report, ...PlanLine[]];
    expect(plan).toMatchObject({ job: 'loans-to-pipedrive', dryRun: true, status: 'succeeded' });
    expect(plan.streams.find((s) => s.stream === 'loans')!.counts).toMatchObject({
      read: 30,
      skipped: 10,
      created: 20,
    });
    expect(
      lines
        .filter((l) => l.stream === 'loans' && l.action === 'create')
        .map((l) => l.sourceId)
        .sort(),
    ).toEqual(n8nBox.loans.filter((_, i) => i % 3 !== 2).sort());
    const [report] = nodeOutput(run.runData, 'Run Sync') as [Report];
    expect(report).toMatchObject({ job: 'loans-to-pipedrive', dryRun: false, status: 'succeeded' });

    const cli = await syncProcess(cliBox, cliDb.url!, JOB_FILE);
    expect(cli.code, cli.stderr).toBe(0);
    const cliReport = (JSON.parse(cli.stdout) as { result: Report }).result;
    expect(cliReport.status).toBe('succeeded');

    const countsOf = (r: Report) =>
      Object.fromEntries(r.streams.map((s) => [s.stream, { status: s.status, counts: s.counts }]));
    expect(countsOf(report)).toEqual(countsOf(cliReport));
    expect(report.totals).toEqual(cliReport.totals);
    expect(report.streams.find((s) => s.stream === 'loans')!.counts).toMatchObject({
      read: 30,
      skipped: 10,
      created: 20,
      failed: 0,
      deferred: 0,
    });

    const fromN8n = written(n8nBox);
    expect(fromN8n.deals).toHaveLength(20);
    expect(fromN8n.persons.length).toBeGreaterThan(0);
    expect(fromN8n.deals.every((d) => d.person !== null && (d as Record<string, unknown>).status !== null)).toBe(true);
    expect(fromN8n).toEqual(written(cliBox));
    expect(n8nBox.pd.writes).toEqual(cliBox.pd.writes);
  });

  it('refuses an editor mistake naming the stream and the reference, and writes nothing', async () => {
    const before = { ...n8nBox.pd.writes };
    // One n8n run (each is a cold start): the editor's own checks (cells, options) are unit-tested.
    const run = await runWorkflow({
      workflow: editorWorkflow((p) => (p.editorStreams.stream[1].references.reference[0].stream = 'buyers')),
      credentials: credentials(n8nBox, n8nDb.url!),
      customExtensionsDir: DIST,
    });
    expect(run.status).toBe('error');
    expect(run.errorNode).toBe('Plan Sync');
    expect(run.errorMessage).toBe(
      'Invalid sync job (editor): stream "loans", reference from "Primary_Borrower__c" (stream): no stream named "buyers" (have: borrowers, loans)',
    );
    expect(n8nBox.pd.writes).toEqual(before);
  });
});
