import { describe, expect, it } from 'vitest';
import { SalesforceConnector, type SalesforceConnectorOptions } from '../../../core/connectors/salesforce';
import { firstPollWait, learnBulkRate, learnedBulkRate } from '../../../core/connectors/salesforce/bulk-pace';
import type { UpsertInput } from '../../../core/connectors/connector';
import { SalesforceEmulator } from '../../../sandbox/salesforce';
import { stopEmulatorsAfterEach } from '../../helpers/emulators';

const CLIENT = { clientId: 'bridge-app', clientSecret: 'pace-s3cret-value' };
/** 200 records at 400 records/s: each job stays InProgress for about 500 ms, far beyond the 20 ms poll interval. */
const RECORDS = 200;
const PACE = 400;

const startEmulator = stopEmulatorsAfterEach<SalesforceEmulator>();

/** An emulated org (its own Organization ID) whose Bulk jobs are processed at PACE records/s. */
async function org(orgNumber: number): Promise<SalesforceEmulator> {
  const emu = new SalesforceEmulator({ client: CLIENT, orgNumber });
  emu.bulk.recordsPerSecond = PACE;
  await startEmulator(emu);
  return emu;
}

function connector(emu: SalesforceEmulator, bulk: SalesforceConnectorOptions['bulk'] = {}): SalesforceConnector {
  return new SalesforceConnector({
    instanceUrl: emu.instanceUrl,
    oauth: { ...CLIENT },
    retry: { minTimeoutMs: 5, maxTimeoutMs: 20, retries: 4 },
    bulkThreshold: 50,
    bulk: { pollIntervalMs: 20, ...bulk },
  });
}

const loans = (from: number): UpsertInput[] =>
  Array.from({ length: RECORDS }, (_, i) => ({
    key: `P-${from + i}`,
    properties: { Name: `Loan ${from + i}`, Amount__c: String(1000 + i) },
  }));

/** Runs one Bulk upsert and returns how many status polls (GET /jobs/ingest/<id>) its job took. */
async function statusPolls(emu: SalesforceEmulator, c: SalesforceConnector, from: number): Promise<number> {
  const before = emu.requests.length;
  const res = await c.upsert('Loan__c', loans(from), { keyProperty: 'Loan_Number__c' });
  expect(res.every((r) => r.status === 'created')).toBe(true);
  const calls = emu.requests.slice(before).filter((r) => r.path.includes('/jobs/ingest'));
  expect(calls.filter((r) => r.method === 'POST')).toHaveLength(1);
  return calls.filter((r) => r.method === 'GET' && /\/jobs\/ingest\/750\w+$/.test(r.path)).length;
}

describe("Bulk API 2.0 first poll at the org's learned processing rate", () => {
  it('the first job polls as before; a second job on the same org, from another connector, polls once; another org learns nothing from it', async () => {
    const a = await org(11);
    expect(await statusPolls(a, connector(a), 0)).toBeGreaterThan(1);
    const job = [...a.bulk.jobs.values()][0]!;
    const conn = await connector(a).connection();
    const info = await conn.request<{ totalProcessingTime: number; numberRecordsProcessed: number }>(
      `/jobs/ingest/${job.id}`,
    );
    expect(info.numberRecordsProcessed).toBe(RECORDS);
    // The emulator reports the job's real processing time, which the connector learned the rate from.
    expect(info.totalProcessingTime).toBeGreaterThanOrEqual((RECORDS / PACE) * 1000);
    expect(learnedBulkRate(a.orgId)).toBeCloseTo(RECORDS / info.totalProcessingTime, 10);

    // create, upload, UploadComplete, exactly one status poll, successfulResults. The org runs this job twice as
    // fast, so a loaded machine's timer delays cannot push it past the predicted time (the 20 ms interval alone
    // would poll it many times).
    a.bulk.recordsPerSecond = PACE * 2;
    expect(await statusPolls(a, connector(a), RECORDS)).toBe(1);
    expect(a.store.count('Loan__c')).toBe(2 * RECORDS);

    const b = await org(12);
    expect(b.orgId).not.toBe(a.orgId);
    expect(learnedBulkRate(b.orgId)).toBeUndefined();
    expect(await statusPolls(b, connector(b), 0)).toBeGreaterThan(1);
  });

  it('honours bulk.expectedRecordsPerSecond on an org with no learned rate, and refuses a rate that is not > 0', async () => {
    const c = await org(13);
    // 200 records/s stated against 400 processed: the first poll comes well after the job is done.
    expect(await statusPolls(c, connector(c, { expectedRecordsPerSecond: 200 }), 0)).toBe(1);
    expect(learnedBulkRate(c.orgId)).toBeGreaterThan(0);

    for (const bad of [0, -5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => connector(c, { expectedRecordsPerSecond: bad })).toThrow(
        /bulk.expectedRecordsPerSecond must be a number > 0/,
      );
    }
  });
});

describe('Bulk processing rate: smoothing and the first wait', () => {
  it('takes a slower job at once, a faster one by a quarter, and an upper bound only when it shows a faster rate', () => {
    learnBulkRate('org-x', 1_000, 0, true);
    learnBulkRate('org-x', 1_000, 500, true);
    expect(learnedBulkRate('org-x')).toBeUndefined();
    learnBulkRate('org-x', 1_000, 1_000);
    expect(learnedBulkRate('org-x')).toBe(1);
    learnBulkRate('org-x', 1_000, 500);
    expect(learnedBulkRate('org-x')).toBe(1.25);
    learnBulkRate('org-x', 1_000, 2_000, true);
    expect(learnedBulkRate('org-x')).toBe(1.25);
    learnBulkRate('org-x', 1_000, 2_000);
    expect(learnedBulkRate('org-x')).toBe(0.5);
    expect(learnedBulkRate('org-y')).toBeUndefined();
  });

  it('waits the predicted time x 1.2, between the poll interval and 30 s; the interval without a rate', () => {
    expect(firstPollWait(100_000, undefined, 1_000)).toBe(1_000);
    expect(firstPollWait(100_000, 50, 1_000)).toBe(2_400);
    expect(firstPollWait(100_000, 1_000, 1_000)).toBe(1_000);
    expect(firstPollWait(100_000, 1, 1_000)).toBe(30_000);
    expect(firstPollWait(100_000, 1, 45_000)).toBe(45_000);
  });
});
