import { randomUUID } from 'node:crypto';
import type { Connector } from '../connectors/connector';
import type { Database } from '../db/database';
import { orderStreams, type SyncJob } from './job';
import type { PlanEntry } from './plan';
import { installRateBudgets } from './rate-budget';
import { finishRun, startRun, tryLockStream, unlockStream } from './store';
import { emptyCounts, StreamRunner, type RunContext, type StreamCounts } from './stream-run';

export interface SyncOptions {
  db: Database;
  job: SyncJob;
  source: Connector;
  target: Connector;
  /** Plan only: read and compare, write nothing (not even cursors). */
  dryRun?: boolean;
  /** Only these streams (their parents are still fetched by ID when a record needs one). */
  streams?: string[];
  /** Plan lines to return (default 1,000 for a dry run, 0 otherwise). */
  planLimit?: number;
  runId?: string;
  signal?: AbortSignal;
  onBatch?: (stream: string, counts: StreamCounts) => void;
}

export interface StreamReport {
  stream: string;
  /** `busy`: another process holds the stream's lock and is running it now; this run left it alone. */
  status: 'done' | 'busy' | 'failed';
  counts: StreamCounts;
  error?: string;
}

export interface SyncReport {
  runId: string;
  job: string;
  dryRun: boolean;
  status: 'succeeded' | 'partial' | 'failed';
  streams: StreamReport[];
  plan: PlanEntry[];
  /** Plan lines not returned because of the plan limit. */
  planOmitted: number;
  totals: StreamCounts;
}

/**
 * One run of a sync job: each stream in parent-first order, under its own advisory lock, so any number of
 * processes (CLI runs, n8n queue-mode workers) can run the same job at once without running one stream twice.
 */
export async function runSync(options: SyncOptions): Promise<SyncReport> {
  const { db, job } = options;
  const dryRun = options.dryRun ?? false;
  const runId = options.runId ?? randomUUID();
  const plan: PlanEntry[] = [];
  const planOmitted = { count: 0 };
  const planLimit = options.planLimit ?? (dryRun ? 1000 : 0);
  const wanted = options.streams ? new Set(options.streams) : null;
  if (wanted) for (const name of wanted) if (!job.streams.some((s) => s.name === name)) throw new Error(`Job ${job.name} has no stream "${name}" (it has: ${job.streams.map((s) => s.name).join(', ')})`);

  installRateBudgets(db, job);
  await db.withConnection((sql) => startRun(sql, runId, job.name, dryRun));
  const reports: StreamReport[] = [];
  // Parents synced on demand (a loan's borrower fetched by ID) are counted under their own stream.
  const viaReferences = new Map<string, StreamCounts>();
  for (const stream of orderStreams(job.streams)) {
    if (wanted && !wanted.has(stream.name)) continue;
    options.signal?.throwIfAborted();
    reports.push(
      await db.withConnection(async (sql) => {
        const ctx: RunContext = { job, source: options.source, target: options.target, runId, dryRun, sql, planLimit, plan, planOmitted, ...(options.signal ? { signal: options.signal } : {}), ...(options.onBatch ? { onBatch: options.onBatch } : {}) };
        const runners = new Map<string, StreamRunner>();
        for (const s of job.streams) runners.set(s.name, new StreamRunner(ctx, s, runners));
        const runner = runners.get(stream.name)!;
        if (!(await tryLockStream(sql, job.name, stream.name))) return { stream: stream.name, status: 'busy', counts: runner.counts } satisfies StreamReport;
        try {
          await runner.run();
          return { stream: stream.name, status: 'done', counts: runner.counts } satisfies StreamReport;
        } catch (error) {
          return { stream: stream.name, status: 'failed', counts: runner.counts, error: (error as Error).message } satisfies StreamReport;
        } finally {
          await unlockStream(sql, job.name, stream.name).catch(() => undefined);
          for (const [name, other] of runners) if (name !== stream.name) addCounts((viaReferences.get(name) ?? viaReferences.set(name, emptyCounts()).get(name))!, other.counts);
        }
      }),
    );
  }
  for (const [name, counts] of viaReferences) {
    const report = reports.find((r) => r.stream === name);
    if (report) addCounts(report.counts, counts);
    else reports.push({ stream: name, status: 'done', counts });
  }
  const totals = emptyCounts();
  for (const r of reports) addCounts(totals, r.counts);
  const failed = reports.filter((r) => r.status === 'failed').length;
  const status = failed === 0 ? 'succeeded' : failed === reports.length ? 'failed' : 'partial';
  await db.withConnection((sql) => finishRun(sql, runId, status, { streams: reports.map((r) => ({ stream: r.stream, status: r.status, ...r.counts })) }, reports.find((r) => r.error)?.error));
  return { runId, job: job.name, dryRun, status, streams: reports, plan, planOmitted: planOmitted.count, totals };
}

function addCounts(into: StreamCounts, from: StreamCounts): void {
  for (const k of Object.keys(into) as Array<keyof StreamCounts>) into[k] += from[k];
}
