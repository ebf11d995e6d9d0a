/**
 * npm run bench -- --only sync [--records 100000] [--lag-changes 200]
 *
 * 1. Steady-state sync end to end: N Salesforce contacts (emulator) -> HubSpot contacts (emulator at its published
 *    limit, 100 requests per 10 s), through the sync engine with its Postgres state (embedded PGlite, or the server
 *    in DATABASE_URL). First the initial pass (N creates), then every contact changes in Salesforce and the next pass
 *    (N updates) is timed. Printed: records/s, the ratio to the limit (the fewest seconds the limit allows for N
 *    records over the seconds taken), 429s, and lost / duplicated records checked one by one in the HubSpot store. Baseline in the
 *    same process: the same records upserted straight through the HubSpot connector at the same limit (no engine).
 *    Then `sync --full` with nothing changed: every record read again and read back from HubSpot, nothing written.
 * 2. Webhook lag: one contact changes in Salesforce, its outbound message reaches the receiver, the engine syncs it;
 *    the lag is from the change to the moment the HubSpot store holds the new value. p50 / p99 over the changes.
 */
import { performance } from 'node:perf_hooks';
import { HubSpotConnector } from '../../core/connectors/hubspot';
import { SalesforceConnector } from '../../core/connectors/salesforce';
import { openDatabase, resolveDatabaseOptions, type Database } from '../../core/db/database';
import { runSync } from '../../core/sync/engine';
import { parseSyncJob, type SyncJob } from '../../core/sync/job';
import { SyncOnChange } from '../../core/sync/on-change';
import { parseWebhookSettings, startWebhookServer } from '../../core/webhooks';
import { HubSpotEmulator } from '../../sandbox/hubspot';
import { SalesforceEmulator } from '../../sandbox/salesforce';
import { sendSalesforceOutboundMessage } from '../../sandbox/webhooks';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? Number(process.argv[i + 1]) : fallback;
}

const RECORDS = arg('records', 100_000);
const LAG_CHANGES = arg('lag-changes', 200);
const LIMIT = 100;
const WINDOW_MS = 10_000;
const TOKEN = 'bench-hubspot-token';
const CLIENT = { clientId: 'bench-app', clientSecret: 'bench-secret-value' };
/**
 * Fewest seconds N records need at the limit: ceil(N/100) calls, of which the first `LIMIT` go at once from an empty
 * window and each later group of `LIMIT` waits one more window.
 */
const minSeconds = (records: number) => Math.floor((Math.ceil(records / 100) - 1) / LIMIT) * (WINDOW_MS / 1000);
const fmt = (x: number, d = 1) => x.toLocaleString('en-GB', { minimumFractionDigits: d, maximumFractionDigits: d });

/** A job name of its own per run: the state of an earlier run (same seeded IDs) must not meet fresh emulators. */
const RUN = Date.now().toString(36);

function job(): SyncJob {
  return parseSyncJob({
    name: `bench-contacts-${RUN}`,
    source: 'salesforce',
    target: 'hubspot',
    batchSize: 1000,
    streams: [
      {
        name: 'contacts',
        source: { object: 'Contact' },
        target: { object: 'contacts', key: 'legacy_contact_id' },
        properties: [
          { from: 'FirstName', to: 'firstname' },
          { from: 'LastName', to: 'lastname' },
          { from: 'Email', to: 'email', transform: ['email'] },
        ],
      },
    ],
  });
}

/** Record by record: each Salesforce contact has exactly one HubSpot contact with its current values. */
function check(sf: SalesforceEmulator, hs: HubSpotEmulator): { lost: number; duplicated: number } {
  const byKey = new Map<string, Array<Record<string, string | null>>>();
  for (const r of hs.store.records('contacts')) {
    const key = r.properties.legacy_contact_id;
    if (key) byKey.set(key, [...(byKey.get(key) ?? []), r.properties]);
  }
  let lost = 0;
  let duplicated = 0;
  for (const c of sf.store.all('Contact')) {
    const found = byKey.get(c.Id) ?? [];
    if (found.length > 1) duplicated++;
    const p = found[0];
    if (!p || p.firstname !== c.FirstName || p.lastname !== c.LastName || p.email !== String(c.Email).toLowerCase())
      lost++;
  }
  return { lost, duplicated };
}

