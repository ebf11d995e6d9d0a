/**
 * Salesforce rows of `npm run bench -- --only connectors` (also runnable alone: `npx tsx bench/connectors/salesforce.ts
 * [--salesforce-records 100000]`).
 *
 * Upserts N accounts (default 100,000) by external ID into the local emulator through the connector on jsforce:
 * sObject Collections (upsert() calls of 2,000 records, as a sync job pages; 200 per call) and Bulk API 2.0 (one
 * upsert() of everything: above the 2,000-record threshold, so one ingest job), each with its fault scenario, and a
 * second Bulk job on an org whose processing rate the connector learned from a first one (its first poll waits for the
 * predicted completion instead of 1 s). The baselines are the same calls sent by plain fetch in this process (no
 * jsforce, no connector): the Collections PATCHes one after another, and one Bulk job polled every 250 ms. Every run is
 * checked record by record against the store.
 *
 * Salesforce's limit is a budget, not a rate: 15,000 API requests per rolling 24 h (the emulator's default), every
 * REST and Bulk call counted, plus 15,000 Bulk batches of 10,000 records. "ratio to limit" is budget efficiency: the
 * fewest calls the path needs for N records / the calls spent (Collections: N/200 PATCHes; Bulk: per job create,
 * upload, UploadComplete, one status poll, successfulResults).
 */
import { performance } from 'node:perf_hooks';
import { SalesforceConnector } from '../../core/connectors/salesforce';
import type { UpsertInput, UpsertResult } from '../../core/connectors/connector';
import { SalesforceEmulator, clientCredentialsToken } from '../../sandbox/salesforce';
import { fmt, printWhenRun, type BenchRow } from './rows';

const BATCH = 200;
const DAILY = 15_000;
const BULK_BATCH = 10_000;
/** Calls of one clean Bulk API 2.0 job: create, upload, UploadComplete, one poll, successfulResults. */
const BULK_MIN_CALLS = 5;

/** Accounts `from + 1` to `from + n`. */
function accounts(n: number, from = 0): UpsertInput[] {
  return Array.from({ length: n }, (_, k) => {
    const i = from + k;
    return {
      key: `L${String(i + 1).padStart(7, '0')}`,
      properties: {
        Name: `Company ${i + 1}`,
        Website: `https://company${i + 1}.example.com`,
        Phone: `+4420${String(7_000_000 + i)}`,
      },
    };
  });
}

/**
 * Record by record against the store: lost = an input key with no record, or whose record lacks the input's values,
 * or whose non-failed result names another record ID; duplicated = extra records with one key.
 */
function audit(
  emu: SalesforceEmulator,
  input: UpsertInput[],
  results: UpsertResult[],
): { lost: number; duplicated: number; failed: number } {
  const byKey = new Map<string, Array<Record<string, unknown>>>();
  for (const r of emu.store.all('Account')) {
    const key = String(r.Legacy_Id__c);
    const list = byKey.get(key) ?? [];
    list.push(r);
    byKey.set(key, list);
  }
  const result = new Map(results.map((r) => [r.key, r]));
  let lost = 0;
  let duplicated = 0;
  for (const r of input) {
    const stored = byKey.get(r.key) ?? [];
    const res = result.get(r.key);
    const same = stored.length > 0 && Object.entries(r.properties).every(([k, v]) => stored[0]![k] === v);
    if (!same || !res || (res.status !== 'failed' && res.id !== undefined && res.id !== stored[0]!.Id)) lost++;
    duplicated += Math.max(0, stored.length - 1);
  }
  return { lost, duplicated, failed: results.filter((r) => r.status === 'failed').length };
}

/** How long a job took to process (UploadComplete to its end), when it was first polled, and how many polls it had. */
function jobTiming(emu: SalesforceEmulator, id: string): string {
  const job = emu.bulk.jobs.get(id);
  const calls = emu.requests.filter((r) => r.path.endsWith(`/jobs/ingest/${id}`));
  const closed = calls.find((r) => r.method === 'PATCH');
  const polls = calls.filter((r) => r.method === 'GET' && closed && r.at >= closed.at);
  if (!job?.uploadCompleteAt || !job.endedAt || !closed || !polls.length) return '';
  return ` in ${fmt((job.endedAt - job.uploadCompleteAt) / 1000, 2)} s, first of ${polls.length} status poll(s) ${fmt((polls[0]!.at - closed.at) / 1000, 2)} s after UploadComplete`;
}

