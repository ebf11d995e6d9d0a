/**
 * Pipedrive upsert bench: N records (default 100,000; `--pipedrive-records n`) through the Pipedrive connector on the
 * real `pipedrive` SDK into the local emulator, at a published token budget. Called from bench/connectors/index.ts,
 * or alone: `npx tsx bench/connectors/pipedrive.ts [--pipedrive-records n] [--parallel]`.
 *
 * The limit modelled: Pipedrive's rate-limiting page gives, per 2-second window and token, 80 (Essential) to 480
 * (Enterprise) requests for OAuth access tokens; the token-based model charges each call its `x-token-cost` from
 * Pipedrive's OpenAPI (v2 create/update 5, list 10, get 1, search 20; searches also capped at 10 per 2 s). The
 * emulator enforces 2,400 tokens per 2 s = 480 writes per 2 s (Enterprise, OAuth) plus the 10-searches cap, and
 * the connector signs in with OAuth, as such an integration would. Each record needs at least one write (5 tokens),
 * so the limit's maximum for N records is N / (floor((5N - 1) / 2400) · 2 s): 240 records/s for 100,000.
 *
 * The scenarios run one after the other (~7 minutes each at the limit). `--parallel` runs the limited ones side by side
 * (each with its own emulator, OAuth app and limiter), but then the SDK and the emulators share this process's one
 * core: measured at 5,000 records, that alone dropped the ratio from 0.92 to 0.41.
 */
import { PipedriveConnector, type PipedriveConnectorOptions } from '../../core/connectors/pipedrive';
import type { UpsertInput, UpsertResult } from '../../core/connectors/connector';
import { PipedriveEmulator } from '../../sandbox/pipedrive';
import {
  asRerun,
  drive,
  faultsAt,
  fmt,
  printWhenRun,
  scenarioTag,
  timed,
  type BenchRow,
  type ScenarioBase,
} from './rows';

export const PD_BUDGET = 2400; // tokens per window (480 writes of 5 tokens: Enterprise plan, OAuth access token)
export const PD_WINDOW_S = 2;
const WRITE_COST = 5;
const SEARCHES_PER_WINDOW = 10;
const KEY = 'Legacy person ID';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

function persons(n: number, suffix = ''): UpsertInput[] {
  return Array.from({ length: n }, (_, i) => ({
    key: `PD${String(i + 1).padStart(7, '0')}`,
    properties: {
      name: `Person ${i + 1}${suffix}`,
      email: `person${i + 1}@example.com`,
      Segment: ['SMB', 'Mid-market', 'Enterprise'][i % 3]!,
    },
  }));
}

/** Fewest seconds the budget allows for N records (one write each), starting from an empty window. */
export function pipedriveMinSeconds(records: number): number {
  return Math.floor((records * WRITE_COST - 1) / PD_BUDGET) * PD_WINDOW_S;
}

/** lost = key missing from the store or holding another name; duplicated = extra records with the same key. */
function audit(emulator: PipedriveEmulator, input: UpsertInput[]): { lost: number; duplicated: number } {
  const key = emulator.store.customKey('persons', KEY);
  const byKey = new Map<string, { n: number; name: unknown }>();
  for (const r of emulator.store.all('persons')) {
    const k = String(r.custom_fields[key]);
    byKey.set(k, { n: (byKey.get(k)?.n ?? 0) + 1, name: r.name });
  }
  let lost = 0;
  let duplicated = 0;
  for (const r of input) {
    const e = byKey.get(r.key);
    if (!e || e.name !== r.properties.name) lost++;
    else if (e.n > 1) duplicated += e.n - 1;
  }
  return { lost, duplicated };
}

interface Scenario extends ScenarioBase<PipedriveConnectorOptions> {
  limited: boolean;
}

