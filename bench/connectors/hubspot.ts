/**
 * HubSpot rows of `npm run bench -- --only connectors` (also runnable alone: `npx tsx bench/connectors/hubspot.ts
 * [--hubspot-records 100000]`).
 *
 * Upserts N companies (default 100,000) through the HubSpot connector on the real SDK into the local emulator at
 * each published limit (100 and 190 requests per 10 s rolling), with 1 caller (one `upsert()` of everything) and 5
 * callers (`upsert()` calls of 1,000 records side by side on one connector), the pre-read off as the sync engine
 * runs it; then the same with a 429 storm and 502s, and a shorter run with unchanged detection on to show its cost.
 * The baseline is the same upsert with a limit that never binds (the connector's and emulator's own speed, same
 * process, same 2 cores). Every run is checked record by record against the emulator's store.
 */
import { HubSpotConnector, type HubSpotConnectorOptions } from '../../core/connectors/hubspot';
import type { UpsertInput, UpsertResult } from '../../core/connectors/connector';
import { HubSpotEmulator } from '../../sandbox/hubspot';
import { drive, fmt, printWhenRun, timed, type BenchRow } from './rows';

const WINDOW_S = 10;
const BATCH = 100;

function companies(n: number): UpsertInput[] {
  return Array.from({ length: n }, (_, i) => ({
    key: `L${String(i + 1).padStart(7, '0')}`,
    properties: {
      name: `Company ${i + 1}`,
      domain: `company${i + 1}.example.com`,
      city: ['London', 'Leeds', 'York'][i % 3]!,
    },
  }));
}

/** Fewest seconds `requests` calls need under M per W s rolling, from an empty window: call k starts at floor((k-1)/M)·W. */
export function hubspotMinSeconds(requests: number, max: number): number {
  return Math.max(Math.floor((requests - 1) / max) * WINDOW_S, 0);
}

/**
 * Record by record against the store: lost = a record reported written whose key has no record holding the input's
 * values, or whose result names another record ID, or a record with no result at all; duplicated = more than one
 * record with a key; failed = records reported failed (each with its reason, so not lost).
 */
function audit(
  emu: HubSpotEmulator,
  input: UpsertInput[],
  results: UpsertResult[],
): { lost: number; duplicated: number; failed: number } {
  const byKey = new Map<string, Array<{ id: string; properties: Record<string, string | null> }>>();
  for (const r of emu.store.records('companies')) {
    const key = r.properties.legacy_company_id;
    if (!key) continue;
    const list = byKey.get(key) ?? [];
    list.push(r);
    byKey.set(key, list);
  }
  const resultId = new Map(results.map((r) => [r.key, r]));
  let lost = 0;
  let duplicated = 0;
  for (const r of input) {
    const stored = byKey.get(r.key) ?? [];
    const result = resultId.get(r.key);
    const sameValues =
      stored.length > 0 && Object.entries(r.properties).every(([k, v]) => stored[0]!.properties[k] === v);
    if (!result || (result.status !== 'failed' && (!sameValues || result.id !== stored[0]!.id))) lost++;
    duplicated += Math.max(0, stored.length - 1);
  }
  return { lost, duplicated, failed: results.filter((r) => r.status === 'failed').length };
}

interface Scenario {
  name: string;
  records: number;
  /** Requests per 10 s; null = not binding (baseline). */
  max: number | null;
  callers: number;
  /** `undefined`: the connector's default (auto: read back only while it pays). */
  detectUnchanged: boolean | undefined;
  faults?: boolean;
  /** Upsert the same records twice and time the second run (nothing changed: nothing may be written). */
  rerun?: boolean;
  connector?: Partial<HubSpotConnectorOptions>;
}

async function run(s: Scenario, baselinePerSecond?: number): Promise<BenchRow> {
  const emu = new HubSpotEmulator({ rateLimitMax: s.max ?? 1_000_000_000, rateLimitIntervalMs: WINDOW_S * 1000 });
  const url = await emu.start();
  const input = companies(s.records);
  try {
    // A token per scenario: each run starts from its own empty window in the process-wide limiter registry.
    const connector = new HubSpotConnector({ accessToken: `bench-${s.name}`, basePath: url, ...s.connector });
    const upsert = (r: UpsertInput[]) =>
      connector.upsert('companies', r, {
        keyProperty: 'legacy_company_id',
        ...(s.detectUnchanged === undefined ? {} : { detectUnchanged: s.detectUnchanged }),
      });
    // A re-run: the records are in HubSpot already with these values (put straight into the store, no calls).
    if (s.rerun) for (const r of input) emu.store.create('companies', { ...r.properties, legacy_company_id: r.key });
    const chunks = Math.ceil(s.records / 1000);
    // Faults spread over the run: a 429 storm at the start, dropped connections (before and after the write) at a
    // quarter, 502s at half, slow answers at three quarters, and 20 records HubSpot refuses (a partial batch failure).
    const inject: Record<number, () => void> = {
      [Math.floor(chunks / 4)]: () => emu.faults.dropConnections(2, 'before').dropConnections(1, 'after'),
      [Math.floor(chunks / 2)]: () => emu.faults.serverErrors(10, 502),
      [Math.floor((3 * chunks) / 4)]: () => emu.faults.slow(1500, 5),
    };
    if (s.faults) {
      emu.faults.rateLimitStorm(15);
      for (let i = 0; i < 20; i++)
        emu.faults.failRecord('companies', input[Math.floor((i * s.records) / 20) + 7]!.key, 'Injected: record locked');
    }
    const { value: results, seconds } = await timed(() =>
      drive(input, s.callers, 1000, upsert, s.faults ? (done) => inject[done]?.() : undefined),
    );
    const { lost, duplicated, failed } = audit(emu, input, results);
    const written = emu.endpointCount('POST', '/crm/v3/objects/companies/batch/upsert');
    if (s.rerun && written > 0) throw new Error(`${s.name}: a re-run of unchanged records wrote ${written} batch(es)`);
    // The least a run can do: one call per batch (a write on a first load, a read-back on a re-run).
    const minS = s.max === null ? 0 : hubspotMinSeconds(Math.ceil(s.records / BATCH), s.max);
    const maxPerSecond = minS > 0 ? s.records / minS : Infinity;
    const perSecond = s.records / seconds;
    const row: BenchRow = {
      crm: 'HubSpot',
      scenario: s.name,
      records: s.records,
      seconds,
      perSecond,
      limitMax: s.max === null ? '– (not binding)' : fmt(maxPerSecond, 0),
      ratioLimit: s.max === null ? '–' : fmt(perSecond / maxPerSecond, 2),
      ratioBaseline: baselinePerSecond ? fmt(perSecond / baselinePerSecond, 2) : '1.00',
      requests: emu.requests,
      r429: emu.rateLimited + emu.faults.served.rateLimited,
      retries: connector.retriesUsed,
      failed,
      lost,
      duplicated,
    };
    console.error(`  HubSpot / ${s.name}: ${fmt(seconds)} s, ${emu.requests} requests, ratio ${row.ratioLimit}`);
    return row;
  } finally {
    await emu.stop();
  }
}

