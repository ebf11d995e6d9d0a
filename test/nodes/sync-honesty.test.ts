import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { IExecuteFunctions } from 'n8n-workflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { executeSync } from '../../nodes/CrmBridge/actions/sync/execute';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { PD_TOKEN, SF_CLIENT, startSandbox, type Sandbox } from '../sync/fixtures';

const JOB_TEXT = readFileSync(path.join(__dirname, '../../examples/sync/loans-to-pipedrive.json'), 'utf8');
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

/** The few n8n functions the Sync operation calls, with the node's parameters and credentials. */
function n8n(parameters: Record<string, unknown>, options: { continueOnFail?: boolean } = {}): IExecuteFunctions {
  const credentials: Record<string, Record<string, unknown>> = {
    crmBridgeSalesforceApi: {
      authentication: 'oauth',
      instanceUrl: box.sfUrl,
      clientId: SF_CLIENT.clientId,
      clientSecret: SF_CLIENT.clientSecret,
    },
    crmBridgePipedriveApi: { apiToken: PD_TOKEN, baseUrl: box.pdUrl },
  };
  const all: Record<string, unknown> = {
    crm: ['salesforce', 'pipedrive'],
    job: JOB_TEXT,
    streams: '',
    planItems: false,
    full: false,
    ...parameters,
  };
  return {
    getNodeParameter: (name: string, _i: number, fallback?: unknown) => (name in all ? all[name] : fallback),
    getCredentials: async (type: string) => credentials[type],
    getNode: () => ({ name: 'CRM Bridge', type: 'crmBridge', typeVersion: 1, position: [0, 0], parameters: {} }),
    continueOnFail: () => options.continueOnFail ?? false,
  } as unknown as IExecuteFunctions;
}

const context = { db: async () => tdb.db };

describe('CRM Bridge > Sync in n8n says when a run did not succeed', () => {
  it('records refused: the item says partial with the headline; nothing through: the node fails with the headline (or, continuing on fail, an item with the error)', async () => {
    const refused = box.loans.filter((_, i) => i % 3 !== 2).slice(0, 3);
    for (const id of refused) box.pd.faults.failRecord(id, 'Validation failed: value: must be at least 5000');
    const [item] = await executeSync.call(n8n({ planLimit: 0 }), context, false);
    expect(item!.json).toMatchObject({ status: 'partial', totals: expect.objectContaining({ failed: 3 }) });
    expect(String(item!.json.headline)).toMatch(
      /: partial — loans: 3 failed: deals …: .*Validation failed: value: must be at least 5000/,
    );

    // Only the three refused loans are left to do, and Pipedrive refuses them again: nothing goes through.
    const job = JSON.parse(JOB_TEXT) as { name: string; lookbackSeconds?: number };
    const again = JSON.stringify({ ...job, lookbackSeconds: 0 });
    const failed = await executeSync.call(n8n({ job: again, streams: 'loans' }), context, false).catch((e: Error) => e);
    expect(failed).toBeInstanceOf(Error);
    expect((failed as Error).message).toMatch(
      /of loans-to-pipedrive: failed — loans: 3 failed: deals …: .*must be at least 5000/,
    );
    expect((failed as Error).message).not.toContain(PD_TOKEN);
    const [kept] = await executeSync.call(
      n8n({ job: again, streams: 'loans' }, { continueOnFail: true }),
      context,
      false,
    );
    expect(kept!.json).toMatchObject({ status: 'failed', error: expect.stringContaining('failed — loans: 3 failed') });
  }, 120_000);
});