async function emulators() {
  const sf = new SalesforceEmulator({ client: CLIENT });
  const hs = new HubSpotEmulator({ tokens: [TOKEN], rateLimitMax: LIMIT, rateLimitIntervalMs: WINDOW_MS });
  const [sfUrl, hsUrl] = await Promise.all([sf.start(), hs.start()]);
  const source = new SalesforceConnector({ instanceUrl: sfUrl, oauth: { ...CLIENT } });
  const target = new HubSpotConnector({ accessToken: TOKEN, basePath: hsUrl });
  return { sf, hs, source, target, stop: () => Promise.all([sf.stop(), hs.stop()]) };
}

function seed(sf: SalesforceEmulator, n: number): void {
  for (let i = 0; i < n; i += 10_000) {
    sf.store.insert(
      'Contact',
      Array.from({ length: Math.min(10_000, n - i) }, (_, k) => ({
        FirstName: `First${i + k}`,
        LastName: `Last${i + k}`,
        Email: `Person${i + k}@Bench.Example`,
      })),
    );
  }
}

async function throughput(db: Database): Promise<void> {
  // Baseline: the connector alone, same records, same limit, fresh emulators.
  const base = await emulators();
  seed(base.sf, RECORDS);
  const inputs = base.sf.store.all('Contact').map((c) => ({
    key: c.Id,
    properties: {
      firstname: String(c.FirstName),
      lastname: String(c.LastName),
      email: String(c.Email).toLowerCase(),
    },
  }));
  let t = performance.now();
  await base.target.upsert('contacts', inputs, { keyProperty: 'legacy_contact_id', detectUnchanged: false });
  const baselineS = (performance.now() - t) / 1000;
  await base.stop();

  const e = await emulators();
  seed(e.sf, RECORDS);
  const j = job();
  t = performance.now();
  const first = await runSync({ db, job: j, source: e.source, target: e.target });
  const initialS = (performance.now() - t) / 1000;
  const afterFirst = check(e.sf, e.hs);
  const r429First = e.hs.rateLimited;

  for (const c of e.sf.store.all('Contact')) e.sf.editRecord('Contact', c.Id, { LastName: `${String(c.LastName)}-v2` });
  t = performance.now();
  const second = await runSync({ db, job: j, source: e.source, target: e.target });
  const steadyS = (performance.now() - t) / 1000;
  const afterSecond = check(e.sf, e.hs);
  const r429 = e.hs.rateLimited - r429First;

  // `sync --full` over a target that matches: every record read again from Salesforce and read back from HubSpot
  // (batch/read, 100 a call, at the same limit), nothing written. The cost of re-verifying everything.
  const writesBefore = e.hs.store.records('contacts').length;
  t = performance.now();
  const full = await runSync({ db, job: j, source: e.source, target: e.target, full: true });
  const fullS = (performance.now() - t) / 1000;
  const afterFull = check(e.sf, e.hs);
  const r429Full = e.hs.rateLimited - r429First - r429;
  if (e.hs.store.records('contacts').length !== writesBefore) throw new Error('the full pass created records');
  await e.stop();

  const bound = minSeconds(RECORDS);
  const ratio = (s: number) => (bound > 0 ? fmt(bound / s, 2) : 'limit not binding');
  console.log(
    `### Sync throughput: ${RECORDS.toLocaleString('en-GB')} Salesforce contacts -> HubSpot (limit ${LIMIT} requests / ${WINDOW_MS / 1000} s, 100 records a call: ${bound} s at the fewest), database: ${db.kind}\n`,
  );
  console.log(
    '| pass | s | records/s | ratio to limit | ratio to baseline | created | updated | failed | 429s | lost | duplicated |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|---|---|');
  console.log(
    `| baseline: connector alone, no engine | ${fmt(baselineS)} | ${fmt(RECORDS / baselineS, 0)} | ${ratio(baselineS)} | 1.00 | – | – | – | – | – | – |`,
  );
  console.log(
    `| initial sync (creates) | ${fmt(initialS)} | ${fmt(RECORDS / initialS, 0)} | ${ratio(initialS)} | ${fmt(baselineS / initialS, 2)} | ${first.totals.created} | ${first.totals.updated} | ${first.totals.failed} | ${r429First} | ${afterFirst.lost} | ${afterFirst.duplicated} |`,
  );
  console.log(
    `| steady state: every record changed (updates) | ${fmt(steadyS)} | ${fmt(RECORDS / steadyS, 0)} | ${ratio(steadyS)} | ${fmt(baselineS / steadyS, 2)} | ${second.totals.created} | ${second.totals.updated} | ${second.totals.failed} | ${r429} | ${afterSecond.lost} | ${afterSecond.duplicated} |`,
  );
  console.log(
    `| sync --full, nothing changed: read and verified | ${fmt(fullS)} | ${fmt(RECORDS / fullS, 0)} | ${ratio(fullS)} | ${fmt(baselineS / fullS, 2)} | ${full.totals.created} | ${full.totals.updated} (${full.totals.verified} verified) | ${full.totals.failed} | ${r429Full} | ${afterFull.lost} | ${afterFull.duplicated} |`,
  );
}

