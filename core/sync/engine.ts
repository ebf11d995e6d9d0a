import { randomUUID } from 'node:crypto';
import type { Connector } from '../connectors/connector';
import type { Database } from '../db/database';
import { checkJobFields } from './check-fields';
import { orderStreams, type Stream, type SyncJob } from './job';
import {
  addCounts,
  emptyCounts,
  errorOutcome,
  headline,
  ProblemTally,
  runStatus,
  streamStatus,
  type RunStatus,
  type StreamCounts,
  type StreamOutcome,
} from './outcome';
import type { PlanEntry } from './plan';
import { installRateBudgets } from './rate-budget';
import { finishRun, reapDeadRuns, startRun, tryLockStream, unlockStream } from './store';
import { StreamRunner, type RunContext } from './stream-run';

export interface SyncOptions {
  db: Database;
  job: SyncJob;
  source: Connector;
  target: Connector;
  /** Plan only: read and compare, write nothing (not even cursors). */
  dryRun?: boolean;
  /** Read every stream from the beginning instead of from its cursor, and so check every linked record in the target. */
  full?: boolean;
  /** Only these streams (their parents are still fetched by ID when a record needs one). */
  streams?: string[];
  /** Deletes even where a stream would delete more than its `maxDeleteShare` of its linked records. */
  allowMassDelete?: boolean;
  /** Plan lines to return (default 1,000 for a dry run, 0 otherwise). */
  planLimit?: number;
  runId?: string;
  signal?: AbortSignal;
  onBatch?: (stream: string, counts: StreamCounts) => void;
}

export type StreamReport = StreamOutcome;

export interface SyncReport {
  runId: string;
  job: string;
  dryRun: boolean;
  full: boolean;
  /** `succeeded` only when every record taken up went through; see `StreamStatus` for the others. */
  status: RunStatus;
  /** The status and the first reasons, in one line (what the CLI prints first, MCP and n8n show). */
  headline: string;
  streams: StreamReport[];
  plan: PlanEntry[];
  /** Plan lines not returned because of the plan limit. */
  planOmitted: number;
  totals: StreamCounts;
}

/** The streams asked for and every stream they reference, directly or not (their parents are synced on demand). */
function withParents(job: SyncJob, wanted: Set<string> | null): Stream[] {
  if (!wanted) return job.streams;
  const byName = new Map(job.streams.map((s) => [s.name, s]));
  const out = new Set<Stream>();
  const visit = (s: Stream) => {
    if (out.has(s)) return;
    out.add(s);
    for (const r of s.references) visit(byName.get(r.stream)!);
  };
  for (const name of wanted) visit(byName.get(name)!);
  return job.streams.filter((s) => out.has(s));
}

/**
 * One run of a sync job: each stream in parent-first order, under its own advisory lock, so any number of
 * processes (CLI runs, n8n queue-mode workers) can run the same job at once without running one stream twice.
 * Before any stream runs, every field the job names is checked against the CRMs' described objects.
 */
