/**
 * npm run bench -- --only connectors [--records 20000] [--hubspot-records 100000] [--skip hubspot|salesforce]
 *
 * Upserts N records (default 20,000; see below) to the local HubSpot and Salesforce emulators through the real
 * connectors, at each emulator's published limit, and prints records/s, the ratio to the limit's theoretical maximum,
 * 429s (from the emulator), retries, and lost / duplicated records (the emulator's store against the input, by external
 * ID). Baselines measured in the same run: HubSpot with the rate limit raised so high it never binds (the connector's
 * own overhead); Salesforce with the same collections PATCHed by plain fetch (no jsforce, no connector), same
 * concurrency. A fault scenario per CRM (429 storm + 5xx for HubSpot; 503s and dropped connections for Salesforce)
 * shows whether anything is lost.
 *
 * HubSpot runs 100,000 records (its emulator indexes records by each unique property; scenarios in ./hubspot.ts).
 * Why not 100,000 by default for the others: the Salesforce emulator looks a record up by external ID with a linear
 * scan (`Store.upsertOne` copies `all(object)`), so its cost grows with N² and runs in this process on the same 2
 * cores.
 */
import { performance } from 'node:perf_hooks';
import { SalesforceConnector } from '../../core/connectors/salesforce';
import type { UpsertInput, UpsertResult } from '../../core/connectors/connector';
import { hubspotBench } from './hubspot';
import { SalesforceEmulator } from '../../sandbox/salesforce';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

const N = Number(arg('records', '20000'));
if (!Number.isInteger(N) || N < 1) throw new Error('--records takes a positive integer');
const SKIP = arg('skip', '');

const SF_BATCH = 200;
const SF_DAILY = 15_000; // emulator default daily API allocation

interface Row {
  crm: string;
  scenario: string;
  records: number;
  seconds: number;
  perSecond: number;
  limitMax: string;
  ratioLimit: string;
  ratioBaseline: string;
  requests: number;
  r429: number;
  retries: number;
  failed: number;
  lost: number;
  duplicated: number;
}

const rows: Row[] = [];
const notes: string[] = [];

function accounts(n: number): UpsertInput[] {
  return Array.from({ length: n }, (_, i) => ({
    key: `L${String(i + 1).padStart(7, '0')}`,
    properties: { Name: `Company ${i + 1}`, Website: `https://company${i + 1}.example.com`, Phone: `+4420${String(7_000_000 + i)}` },
  }));
}

/** Compares a store's external IDs (and one value) with the input: lost = missing or wrong, duplicated = > 1 record. */
function audit(input: UpsertInput[], stored: Array<{ key: unknown; name: unknown }>, nameProp: string): { lost: number; duplicated: number } {
  const byKey = new Map<string, { n: number; name: unknown }>();
  for (const s of stored) {
    const k = String(s.key);
    const e = byKey.get(k);
    byKey.set(k, { n: (e?.n ?? 0) + 1, name: s.name });
  }
  let lost = 0;
  let duplicated = 0;
  for (const r of input) {
    const e = byKey.get(r.key);
    if (!e || e.name !== r.properties[nameProp]) lost++;
    else if (e.n > 1) duplicated += e.n - 1;
  }
  return { lost, duplicated };
}

/** Runs `callers` upsert() calls at once over interleaved chunks of `chunk` records (1 caller = one upsert() of all). */
async function drive(input: UpsertInput[], callers: number, chunk: number, upsert: (r: UpsertInput[]) => Promise<UpsertResult[]>, onChunk?: (done: number) => void): Promise<UpsertResult[]> {
  if (callers === 1 && !onChunk) return upsert(input);
  const chunks: UpsertInput[][] = [];
  for (let i = 0; i < input.length; i += chunk) chunks.push(input.slice(i, i + chunk));
  const out: UpsertResult[] = [];
  let next = 0;
  let done = 0;
  await Promise.all(Array.from({ length: callers }, async () => {
    while (next < chunks.length) {
      const c = chunks[next++]!;
      out.push(...(await upsert(c)));
      onChunk?.(++done);
    }
  }));
  return out;
}

