/**
 * npm run bench -- --only lookup [--rows 1000000] [--seconds 5] [--targets embedded,server]
 *
 * The lookup API (`crm-bridge serve --api`, a child process) under load from autocannon: GET of one random legacy ID
 * (about 1 in 11 missing, answered 404) and POST of 100 random IDs, at 1, 10 and 50 concurrent clients, over `rows`
 * staged companies (default 100,000 for a quick run; the figure is 1,000,000). The baseline, in the same run
 * and the same server, is GET /healthz (one `SELECT 1`) at the same concurrency. Every answer's status is counted:
 * a 5xx or a connection error is reported, not averaged away.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { openDatabase } from '../../core/db/database';
import { createTemporaryDatabase } from '../../core/db/temporary-database';
import { loadMapping } from '../../core/mapping/load-mapping';
import { startServing } from '../../sandbox/serve-process';
import { fmt } from '../connectors/rows';
import { FIRST_ID, stageCompanies } from './stage';

const BIN = path.join(__dirname, '..', '..', 'cli', 'index.js');
const CONCURRENCY = [1, 10, 50];
const BATCH = 100;

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : fallback;
}

interface Row {
  target: string;
  scenario: string;
  clients: number;
  requests: number;
  perSecond: number;
  p50: number;
  p99: number;
  ratioP99: string;
  ratioRps: string;
  statuses: string;
  failures: number;
}

/** Legacy IDs drawn from the staged range and a tenth past it (missing). */
const randomId = (rows: number) => String(FIRST_ID + Math.floor(Math.random() * rows * 1.1));

type Scenario = { name: string; request: () => autocannon.Request };

function scenarios(rows: number): Scenario[] {
  // Bodies made ahead, so the load generator spends its time sending, not building JSON.
  const bodies = Array.from({ length: 500 }, () =>
    JSON.stringify({ legacyIds: Array.from({ length: BATCH }, () => randomId(rows)) }),
  );
  let next = 0;
  return [
    { name: 'GET /healthz (baseline)', request: () => ({ method: 'GET', path: '/healthz' }) },
    {
      name: 'GET /v1/lookup/companies/{id}',
      request: () => ({ method: 'GET', path: `/v1/lookup/companies/${randomId(rows)}` }),
    },
    {
      name: `POST /v1/lookup/companies (${BATCH} IDs)`,
      request: () => ({
        method: 'POST',
        path: '/v1/lookup/companies',
        headers: { 'content-type': 'application/json' },
        body: bodies[next++ % bodies.length]!,
      }),
    },
  ];
}

async function load(url: string, clients: number, seconds: number, scenario: Scenario) {
  return autocannon({
    url,
    connections: clients,
    duration: seconds,
    requests: [{ setupRequest: (req) => ({ ...req, ...scenario.request() }) }],
  });
}

async function measure(target: string, env: NodeJS.ProcessEnv, rows: number, seconds: number): Promise<Row[]> {
  const served = await startServing(BIN, ['--json', 'serve', '--api', '--port', '0'], env);
  const out: Row[] = [];
  let failure: unknown;
  try {
    const list = scenarios(rows);
    // Warm the server's pool and the database's cache before anything is recorded.
    for (const scenario of list) await load(served.url, 10, 2, scenario);
    for (const clients of CONCURRENCY) {
      let baseline: autocannon.Result | undefined;
      for (const scenario of list) {
        const r = await load(served.url, clients, seconds, scenario);
        baseline ??= r;
        const codes = Object.entries(r.statusCodeStats ?? {}).map(([code, s]) => `${code}: ${s.count ?? 0}`);
        out.push({
          target,
          scenario: scenario.name,
          clients,
          requests: r.requests.total,
          perSecond: r.requests.average,
          p50: r.latency.p50,
          p99: r.latency.p99,
          ratioP99: fmt(r.latency.p99 / Math.max(baseline.latency.p99, 1), 1),
          ratioRps: fmt(r.requests.average / baseline.requests.average, 2),
          statuses: codes.join(', '),
          failures: r.errors + r['5xx'],
        });
        console.error(
          `  ${target} ${scenario.name} x${clients}: p50 ${r.latency.p50} ms, p99 ${r.latency.p99} ms, ${fmt(r.requests.average, 0)} req/s`,
        );
      }
    }
  } catch (error) {
    failure = error;
  }
  const stopped = await served.stop();
  if (failure) throw failure;
  if (stopped.code !== 0) throw new Error(`serve exited with ${stopped.code}: ${stopped.stderr.slice(-2000)}`);
  return out;
}

/** A database of `rows` staged companies, and the environment a CLI process needs to reach it. */
async function prepare(target: string, rows: number) {
  const mapping = loadMapping(undefined);
  if (target === 'embedded') {
    const home = mkdtempSync(path.join(os.tmpdir(), 'crm-bridge-bench-lookup-'));
    const db = await openDatabase({ home });
    await stageCompanies(db, mapping, rows);
    // The embedded database serves one process at a time: hand it over to the server.
    await db.close();
    return {
      env: { PATH: process.env.PATH, CRM_BRIDGE_HOME: home },
      drop: async () => rmSync(home, { recursive: true, force: true }),
    };
  }
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('--targets server needs DATABASE_URL');
  const temporary = await createTemporaryDatabase(url, 'crm_bridge_bench');
  const db = await openDatabase({ url: temporary.url });
  await stageCompanies(db, mapping, rows);
  await db.close();
  return { env: { PATH: process.env.PATH, DATABASE_URL: temporary.url }, drop: () => temporary.drop() };
}

async function main(): Promise<void> {
  const rows = Number(arg('rows', '100000'));
  const seconds = Number(arg('seconds', '5'));
  const targets = arg('targets', process.env.DATABASE_URL ? 'embedded,server' : 'embedded').split(',');
  const table: Row[] = [];
  for (const target of targets) {
    const started = performance.now();
    const { env, drop } = await prepare(target, rows);
    console.error(
      `  ${target}: ${rows.toLocaleString('en')} rows staged in ${fmt((performance.now() - started) / 1000)} s`,
    );
    try {
      table.push(...(await measure(target, env, rows, seconds)));
    } finally {
      await drop();
    }
  }
  const head = [
    'database',
    'request',
    'clients',
    'requests',
    'req/s',
    'p50 ms',
    'p99 ms',
    'p99 / healthz p99',
    'req/s / healthz req/s',
    'statuses',
    'failures',
  ];
  console.log(`| ${head.join(' | ')} |\n|${head.map(() => '---').join('|')}|`);
  for (const r of table)
    console.log(
      `| ${r.target} | ${r.scenario} | ${r.clients} | ${r.requests.toLocaleString('en')} | ${fmt(r.perSecond, 0)} | ${r.p50} | ${r.p99} | ${r.ratioP99} | ${r.ratioRps} | ${r.statuses} | ${r.failures} |`,
    );
  console.log(
    `\n${rows.toLocaleString('en')} staged companies, ${seconds} s per cell, ${os.cpus().length} cores, Node ${process.version}.`,
  );
  if (table.some((r) => r.failures > 0)) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
