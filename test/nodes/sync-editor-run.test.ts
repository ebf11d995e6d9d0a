/**
 * The Sync operation with the job built in the editor, driven as n8n drives it, against the emulators: it plans
 * exactly what the same job as JSON plans, and a version 1 node without a Job Source still runs its JSON job.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { executeSync } from '../../nodes/CrmBridge/actions/sync/execute';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { PD_TOKEN, SF_CLIENT, startSandbox, type Sandbox } from '../sync/fixtures';

const JOB_TEXT = readFileSync(path.join(__dirname, '../../examples/sync/loans-to-pipedrive.json'), 'utf8');
const WORKFLOW = JSON.parse(
  readFileSync(path.join(__dirname, '../e2e/n8n/workflows/sync-editor-loans-to-pipedrive.json'), 'utf8'),
);
/** The Run Sync node's parameters as n8n saved them: editor parameters only, no `job`. */
const EDITOR: Record<string, unknown> = WORKFLOW.nodes.find((n: { name: string }) => n.name === 'Run Sync').parameters;

let tdb: TestDatabase;
let box: Sandbox;
beforeAll(async () => {
  tdb = await createTestDatabase();
  box = await startSandbox();
});
afterAll(async () => {
  await box?.stop();
  await tdb?.drop();
});

function n8n(typeVersion: number, parameters: Record<string, unknown>): IExecuteFunctions {
  const credentials: Record<string, Record<string, unknown>> = {
    crmBridgeSalesforceApi: { authentication: 'oauth', instanceUrl: box.sfUrl, ...SF_CLIENT },
    crmBridgePipedriveApi: { apiToken: PD_TOKEN, baseUrl: box.pdUrl },
  };
  const all: Record<string, unknown> = {
    crm: ['salesforce', 'pipedrive'],
    streams: '',
    planItems: false,
    ...parameters,
  };
  return {
    getNodeParameter: (name: string, _i: number, fallback?: unknown) => (name in all ? all[name] : fallback),
    getCredentials: async (type: string) => credentials[type],
    getNode: () => ({ name: 'CRM Bridge', type: 'crmBridge', typeVersion, position: [0, 0], parameters: {} }),
    continueOnFail: () => false,
  } as unknown as IExecuteFunctions;
}

const context = { db: async () => tdb.db };
const withoutRun = (report: IDataObject) => {
  const { runId: _runId, startedAt: _s, finishedAt: _f, durationMs: _d, headline: _h, ...rest } = report;
  return rest;
};

describe('CRM Bridge > Sync with the job built in the editor', () => {
  it('plans what the same job as JSON plans, record by record', async () => {
    const [fromJson] = await executeSync.call(n8n(1, { job: JOB_TEXT, planLimit: 1000 }), context, true);
    const { jobSource: _source, ...editorOnly } = EDITOR;
    // A 1.1 node that never saved a Job Source is in the editor (its default).
    const [fromEditor] = await executeSync.call(n8n(1.1, { ...editorOnly, planLimit: 1000 }), context, true);
    expect(fromEditor!.json.job).toBe('loans-to-pipedrive');
    expect((fromEditor!.json.plan as unknown[]).length).toBe(fromJson!.json.planLines);
    expect(fromJson!.json.planLines).toBeGreaterThan(20);
    expect(withoutRun(fromEditor!.json)).toEqual(withoutRun(fromJson!.json));
  });

  it('runs: 20 deals linked to their persons; the JSON mode of a 1.1 node still takes the JSON job', async () => {
    const [report] = await executeSync.call(n8n(1.1, { ...EDITOR, planLimit: 0 }), context, false);
    expect(report!.json).toMatchObject({ status: 'succeeded', dryRun: false });
    expect(box.pd.store.all('deals')).toHaveLength(20);
    expect(box.pd.store.all('deals').every((d) => typeof d.person_id === 'number')).toBe(true);
    const [again] = await executeSync.call(
      n8n(1.1, { ...EDITOR, jobSource: 'json', job: JOB_TEXT, planLimit: 0 }),
      context,
      false,
    );
    expect(again!.json.totals).toMatchObject({ created: 0, updated: 0, failed: 0 });
  });
});