const fmt = (x: number, d = 1) => x.toLocaleString('en-GB', { minimumFractionDigits: d, maximumFractionDigits: d });

async function salesforceScenario(name: string, opts: { raw?: boolean; faults?: boolean }, baselinePerSecond?: number): Promise<Row> {
  const emu = new SalesforceEmulator({ dailyApiRequests: SF_DAILY });
  const url = await emu.start();
  const input = accounts(N);
  const thrown: string[] = [];
  try {
    const tokenReply = await fetch(`${url}/services/oauth2/token`, {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: 'emulator-client', client_secret: 'emulator-secret' }),
    });
    const token = ((await tokenReply.json()) as { access_token: string }).access_token;
    let results: UpsertResult[] = [];
    let t = 0;
    let budgetSpent: number | null = null;
    if (opts.raw) {
      // Same collections, same order, one call at a time (as the connector sends them), by plain fetch.
      t = performance.now();
      for (let i = 0; i < N; i += SF_BATCH) {
        const batch = input.slice(i, i + SF_BATCH);
        const body = JSON.stringify({ allOrNone: false, records: batch.map((r) => ({ attributes: { type: 'Account' }, ...r.properties, Legacy_Id__c: r.key })) });
        const res = await fetch(`${url}/services/data/v60.0/composite/sobjects/Account/Legacy_Id__c`, { method: 'PATCH', body, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' } });
        const answer = (await res.json()) as Array<{ success: boolean; created: boolean }>;
        batch.forEach((r, n) => results.push({ key: r.key, status: answer[n]?.success ? 'created' : 'failed' }));
      }
    } else {
      const connector = new SalesforceConnector({ instanceUrl: url, accessToken: token });
      await connector.describe('Account');
      const path = '/composite/sobjects';
      // Faults spread over the run (one upsert() of 2,000 records at a time, as a sync job would page): 503s, 500s,
      // and connections dropped before and after the write was applied. A chunk whose upsert() throws counts as failed.
      const inject: Record<number, () => void> = {
        0: () => emu.faults.serverErrors(3, { path, status: 503 }),
        2: () => emu.faults.drop(1, { path, afterProcessing: true }),
        4: () => emu.faults.drop(1, { path, afterProcessing: false }),
        6: () => emu.faults.serverErrors(2, { path, status: 500 }),
        8: () => emu.faults.drop(1, { path, afterProcessing: true }),
      };
      const upsert = async (r: UpsertInput[]): Promise<UpsertResult[]> => {
        try {
          return await connector.upsert('Account', r, { keyProperty: 'Legacy_Id__c' });
        } catch (error) {
          thrown.push((error as Error).message);
          return r.map((x) => ({ key: x.key, status: 'failed' as const, error: (error as Error).message }));
        }
      };
      if (opts.faults) inject[0]!();
      t = performance.now();
      results = await drive(input, 1, 2000, upsert, opts.faults ? (done) => inject[done]?.() : undefined);
      // The connector's shared retry budget (default 50) counts every retry, including of connections dropped before
      // the emulator logged the request.
      budgetSpent = 50 - (connector as unknown as { budget: { left: number } }).budget.left;
    }
    const seconds = (performance.now() - t) / 1000;
    const stored = emu.store.all('Account').map((r) => ({ key: r.Legacy_Id__c, name: r.Name }));
    const { lost, duplicated } = audit(input, stored, 'Name');
    const writes = emu.requests.filter((r) => r.method === 'PATCH').length;
    const minRequests = Math.ceil(N / SF_BATCH);
    const perSecond = N / seconds;
    return progress({
      crm: 'Salesforce', scenario: name, records: N, seconds, perSecond,
      limitMax: `${fmt(SF_DAILY * SF_BATCH, 0)}/day`,
      // The daily allocation is a budget, not a rate: the ratio is the budget efficiency (fewest calls possible / calls spent).
      ratioLimit: `${fmt(minRequests / writes, 2)} (budget)`,
      ratioBaseline: baselinePerSecond ? fmt(perSecond / baselinePerSecond, 2) : '1.00',
      requests: emu.requests.length,
      r429: emu.requests.filter((r) => r.status === 429).length,
      retries: budgetSpent ?? writes - minRequests,
      failed: results.filter((r) => r.status === 'failed').length,
      lost, duplicated,
    });
  } finally {
    if (thrown.length) notes.push(`Salesforce ${name}: ${thrown.length} upsert() call(s) threw: ${thrown[0]}`);
    await emu.stop();
  }
}

