import { describe, expect, it } from 'vitest';
import { SalesforceConnector, type SalesforceConnectorOptions } from '../../../core/connectors/salesforce';
import type { UpsertInput } from '../../../core/connectors/connector';
import { SalesforceEmulator } from '../../../sandbox/salesforce';
import { csvJobs, parseBulkError } from '../../../core/connectors/salesforce/bulk-csv';
import { freshEmulatorEachTest } from '../../helpers/emulators';

const CLIENT = { clientId: 'bridge-app', clientSecret: 'bulk-s3cret-value' };

let emu: SalesforceEmulator;
let url: string;

freshEmulatorEachTest(
  () => new SalesforceEmulator({ client: CLIENT }),
  (started, startedUrl) => ((emu = started), (url = startedUrl)),
);

function connector(extra: Partial<SalesforceConnectorOptions> = {}): SalesforceConnector {
  return new SalesforceConnector({
    instanceUrl: url,
    oauth: { ...CLIENT },
    retry: { minTimeoutMs: 5, maxTimeoutMs: 20, retries: 4 },
    bulkThreshold: 50,
    bulk: { pollIntervalMs: 20 },
    ...extra,
  });
}

const loans = (n: number, name = 'Loan'): UpsertInput[] =>
  Array.from({ length: n }, (_, i) => ({
    key: `B-${i}`,
    properties: { Name: `${name} ${i}`, Amount__c: String(1000 + i), Status__c: 'Draft', Rate__c: null },
  }));

const bulkCalls = () => emu.requests.filter((r) => r.path.includes('/jobs/ingest'));
const collectionCalls = () => emu.requests.filter((r) => r.path.includes('/composite/sobjects'));