export async function runSync(options: SyncOptions): Promise<SyncReport> {
  const { db, job } = options;
  const dryRun = options.dryRun ?? false;
  const full = options.full ?? false;
  const runId = options.runId ?? randomUUID();
  const plan: PlanEntry[] = [];
  const planOmitted = { count: 0 };
  const planLimit = options.planLimit ?? (dryRun ? 1000 : 0);
  const wanted = options.streams ? new Set(options.streams) : null;
  if (wanted)
    for (const name of wanted)
      if (!job.streams.some((s) => s.name === name))
        throw new Error(
          `Job ${job.name} has no stream "${name}" (it has: ${job.streams.map((s) => s.name).join(', ')})`,
        );

  installRateBudgets(db, job);
  await db.withConnection(async (sql) => {
    await reapDeadRuns(sql, { job: job.name, exclusive: db.kind === 'embedded' });
    await startRun(sql, runId, job.name, dryRun);
  });
  try {
    await checkJobFields(job, withParents(job, wanted), options.source, options.target);
  } catch (error) {
    await db.withConnection((sql) => finishRun(sql, runId, 'failed', {}, (error as Error).message));
    throw error;
  }

  const reports: StreamReport[] = [];
  // Parents synced on demand (a loan's borrower fetched by ID) are counted under their own stream.
  const viaReferences = new Map<string, { counts: StreamCounts; problems: ProblemTally }>();
  try {
    for (const stream of orderStreams(job.streams)) {
      if (wanted && !wanted.has(stream.name)) continue;
      options.signal?.throwIfAborted();
      reports.push(
        await db.withConnection(async (sql): Promise<StreamReport> => {
          const ctx: RunContext = {
            job,
            source: options.source,
            target: options.target,
            runId,
            dryRun,
            full,
            sql,
            planLimit,
            plan,
            planOmitted,
            ...(options.allowMassDelete ? { allowMassDelete: true } : {}),
            ...(options.signal ? { signal: options.signal } : {}),
            ...(options.onBatch ? { onBatch: options.onBatch } : {}),
          };
          const runners = new Map<string, StreamRunner>();
          for (const s of job.streams) runners.set(s.name, new StreamRunner(ctx, s, runners));
          const runner = runners.get(stream.name)!;
          if (!(await tryLockStream(sql, job.name, stream.name)))
            return { stream: stream.name, status: 'busy', counts: runner.counts, problems: [] };
          try {
            await runner.run();
            return {
              stream: stream.name,
              status: streamStatus(runner.counts, undefined),
              counts: runner.counts,
              problems: runner.problems.list,
            };
          } catch (error) {
            const failure = errorOutcome(error);
            return {
              stream: stream.name,
              status: 'failed',
              counts: runner.counts,
              problems: runner.problems.list,
              ...failure,
            };
          } finally {
            await unlockStream(sql, job.name, stream.name).catch(() => undefined);
            for (const [name, other] of runners) {
              if (name === stream.name) continue;
              const into =
                viaReferences.get(name) ??
                viaReferences.set(name, { counts: emptyCounts(), problems: new ProblemTally() }).get(name)!;
              addCounts(into.counts, other.counts);
              into.problems.absorb(other.problems);
            }
          }
        }),
      );
    }
    // Stopped during the last stream: the run was interrupted, whatever that stream reported.
    options.signal?.throwIfAborted();
  } catch (error) {
    // Stopped (a signal) or the database went away: the run must not stay `running`.
    const aborted = options.signal?.aborted === true;
    await db
      .withConnection((sql) => finishRun(sql, runId, aborted ? 'interrupted' : 'failed', {}, (error as Error).message))
      .catch(() => undefined);
    throw error;
  }
  for (const [name, via] of viaReferences) {
    const report = reports.find((r) => r.stream === name);
    if (report) {
      addCounts(report.counts, via.counts);
      const merged = new ProblemTally(report.problems);
      merged.absorb(via.problems);
      report.problems = merged.list;
      if (report.status !== 'busy') report.status = streamStatus(report.counts, report.error);
    } else
      reports.push({
        stream: name,
        status: streamStatus(via.counts, undefined),
        counts: via.counts,
        problems: via.problems.list,
      });
  }
  const totals = emptyCounts();
  for (const r of reports) addCounts(totals, r.counts);
  const status = runStatus(reports);
  const line = headline({ runId, job: job.name, dryRun, status, streams: reports });
  await db.withConnection((sql) =>
    finishRun(
      sql,
      runId,
      status,
      { streams: reports.map((r) => ({ stream: r.stream, status: r.status, ...r.counts })) },
      status === 'succeeded' ? undefined : line,
    ),
  );
  return {
    runId,
    job: job.name,
    dryRun,
    full,
    status,
    headline: line,
    streams: reports,
    plan,
    planOmitted: planOmitted.count,
    totals,
  };
}
