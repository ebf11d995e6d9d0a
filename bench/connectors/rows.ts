import { performance } from 'node:perf_hooks';
import { printTable } from '../markdown-table';
import type { UpsertInput, UpsertResult } from '../../core/connectors/connector';

/** One row of the connector bench, the same columns for every CRM. */
export interface BenchRow {
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

/** What the Pipedrive and Dynamics benches vary per scenario, beside each vendor's own limits. */
export interface ScenarioBase<ConnectorOptions> {
  name: string;
  callers: number;
  faults?: boolean;
  /** Then upsert the same records again with a new connector (unchanged detection on): nothing may be written. */
  rerun?: boolean;
  connector?: Partial<ConnectorOptions>;
}

export const fmt = (x: number, d = 1) =>
  x.toLocaleString('en-GB', { minimumFractionDigits: d, maximumFractionDigits: d });

/** The rows as a markdown table (as BENCHMARKS.md records them), then the notes. */
export function printRows(rows: BenchRow[], notes: string[]): void {
  const head = [
    'CRM',
    'scenario',
    'records',
    'seconds',
    'records/s',
    'limit max records/s',
    'ratio to limit',
    'ratio to baseline',
    'requests',
    '429s',
    'retries',
    'failed',
    'lost',
    'duplicated',
  ];
  printTable(
    head,
    rows.map((r) => [
      r.crm,
      r.scenario,
      r.records.toLocaleString('en-GB'),
      fmt(r.seconds),
      fmt(r.perSecond, 0),
      r.limitMax,
      r.ratioLimit,
      r.ratioBaseline,
      r.requests,
      r.r429,
      r.retries,
      r.failed,
      r.lost,
      r.duplicated,
    ]),
  );
  for (const n of notes) console.log(n);
}

/** Runs one CRM's bench on its own (`npx tsx bench/connectors/<crm>.ts`) and prints its table. */
export function printWhenRun(bench: Promise<{ rows: BenchRow[]; notes: string[] }>): void {
  bench.then(
    ({ rows, notes }) => printRows(rows, notes),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}

/** `callers` upsert() calls at once over chunks of `chunk` records (1 caller = one upsert() of all). */
export async function drive(
  input: UpsertInput[],
  callers: number,
  chunk: number,
  upsert: (r: UpsertInput[]) => Promise<UpsertResult[]>,
  onChunk?: (done: number) => void,
): Promise<UpsertResult[]> {
  if (callers === 1 && !onChunk) return upsert(input);
  const chunks: UpsertInput[][] = [];
  for (let i = 0; i < input.length; i += chunk) chunks.push(input.slice(i, i + chunk));
  const out: UpsertResult[] = [];
  let next = 0;
  let done = 0;
  await Promise.all(
    Array.from({ length: callers }, async () => {
      while (next < chunks.length) {
        const c = chunks[next++]!;
        out.push(...(await upsert(c)));
        onChunk?.(++done);
      }
    }),
  );
  return out;
}

/** The scenario's name as a short tag, for the OAuth app or tenant a scenario runs as (one per scenario). */
export const scenarioTag = (name: string) => name.replace(/[^a-z0-9]+/gi, '-').slice(0, 40);

/** What `work` resolved to, and the seconds it took. */
export async function timed<T>(work: () => Promise<T>): Promise<{ value: T; seconds: number }> {
  const t = performance.now();
  const value = await work();
  return { value, seconds: (performance.now() - t) / 1000 };
}

/**
 * Faults spread over a run of `chunks` chunks: each is injected after the chunk that finishes at its share of the
 * run (a later fault on the same chunk replaces an earlier one). The result is drive()'s `onChunk`.
 */
export function faultsAt(chunks: number, plan: Array<[share: number, inject: () => void]>): (done: number) => void {
  const at = (share: number) => Math.max(1, Math.floor(chunks * share));
  const inject: Record<number, () => void> = Object.fromEntries(plan.map(([share, fault]) => [at(share), fault]));
  return (done) => inject[done]?.();
}

/** Turns `r` into the row of a re-run of unchanged records: its writes instead of a ratio, every record not found unchanged as failed. */
export function asRerun(r: BenchRow, writes: number, results: UpsertResult[]): BenchRow {
  r.ratioLimit = `${writes} writes`;
  r.ratioBaseline = '–';
  r.failed = results.filter((x) => x.status !== 'unchanged').length;
  return r;
}