describe('Salesforce upsert through Bulk API 2.0 (jsforce bulk2) above the threshold', () => {
  it('creates, then updates, then a re-run changes nothing but the values; per-record results with IDs', async () => {
    const c = connector();
    const first = await c.upsert('Loan__c', loans(120), { keyProperty: 'Loan_Number__c' });
    expect(first.map((r) => r.status)).toEqual(Array(120).fill('created'));
    const stored = emu.store.findBy('Loan__c', 'Loan_Number__c', 'B-7');
    expect(first[7]).toEqual({ key: 'B-7', status: 'created', id: stored!.Id });
    expect(stored).toMatchObject({ Name: 'Loan 7', Amount__c: 1007, Status__c: 'Draft', Rate__c: null });
    expect(collectionCalls()).toHaveLength(0);
    // create job, upload, UploadComplete, >= 1 status poll, successfulResults; no failed/unprocessed reads when none exist.
    const paths = bulkCalls().map((r) => `${r.method} ${r.path.replace(/.*\/jobs\/ingest/, '')}`);
    expect(paths[0]).toBe('POST ');
    expect(paths[1]).toMatch(/^PUT \/750\w+\/batches$/);
    expect(paths[2]).toMatch(/^PATCH \/750\w+$/);
    expect(paths.at(-1)).toMatch(/^GET \/750\w+\/successfulResults$/);
    expect(paths.some((p) => p.includes('failedResults') || p.includes('unprocessedrecords'))).toBe(false);

    const second = await c.upsert('Loan__c', loans(120, 'Renamed'), { keyProperty: 'Loan_Number__c' });
    expect(second.map((r) => r.status)).toEqual(Array(120).fill('updated'));
    expect(second[7]!.id).toBe(stored!.Id);
    expect(emu.store.count('Loan__c')).toBe(120);
    expect(emu.store.findBy('Loan__c', 'Loan_Number__c', 'B-7')!.Name).toBe('Renamed 7');

    const third = await c.upsert('Loan__c', loans(120, 'Renamed'), { keyProperty: 'Loan_Number__c' });
    expect(third.every((r) => r.status === 'updated')).toBe(true);
    expect(emu.store.count('Loan__c')).toBe(120);
    // Every Bulk API call counted against the daily budget, as Salesforce counts them.
    expect(emu.limits.used).toBe(emu.requests.filter((r) => r.path.startsWith('/services/data')).length);
  });

  it('stays on sObject Collections at or below the threshold', async () => {
    const c = connector();
    const res = await c.upsert('Loan__c', loans(50), { keyProperty: 'Loan_Number__c' });
    expect(res.every((r) => r.status === 'created')).toBe(true);
    expect(bulkCalls()).toHaveLength(0);
    expect(collectionCalls()).toHaveLength(1);
  });

  it('maps partial failures per record: validation rule, duplicate rule, restricted picklist, bad lookup', async () => {
    const officer = emu.store.insert('User', [
      { FirstName: 'Olive', LastName: 'Officer', Email: 'olive@bank.example', Username: 'olive@bank.example' },
    ])[0]!;
    const input = loans(60);
    input[3]!.properties.Amount__c = '-5';
    input[4]!.properties.Stage__c = 'Bogus';
    input[5]!.properties.Loan_Officer__c = '005000000000zzzAAA';
    input[6]!.properties.Loan_Officer__c = officer.Id;
    input[7]!.properties.Stage__c = 'Funded';
    const res = await connector().upsert('Loan__c', input, { keyProperty: 'Loan_Number__c' });
    expect(res[3]).toMatchObject({ status: 'failed' });
    expect(res[3]!.error).toContain(
      'a Salesforce validation rule rejected this record (FIELD_CUSTOM_VALIDATION_EXCEPTION: Loan amount must not be negative [Amount__c])',
    );
    expect(res[4]!.error).toContain('INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST');
    expect(res[4]!.error).toContain('[Stage__c]');
    expect(res[5]!.error).toContain('INVALID_CROSS_REFERENCE_KEY');
    expect(res.filter((r) => r.status === 'created')).toHaveLength(57);
    expect(emu.store.findBy('Loan__c', 'Loan_Number__c', 'B-6')!.Loan_Officer__c).toBe(officer.Id);
    expect(emu.store.findBy('Loan__c', 'Loan_Number__c', 'B-7')!.Stage__c).toBe('Funded');
    expect(emu.store.findBy('Loan__c', 'Loan_Number__c', 'B-3')).toBeUndefined();
    expect(bulkCalls().some((r) => r.path.endsWith('/failedResults'))).toBe(true);

    emu.store.insert('Contact', [{ LastName: 'Taken', Email: 'taken@example.com' }]);
    const contacts: UpsertInput[] = Array.from({ length: 55 }, (_, i) => ({
      key: `C-${i}`,
      properties: { LastName: `Person ${i}`, Email: i === 9 ? 'TAKEN@example.com' : `p${i}@example.com` },
    }));
    const cres = await connector().upsert('Contact', contacts, { keyProperty: 'Legacy_Id__c' });
    expect(cres[9]).toMatchObject({
      status: 'failed',
      error: expect.stringContaining('Salesforce duplicate rules blocked this record (DUPLICATES_DETECTED'),
    });
    expect(cres.filter((r) => r.status === 'created')).toHaveLength(54);
  });

  it('a job that fails part-way: processed records keep their results, the rest are failed with the job error', async () => {
    emu.bulk.failJobs(1, { afterRecords: 30, message: 'InternalServerError : processing stopped' });
    const res = await connector().upsert('Loan__c', loans(80), { keyProperty: 'Loan_Number__c' });
    expect(res.slice(0, 30).every((r) => r.status === 'created')).toBe(true);
    expect(res.slice(30).every((r) => r.status === 'failed')).toBe(true);
    expect(res[40]!.error).toMatch(
      /ended Failed \(InternalServerError : processing stopped\) before processing this record; run the upsert again/,
    );
    expect(emu.store.count('Loan__c')).toBe(30);
    expect(bulkCalls().some((r) => r.path.endsWith('/unprocessedrecords'))).toBe(true);
    // The re-run the message asks for completes the set without duplicates.
    const again = await connector().upsert('Loan__c', loans(80), { keyProperty: 'Loan_Number__c' });
    expect(again.filter((r) => r.status === 'created')).toHaveLength(50);
    expect(again.filter((r) => r.status === 'updated')).toHaveLength(30);
    expect(emu.store.count('Loan__c')).toBe(80);
  });

  it('a job whose CSV names an unknown field fails as a whole, each record saying why', async () => {
    const input = loans(60).map((r) => ({ ...r, properties: { ...r.properties, Bogus__c: 'x' } }));
    const res = await connector().upsert('Loan__c', input, { keyProperty: 'Loan_Number__c' });
    expect(
      res.every((r) => r.status === 'failed' && r.error!.includes('InvalidBatch : Field name not found : Bogus__c')),
    ).toBe(true);
    expect(emu.store.count('Loan__c')).toBe(0);
  });

  it('re-sends records a job never saw: jsforce retries a 503 upload without its streamed data', async () => {
    emu.faults.serverErrors(1, { method: 'PUT', path: '/jobs/ingest' });
    const res = await connector().upsert('Loan__c', loans(70), { keyProperty: 'Loan_Number__c' });
    expect(res.every((r) => r.status === 'created')).toBe(true);
    expect(emu.store.count('Loan__c')).toBe(70);
    const jobs = [...emu.bulk.jobs.values()];
    expect(jobs.map((j) => j.state)).toEqual(['Failed', 'JobComplete']);
    expect(jobs[0]!.errorMessage).toContain('No data was uploaded');
  });

  it('survives a dropped upload connection and a lost UploadComplete answer; nothing lost or doubled', async () => {
    emu.faults.drop(1, { method: 'PUT', path: '/jobs/ingest' });
    const res = await connector().upsert('Loan__c', loans(70), { keyProperty: 'Loan_Number__c' });
    expect(res.every((r) => r.status === 'created')).toBe(true);
    expect(emu.store.count('Loan__c')).toBe(70);

    // UploadComplete applied but its answer lost: the job's state shows it, so it is not closed twice nor re-sent.
    emu.faults.drop(1, { method: 'PATCH', path: '/jobs/ingest', afterProcessing: true });
    const before = emu.bulk.jobs.size;
    const again = await connector().upsert('Loan__c', loans(70, 'Again'), { keyProperty: 'Loan_Number__c' });
    expect(again.every((r) => r.status === 'updated')).toBe(true);
    expect(emu.bulk.jobs.size).toBe(before + 1);
    expect(emu.store.count('Loan__c')).toBe(70);
    expect(emu.store.findBy('Loan__c', 'Loan_Number__c', 'B-69')!.Name).toBe('Again 69');

    // UploadComplete lost before it reached Salesforce: the job is still Open, so it is closed again.
    emu.faults.drop(1, { method: 'PATCH', path: '/jobs/ingest' });
    const third = await connector().upsert('Loan__c', loans(70, 'Third'), { keyProperty: 'Loan_Number__c' });
    expect(third.every((r) => r.status === 'updated')).toBe(true);
    expect(emu.bulk.jobs.size).toBe(before + 2);
    expect(emu.store.findBy('Loan__c', 'Loan_Number__c', 'B-0')!.Name).toBe('Third 0');
  });

  it('splits the upload into several jobs when the CSV would pass maxJobBytes', async () => {
    const res = await connector({ bulk: { pollIntervalMs: 20, maxJobBytes: 2_000 } }).upsert('Loan__c', loans(100), {
      keyProperty: 'Loan_Number__c',
    });
    expect(res.every((r) => r.status === 'created')).toBe(true);
    expect(emu.bulk.jobs.size).toBeGreaterThan(1);
    expect(emu.store.count('Loan__c')).toBe(100);
  });

  it('carries commas, quotes, line breaks and delimiters of other CSV dialects intact; null and "" clear a field, absent leaves it', async () => {
    const tricky = 'Smith, "Jr."\nline two; a|b^c\tTAB';
    const input = loans(60);
    input[0]!.properties.Name = tricky;
    input[1]!.properties.Channels__c = 'Branch;Online';
    const c = connector();
    expect(
      (await c.upsert('Loan__c', input, { keyProperty: 'Loan_Number__c' })).every((r) => r.status === 'created'),
    ).toBe(true);
    expect(emu.store.findBy('Loan__c', 'Loan_Number__c', 'B-0')!.Name).toBe(tricky);
    expect(emu.store.findBy('Loan__c', 'Loan_Number__c', 'B-1')!.Channels__c).toBe('Branch;Online');
    // Second run: B-0 clears Status__c with null, B-1 with "", B-2 does not mention it (stays 'Draft').
    const second: UpsertInput[] = loans(60).map((r) => ({ key: r.key, properties: { Name: r.properties.Name! } }));
    second[0]!.properties.Status__c = null;
    second[1]!.properties.Status__c = '';
    expect(
      (await c.upsert('Loan__c', second, { keyProperty: 'Loan_Number__c' })).every((r) => r.status === 'updated'),
    ).toBe(true);
    expect(emu.store.findBy('Loan__c', 'Loan_Number__c', 'B-0')!.Status__c).toBeNull();
    expect(emu.store.findBy('Loan__c', 'Loan_Number__c', 'B-1')!.Status__c).toBeNull();
    expect(emu.store.findBy('Loan__c', 'Loan_Number__c', 'B-2')!.Status__c).toBe('Draft');
  });
});