function progress(r: Row): Row {
  console.error(`  ${r.crm} / ${r.scenario}: ${fmt(r.seconds)} s`);
  return r;
}

function print(): void {
  const head = ['CRM', 'scenario', 'records', 'seconds', 'records/s', 'limit max records/s', 'ratio to limit', 'ratio to baseline', 'requests', '429s', 'retries', 'failed', 'lost', 'duplicated'];
  console.log(`| ${head.join(' | ')} |`);
  console.log(`|${head.map(() => '---').join('|')}|`);
  for (const r of rows) {
    console.log(`| ${[r.crm, r.scenario, r.records.toLocaleString('en-GB'), fmt(r.seconds), fmt(r.perSecond, 0), r.limitMax, r.ratioLimit, r.ratioBaseline, r.requests, r.r429, r.retries, r.failed, r.lost, r.duplicated].join(' | ')} |`);
  }
  for (const n of notes) console.log(n);
}

async function main(): Promise<void> {
  console.log(`Upserting ${N.toLocaleString('en-GB')} records per scenario (node ${process.version})\n`);
  if (SKIP !== 'hubspot') {
    // HubSpot runs 100,000 records (--hubspot-records) at 100 and 190 req/10 s: see bench/connectors/hubspot.ts.
    const hubspot = await hubspotBench(Number(arg('hubspot-records', '100000')));
    rows.push(...hubspot.rows);
    notes.push(...hubspot.notes);
  }
  if (SKIP !== 'salesforce') {
    const base = await salesforceScenario('baseline: same collections by plain fetch', { raw: true });
    rows.push(base);
    rows.push(await salesforceScenario('connector, 1 caller, defaults', {}, base.perSecond));
    rows.push(await salesforceScenario('faults: 5×5xx + 3 dropped connections (2 after the write)', { faults: true }, base.perSecond));
    notes.push(`Salesforce limit: ${SF_DAILY.toLocaleString('en-GB')} API requests per rolling 24 h (emulator default), ${SF_BATCH} records per sObject Collections call: at most ${fmt(SF_DAILY * SF_BATCH, 0)} records/day = ${fmt((SF_DAILY * SF_BATCH) / 86_400, 1)} records/s averaged over the day. There is no per-second limit, so within a run the ceiling is the connector's limiter (4 in flight per org; 1 once 90% of the day is spent) and latency; "ratio to limit" is budget efficiency (N/${SF_BATCH} calls needed / calls spent). 100,000 records need ${100_000 / SF_BATCH} calls = ${fmt((100 * (100_000 / SF_BATCH)) / SF_DAILY, 1)}% of the day.`);
  }
  notes.push(`429s: HubSpot from the emulator counters (rateLimited + faults.served.rateLimited; it keeps no per-request log); Salesforce from its request log (it answers the daily limit with 403 REQUEST_LIMIT_EXCEEDED, never 429). Retries: HubSpot connector.retriesUsed; Salesforce the connector retry budget spent (plain fetch: write calls beyond N/200); Salesforce requests are the emulator's log, which omits connections dropped before processing. lost = input external ID missing from the store or with a wrong Name; duplicated = extra records with the same external ID.`);
  print();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