async function run(n: number, s: Scenario, baseline?: number): Promise<BenchRow[]> {
  const tag = scenarioTag(s.name);
  const app = { clientId: `bench-${tag}`, clientSecret: 'bench-secret', refreshToken: `bench-refresh-${tag}` };
  const emulator = new PipedriveEmulator({
    oauthClients: [app],
    burstBudget: s.limited ? PD_BUDGET : 1_000_000_000,
    burstWindowMs: PD_WINDOW_S * 1000,
    ...(s.limited ? { searchRequestsPerWindow: SEARCHES_PER_WINDOW } : {}),
  });
  const url = await emulator.start();
  const rows: BenchRow[] = [];
  const input = persons(n);
  const open = (options: Partial<PipedriveConnectorOptions> = {}) =>
    new PipedriveConnector({ oauth: { ...app, oauthHost: url }, basePath: url, ...options });
  const row = (
    scenario: string,
    seconds: number,
    results: UpsertResult[],
    connector: PipedriveConnector,
    requests: number,
    r429: number,
    writes: number,
  ): BenchRow => {
    const { lost, duplicated } = audit(emulator, input);
    const perSecond = n / seconds;
    const maxPerSecond = n / pipedriveMinSeconds(n);
    const r: BenchRow = {
      crm: 'Pipedrive',
      scenario,
      records: n,
      seconds,
      perSecond,
      limitMax: s.limited ? fmt(maxPerSecond, 0) : '– (not binding)',
      ratioLimit: s.limited ? fmt(perSecond / maxPerSecond, 2) : '–',
      ratioBaseline: baseline ? fmt(perSecond / baseline, 2) : s.limited ? '–' : '1.00',
      requests,
      r429,
      retries: connector.retriesUsed,
      failed: results.filter((x) => x.status === 'failed').length,
      lost,
      duplicated,
    };
    console.error(
      `  Pipedrive / ${scenario}: ${fmt(seconds)} s, ${fmt(perSecond, 0)} records/s, ${writes} writes, statuses ${JSON.stringify(count(results))}`,
    );
    return r;
  };
  try {
    const connector = open(s.connector);
    const upsert = (r: UpsertInput[]) => connector.upsert('persons', r, { keyProperty: KEY });
    // Faults spread over the run, after the chunk that finishes at 10%, 30%, 50%, 60% and 80%.
    const faults = faultsAt(Math.ceil(n / 1000), [
      [0.1, () => emulator.faults.rateLimitStorm(20, 1)],
      [0.3, () => emulator.faults.serverErrors(10, 502)],
      [0.5, () => emulator.faults.dropConnections(5, { afterProcessing: true, methods: ['POST'] })],
      [0.6, () => emulator.faults.dropConnections(5, { afterProcessing: false, methods: ['POST'] })],
      [0.8, () => emulator.faults.slow(300, 10)],
    ]);
    const { value: results, seconds } = await timed(() =>
      drive(input, s.callers, 1000, upsert, s.faults ? faults : undefined),
    );
    rows.push(
      row(
        s.name,
        seconds,
        results,
        connector,
        emulator.log.length,
        emulator.rateLimited + emulator.faults.served.rateLimited,
        emulator.writes.created + emulator.writes.updated,
      ),
    );
    if (s.rerun) {
      const before = {
        log: emulator.log.length,
        writes: emulator.writes.created + emulator.writes.updated,
        r429: emulator.rateLimited,
      };
      const again = open();
      const { value: second, seconds: s2 } = await timed(() => again.upsert('persons', input, { keyProperty: KEY }));
      const writes = emulator.writes.created + emulator.writes.updated - before.writes;
      const r = row(
        `re-run of the same ${n.toLocaleString('en-GB')} by a new connector (all unchanged)`,
        s2,
        second,
        again,
        emulator.log.length - before.log,
        emulator.rateLimited - before.r429,
        writes,
      );
      r.limitMax = '–';
      rows.push(asRerun(r, writes, second));
    }
  } finally {
    await emulator.stop();
  }
  return rows;
}

function count(results: UpsertResult[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of results) out[r.status] = (out[r.status] ?? 0) + 1;
  return out;
}

/** The Pipedrive rows and notes for the connectors table. */
export async function pipedriveBench(
  n = Number(arg('pipedrive-records', '100000')),
  sequential = !process.argv.includes('--parallel'),
): Promise<{ rows: BenchRow[]; notes: string[] }> {
  if (!Number.isInteger(n) || n < 1) throw new Error('--pipedrive-records takes a positive integer');
  const rows: BenchRow[] = [];
  // `--pipedrive-only <text>` runs only the limited scenarios whose name contains it, without the baseline.
  const only = arg('pipedrive-only', '');
  const base = only
    ? undefined
    : (await run(n, { name: 'baseline: limit not binding, 1 caller', limited: false, callers: 1 }))[0]!;
  if (base) rows.push(base);
  const limited: Scenario[] = [
    { name: '2,400 tokens/2 s, 1 caller, defaults', limited: true, callers: 1, rerun: true },
    { name: '2,400 tokens/2 s, 4 callers', limited: true, callers: 4 },
    {
      name: 'faults: 20×429 storm + 10×502 + 10 dropped creates (5 after the write) + 10 slow, 4 callers',
      limited: true,
      callers: 4,
      faults: true,
    },
  ].filter((s) => !only || s.name.includes(only));
  if (sequential) {
    for (const s of limited) rows.push(...(await run(n, s, base?.perSecond)));
  } else {
    for (const r of await Promise.all(limited.map((s) => run(n, s, base?.perSecond)))) rows.push(...r);
  }
  const notes = [
    `Pipedrive limit: ${PD_BUDGET.toLocaleString('en-GB')} tokens per ${PD_WINDOW_S} s window and token (Enterprise plan, OAuth: 480 requests per 2 s on Pipedrive's rate-limiting page; a v2 create/update costs ${WRITE_COST} tokens per its OpenAPI x-token-cost), searches capped at ${SEARCHES_PER_WINDOW} per window. Every record needs one write, so ${n.toLocaleString('en-GB')} records need >= ${pipedriveMinSeconds(n)} s from an empty window: ${fmt(n / pipedriveMinSeconds(n), 0)} records/s. Large batches find existing IDs by listing the object once (10 tokens per 500 records) instead of one search per key (20 tokens, 10 per 2 s would allow 5 records/s).`,
    `Pipedrive scenarios at the limit ran ${sequential ? 'one after the other' : 'side by side in one process (each its own emulator, OAuth app and limiter)'}. 429s: emulator counters (budget refusals + injected storm); retries: connector.retriesUsed (dropped creates are checked by listing recent records before any re-send); lost/duplicated: the emulator's store against the input, record by record, by the external-ID custom field.`,
  ];
  return { rows, notes };
}

if (require.main === module) printWhenRun(pipedriveBench());