const API = '/services/data/v60.0';

/** The Collections baseline: the same 200-record PATCHes, one after another, by plain fetch. */
async function rawCollections(url: string, token: string, input: UpsertInput[]): Promise<UpsertResult[]> {
  const out: UpsertResult[] = [];
  for (let i = 0; i < input.length; i += BATCH) {
    const batch = input.slice(i, i + BATCH);
    const body = JSON.stringify({
      allOrNone: false,
      records: batch.map((r) => ({ attributes: { type: 'Account' }, ...r.properties, Legacy_Id__c: r.key })),
    });
    const res = await fetch(`${url}${API}/composite/sobjects/Account/Legacy_Id__c`, {
      method: 'PATCH',
      body,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    });
    const answer = (await res.json()) as Array<{ id: string; success: boolean; created: boolean }>;
    batch.forEach((r, n) =>
      out.push({
        key: r.key,
        status: answer[n]?.success ? (answer[n]!.created ? 'created' : 'updated') : 'failed',
        id: answer[n]?.id,
      }),
    );
  }
  return out;
}

/** The Bulk baseline: one ingest job by plain fetch, polled every 250 ms; results read as CSV with naive splitting. */
async function rawBulk(url: string, token: string, input: UpsertInput[]): Promise<UpsertResult[]> {
  const auth = { authorization: `Bearer ${token}` };
  const job = await fetch(`${url}${API}/jobs/ingest`, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/json' },
    body: JSON.stringify({
      object: 'Account',
      operation: 'upsert',
      externalIdFieldName: 'Legacy_Id__c',
      contentType: 'CSV',
      lineEnding: 'LF',
    }),
  }).then((r) => r.json() as Promise<{ id: string }>);
  const csv = `Legacy_Id__c,Name,Website,Phone\n${input.map((r) => `${r.key},${r.properties.Name},${r.properties.Website},${r.properties.Phone}`).join('\n')}\n`;
  await fetch(`${url}${API}/jobs/ingest/${job.id}/batches`, {
    method: 'PUT',
    headers: { ...auth, 'content-type': 'text/csv' },
    body: csv,
  });
  await fetch(`${url}${API}/jobs/ingest/${job.id}`, {
    method: 'PATCH',
    headers: { ...auth, 'content-type': 'application/json' },
    body: JSON.stringify({ state: 'UploadComplete' }),
  });
  for (;;) {
    await new Promise((r) => setTimeout(r, 250));
    const info = await fetch(`${url}${API}/jobs/ingest/${job.id}`, { headers: auth }).then(
      (r) => r.json() as Promise<{ state: string }>,
    );
    if (info.state === 'JobComplete' || info.state === 'Failed') break;
  }
  const text = await fetch(`${url}${API}/jobs/ingest/${job.id}/successfulResults`, { headers: auth }).then((r) =>
    r.text(),
  );
  return text
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => {
      const [id, created, key] = line.split(',').map((c) => c.replace(/^"|"$/g, ''));
      return { key: key!, status: created === 'true' ? ('created' as const) : ('updated' as const), id };
    });
}

type Path = 'collections' | 'bulk';

/** `warm`: a first job of other records on the same org, untimed, before the measured one (from a new connector). */
interface Scenario {
  name: string;
  path: Path;
  raw?: boolean;
  faults?: boolean;
  warm?: boolean;
}