describe('Bulk API 2.0 CSV helpers', () => {
  it('reads sf__Error cells into status code, message and fields', () => {
    expect(parseBulkError('REQUIRED_FIELD_MISSING:Required fields are missing: [Name]:Name --')).toEqual({
      statusCode: 'REQUIRED_FIELD_MISSING',
      message: 'Required fields are missing: [Name]',
      fields: ['Name'],
    });
    expect(parseBulkError('DUPLICATES_DETECTED:Use one of these records?: --')).toEqual({
      statusCode: 'DUPLICATES_DETECTED',
      message: 'Use one of these records?',
      fields: [],
    });
    expect(parseBulkError('Stage: bad value for restricted picklist field: X')).toEqual({
      statusCode: 'UNKNOWN',
      message: 'Stage: bad value for restricted picklist field: X',
    });
  });

  it('splits jobs by bytes without splitting a record, key column first', () => {
    const rows = Array.from({ length: 10 }, (_, i) => ({ index: i, values: { Name: `N${i}`, K: `k${i}` } }));
    const jobs = csvJobs(rows, 'K', 40);
    expect(jobs.flatMap((j) => j.indexes)).toEqual([...Array(10).keys()]);
    for (const j of jobs) expect(j.csv.startsWith('K,Name\n')).toBe(true);
    expect(jobs.length).toBeGreaterThan(1);
  });
});