async function lag(db: Database): Promise<void> {
  const e = await emulators();
  seed(e.sf, 2_000);
  const j = { ...job(), name: `bench-lag-${RUN}` };
  const onChange = new SyncOnChange(db, [{ job: j, source: e.source, target: e.target }]);
  const receiver = await startWebhookServer({
    settings: parseWebhookSettings({ salesforce: { organizationId: e.sf.orgId } }),
    sql: db.pool,
    onAccepted: (n) => onChange.notify(n),
  });
  onChange.start();
  await onChange.idle();
  const contacts = e.sf.store.all('Contact');
  const lags: number[] = [];
  for (let i = 0; i < LAG_CHANGES; i++) {
    const c = contacts[i % contacts.length]!;
    const value = `Changed${i}`;
    const t = performance.now();
    e.sf.editRecord('Contact', c.Id, { FirstName: value });
    await sendSalesforceOutboundMessage(
      `${receiver.url}/webhooks/salesforce`,
      [{ object: 'Contact', recordId: c.Id, action: 'update' }],
      { organizationId: e.sf.orgId },
    );
    for (;;) {
      if (e.hs.store.findBy('contacts', 'legacy_contact_id', c.Id)?.properties.firstname === value) break;
      await new Promise((resolve) => setImmediate(resolve));
    }
    lags.push(performance.now() - t);
    // One change at a time, ~5 a second: the lag of a change, not of a queue.
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  await onChange.stop();
  await receiver.close();
  await e.stop();
  lags.sort((a, b) => a - b);
  const q = (p: number) => lags[Math.min(lags.length - 1, Math.floor(p * lags.length))]!;
  console.log(
    `\n### Webhook lag: Salesforce change -> outbound message -> receiver -> sync -> HubSpot store (${LAG_CHANGES} changes, one at a time), database: ${db.kind}\n`,
  );
  console.log('| changes | p50 ms | p90 ms | p99 ms | max ms |');
  console.log('|---|---|---|---|---|');
  console.log(
    `| ${LAG_CHANGES} | ${fmt(q(0.5), 0)} | ${fmt(q(0.9), 0)} | ${fmt(q(0.99), 0)} | ${fmt(lags.at(-1)!, 0)} |`,
  );
}

async function main(): Promise<void> {
  const db = await openDatabase(
    resolveDatabaseOptions(process.env, { home: process.env.DATABASE_URL ? undefined : 'memory://' }),
  );
  try {
    await throughput(db);
    await lag(db);
  } finally {
    await db.close();
  }
}

void main().catch((error: Error) => {
  console.error(error);
  process.exitCode = 1;
});