/** Runs the HubSpot scenarios; returns the table rows and the notes printed under the table. */
export async function hubspotBench(records = 100_000): Promise<{ rows: BenchRow[]; notes: string[] }> {
  const rows: BenchRow[] = [];
  const base = await run({
    name: 'baseline: limit not binding, 1 caller, pre-read off',
    records,
    max: null,
    callers: 1,
    detectUnchanged: false,
  });
  rows.push(base);
  for (const max of [100, 190]) {
    for (const callers of [1, 5]) {
      rows.push(
        await run(
          {
            name: `${max} req/10 s, ${callers} caller${callers > 1 ? 's' : ''}, pre-read off`,
            records,
            max,
            callers,
            detectUnchanged: false,
          },
          base.perSecond,
        ),
      );
    }
  }
  rows.push(
    await run(
      {
        name: 'faults at 100 req/10 s: 15×429 + 3 dropped + 10×502 + 5 slow + 20 refused records, 5 callers, pre-read off',
        records,
        max: 100,
        callers: 5,
        detectUnchanged: false,
        faults: true,
      },
      base.perSecond,
    ),
  );
  const short = Math.min(records, 20_000);
  rows.push(
    await run(
      {
        name: 'pre-read on every batch (detectUnchanged: true), 100 req/10 s, 1 caller',
        records: short,
        max: 100,
        callers: 1,
        detectUnchanged: true,
      },
      base.perSecond,
    ),
  );
  rows.push(
    await run(
      {
        name: 'defaults (auto pre-read), first load, 190 req/10 s, 5 callers',
        records,
        max: 190,
        callers: 5,
        detectUnchanged: undefined,
      },
      base.perSecond,
    ),
  );
  rows.push(
    await run(
      {
        name: 'defaults (auto pre-read), re-run of unchanged records, 190 req/10 s, 5 callers',
        records,
        max: 190,
        callers: 5,
        detectUnchanged: undefined,
        rerun: true,
      },
      base.perSecond,
    ),
  );
  const calls = Math.ceil(records / BATCH);
  const notes = [
    `HubSpot limit: 100 (free/starter) or 190 (pro/enterprise) requests per ${WINDOW_S} s rolling, ${BATCH} records per batch/upsert. ${records.toLocaleString('en-GB')} records need ${calls} calls; from an empty window call k can start at floor((k-1)/M)·${WINDOW_S} s, so the bound is ${hubspotMinSeconds(calls, 100)} s at 100 (${fmt(records / hubspotMinSeconds(calls, 100), 0)} records/s) and ${hubspotMinSeconds(calls, 190)} s at 190 (${fmt(records / hubspotMinSeconds(calls, 190), 0)} records/s), the first window's free burst included; steady state 1,000 and 1,900 records/s.`,
    `Unchanged detection on every batch reads before it writes (batch/read + batch/upsert per 100 records): twice the calls, so at most half the rate; its row is ${short.toLocaleString('en-GB')} records to keep the run short. The default (auto) reads a batch back only while a fifth or more of what it reads turns out unchanged, else 1 batch in 16: a first load pays ~6% more calls, a re-run of unchanged records reads every batch and writes none (the run fails if it writes one).`,
    'lost = a record reported written without a stored record holding its values (or with another ID), or with no result; duplicated = extra records with one key; both checked record by record against the emulator store. failed = records reported failed with their reason (in the fault row, the 20 records the emulator refuses). 429s: emulator counters (real limit + injected storm); retries: connector.retriesUsed.',
  ];
  return { rows, notes };
}

if (require.main === module) {
  const i = process.argv.indexOf('--hubspot-records');
  printWhenRun(hubspotBench(i >= 0 ? Number(process.argv[i + 1]) : 100_000));
}