async function run(s: Scenario, records: number, baselinePerSecond?: number, notes: string[] = []): Promise<BenchRow> {
  const emu = new SalesforceEmulator({ dailyApiRequests: DAILY });
  const url = await emu.start();
  const warmup = s.warm ? accounts(records) : [];
  const input = accounts(records, warmup.length);
  const thrown: string[] = [];
  try {
    const token = await clientCredentialsToken(url);
    let results: UpsertResult[];
    let retries = 0;
    let t = 0;
    let warmResults: UpsertResult[] = [];
    if (warmup.length) {
      // Another connector of the same org (the same instance URL), as an earlier run in this process would be.
      warmResults = await new SalesforceConnector({ instanceUrl: url, accessToken: token }).upsert('Account', warmup, {
        keyProperty: 'Legacy_Id__c',
      });
    }
    const firstRequest = emu.requests.length;
    if (s.raw) {
      t = performance.now();
      results = s.path === 'bulk' ? await rawBulk(url, token, input) : await rawCollections(url, token, input);
    } else {
      const connector = new SalesforceConnector({ instanceUrl: url, accessToken: token });
      await connector.describe('Account');
      const upsert = async (r: UpsertInput[]): Promise<UpsertResult[]> => {
        try {
          return await connector.upsert('Account', r, { keyProperty: 'Legacy_Id__c' });
        } catch (error) {
          thrown.push((error as Error).message);
          return r.map((x) => ({ key: x.key, status: 'failed' as const, error: (error as Error).message }));
        }
      };
      t = performance.now();
      if (s.path === 'bulk') {
        if (s.faults) {
          // A 503 on the upload (jsforce resends it without its data), the UploadComplete answer lost after it was
          // applied, a 503 on a status poll and a 500 on the results read.
          emu.faults.serverErrors(1, { method: 'PUT', path: '/jobs/ingest', status: 503 });
          emu.faults.drop(1, { method: 'PATCH', path: '/jobs/ingest', afterProcessing: true });
          emu.faults.serverErrors(1, { method: 'GET', path: '/jobs/ingest/750', status: 503 });
          emu.faults.serverErrors(1, { method: 'GET', path: '/successfulResults', status: 500 });
        }
        results = await upsert(input);
      } else {
        // One upsert() of 2,000 records at a time, as a sync job pages (at the threshold: Collections).
        const path = '/composite/sobjects';
        const inject: Record<number, () => void> = {
          0: () => emu.faults.serverErrors(3, { path, status: 503 }),
          2: () => emu.faults.drop(1, { path, afterProcessing: true }),
          4: () => emu.faults.drop(1, { path, afterProcessing: false }),
          6: () => emu.faults.serverErrors(2, { path, status: 500 }),
          8: () => emu.faults.drop(1, { path, afterProcessing: true }),
        };
        results = [];
        for (let i = 0, chunk = 0; i < input.length; i += 2000, chunk++) {
          if (s.faults) inject[chunk]?.();
          results.push(...(await upsert(input.slice(i, i + 2000))));
        }
      }
      retries = 50 - connector.retriesLeft;
    }
    const seconds = (performance.now() - t) / 1000;
    const { lost, duplicated, failed } = audit(emu, [...warmup, ...input], [...warmResults, ...results]);
    const api = emu.requests.slice(firstRequest).filter((r) => r.path.startsWith(API));
    const spent =
      s.path === 'bulk'
        ? api.filter((r) => r.path.includes('/jobs/ingest')).length
        : api.filter((r) => r.method === 'PATCH').length;
    const jobs = api.filter((r) => r.method === 'POST' && r.path.endsWith('/jobs/ingest')).length;
    const fewest = s.path === 'bulk' ? BULK_MIN_CALLS : Math.ceil(records / BATCH);
    const perSecond = records / seconds;
    const row: BenchRow = {
      crm: 'Salesforce',
      scenario: s.name,
      records,
      seconds,
      perSecond,
      limitMax: s.path === 'bulk' ? `${fmt(DAILY * BULK_BATCH, 0)}/day (Bulk batches)` : `${fmt(DAILY * BATCH, 0)}/day`,
      ratioLimit: `${fmt(fewest / spent, 2)} (budget: ${fewest}/${spent} calls)`,
      ratioBaseline: baselinePerSecond ? fmt(perSecond / baselinePerSecond, 2) : '1.00',
      requests: api.length,
      r429: emu.requests.filter((r) => r.status === 429).length,
      retries,
      failed,
      lost,
      duplicated,
    };
    if (s.warm)
      notes.push(
        `Salesforce ${s.name}: the first job (${warmup.length.toLocaleString('en-GB')} other accounts, untimed) spent ${emu.requests.slice(0, firstRequest).filter((r) => r.path.startsWith(API)).length} API calls (describe included); the columns count the second connector's calls only, and failed / lost / duplicated cover both jobs.`,
      );
    if (s.path === 'bulk')
      notes.push(
        `Salesforce ${s.name}: ${jobs} job creation call(s), ${emu.bulk.jobs.size} job(s) in the org (${[...emu.bulk.jobs.values()].map((j) => `${j.state}${jobTiming(emu, j.id)}`).join(', ')}), ${emu.limits.bulkBatchesUsed} Bulk batches of the day.`,
      );
    console.error(`  Salesforce / ${s.name}: ${fmt(seconds)} s, ${api.length} API calls, ${row.ratioLimit}`);
    return row;
  } finally {
    if (thrown.length) notes.push(`Salesforce ${s.name}: ${thrown.length} upsert() call(s) threw: ${thrown[0]}`);
    await emu.stop();
  }
}

/** Runs the Salesforce scenarios; returns the table rows and the notes printed under the table. */
export async function salesforceBench(records = 100_000): Promise<{ rows: BenchRow[]; notes: string[] }> {
  const rows: BenchRow[] = [];
  const notes: string[] = [];
  // Per path: its plain-fetch baseline first, then the connector's scenarios measured against it.
  const scenarios: Record<Path, { baseline: string; runs: Array<Omit<Scenario, 'path'>> }> = {
    collections: {
      baseline: 'baseline: Collections by plain fetch, 1 at a time',
      runs: [
        { name: 'Collections: upsert() of 2,000 at a time, defaults' },
        { name: 'Collections faults: 5×5xx + 3 dropped connections (2 after the write)', faults: true },
      ],
    },
    bulk: {
      baseline: 'baseline: one Bulk 2.0 job by plain fetch, polled every 250 ms',
      runs: [
        { name: 'Bulk 2.0: one upsert() of all, defaults (jsforce bulk2)' },
        { name: 'Bulk 2.0: a second job on the same org (rate learned from the first)', warm: true },
        {
          name: 'Bulk 2.0 faults: 503 on upload, lost UploadComplete answer, 503 on a poll, 500 on results',
          faults: true,
        },
      ],
    },
  };
  for (const path of ['collections', 'bulk'] as const) {
    const baseline = await run({ name: scenarios[path].baseline, path, raw: true }, records, undefined, notes);
    rows.push(baseline);
    for (const scenario of scenarios[path].runs)
      rows.push(await run({ ...scenario, path }, records, baseline.perSecond, notes));
  }
  notes.push(
    `Salesforce limits: ${DAILY.toLocaleString('en-GB')} API requests per rolling 24 h (emulator default; every REST and Bulk call counts) and ${DAILY.toLocaleString('en-GB')} Bulk batches of ${BULK_BATCH.toLocaleString('en-GB')} records. Collections: ${BATCH} records per call, so at most ${fmt(DAILY * BATCH, 0)} records/day and ${records.toLocaleString('en-GB')} records need ${Math.ceil(records / BATCH)} calls (${fmt((100 * Math.ceil(records / BATCH)) / DAILY, 1)}% of the day). Bulk 2.0: ${BULK_MIN_CALLS} calls per job of up to 100 MB of CSV, ${Math.ceil(records / BULK_BATCH)} Bulk batches for ${records.toLocaleString('en-GB')} records. There is no per-second limit: "ratio to limit" is budget efficiency (fewest calls / calls spent; Collections counts the PATCHes, Bulk every /jobs/ingest call), "ratio to baseline" is records/s against the same calls by plain fetch in this process.`,
    'Salesforce: lost = an input key without a record holding its Name, Website and Phone, or whose result names another record; duplicated = extra records with one key; both checked record by record against the emulator store. 429s: the emulator never answers 429 (the daily limit is 403 REQUEST_LIMIT_EXCEEDED). retries: the connector retry budget spent; requests: API calls in the emulator log (connections dropped before processing are not logged).',
  );
  return { rows, notes };
}

if (require.main === module) {
  const i = process.argv.indexOf('--salesforce-records');
  printWhenRun(salesforceBench(i >= 0 ? Number(process.argv[i + 1]) : 100_000));
}
