import { z } from 'zod';
import { classifyError, type ErrorKind } from '../errors';

/** A stream's counters: the one definition, for the engine, its report's schema (MCP, n8n) and the CLI. */
export const StreamCountsSchema = z.object({
  read: z.number(),
  /** Records read again from the look-back window before the cursor (nothing to write unless they changed). */
  reread: z.number(),
  skipped: z.number(),
  created: z.number(),
  /** Of the created: records the engine had written before, which the target no longer had (deleted, or wiped). */
  recreated: z.number(),
  updated: z.number(),
  /** Of the updated: records whose values in the target had drifted from what the engine last wrote. */
  repaired: z.number(),
  unchanged: z.number(),
  /** Unchanged records whose target record was read back and found as last written. */
  verified: z.number(),
  failed: z.number(),
  deferred: z.number(),
  rejected: z.number(),
  /** Writes a killed process left unanswered, found and redone by this run. */
  interrupted: z.number(),
  /** Two-way: target records changed by someone (not by this engine) and written back to the source. */
  reverseUpdated: z.number(),
  /** Two-way with `source.key`: records people made in the target, created in the source. */
  reverseCreated: z.number(),
  /**
   * Two-way: changes that were this engine's own writes coming back, recognised and not echoed: target edits, and
   * deletions the engine made itself read back from the side it made them in.
   */
  echoes: z.number(),
  /** Two-way: fields changed on both sides since the last sync, settled by the job's conflict rules. */
  conflicts: z.number(),
  /** Target records deleted (archived) because their source record was deleted (planned, in a dry run). */
  deleted: z.number(),
  /** Target records flagged (`deleteFlag`) because their source record was deleted. */
  flagged: z.number(),
  /** Two-way: source records deleted because someone deleted their target record. */
  reverseDeleted: z.number(),
  /** Parents fetched by ID because a record pointed at one not synced yet. */
  parentsFetched: z.number(),
  retried: z.number(),
});
export type StreamCounts = z.infer<typeof StreamCountsSchema>;

export const emptyCounts = (): StreamCounts => ({
  read: 0,
  reread: 0,
  skipped: 0,
  created: 0,
  recreated: 0,
  updated: 0,
  repaired: 0,
  unchanged: 0,
  verified: 0,
  failed: 0,
  deferred: 0,
  rejected: 0,
  interrupted: 0,
  reverseUpdated: 0,
  reverseCreated: 0,
  echoes: 0,
  conflicts: 0,
  deleted: 0,
  flagged: 0,
  reverseDeleted: 0,
  parentsFetched: 0,
  retried: 0,
});

export function addCounts(into: StreamCounts, from: StreamCounts): void {
  for (const k of Object.keys(into) as Array<keyof StreamCounts>) into[k] += from[k];
}

/**
 * `succeeded`: every record it took up was written or found unchanged. `partial`: some were, others failed, were
 * rejected or wait for a parent. `failed`: the stream stopped on an error, or not one record went through.
 * `busy`: another process holds the stream's lock and is running it now; this run left it alone.
 */
export type StreamStatus = 'succeeded' | 'partial' | 'failed' | 'busy';
export type RunStatus = 'succeeded' | 'partial' | 'failed';

export type ProblemKind = 'failed' | 'rejected' | 'deferred';

/** Records that went wrong for one reason (the record's own ID taken out, so 20 alike are one line). */
export interface Problem {
  kind: ProblemKind;
  count: number;
  reason: string;
  /** The first record it happened to. */
  example: string;
}

const KEPT_REASONS = 5;
const OTHER_REASONS = 'other reasons (see sync-status)';

/** The first few distinct reasons records of a stream went wrong, each with how many records it concerned. */
export class ProblemTally {
  readonly list: Problem[];

  constructor(list: Problem[] = []) {
    this.list = list.map((p) => ({ ...p }));
  }

  add(kind: ProblemKind, reason: string, sourceId: string, count = 1): void {
    const general = sourceId ? reason.split(sourceId).join('…') : reason;
    const distinct = this.list.filter((p) => p.reason !== OTHER_REASONS).length;
    const as =
      this.list.some((p) => p.kind === kind && p.reason === general) || distinct < KEPT_REASONS
        ? general
        : OTHER_REASONS;
    const known = this.list.find((p) => p.kind === kind && p.reason === as);
    if (known) known.count += count;
    else this.list.push({ kind, count, reason: as, example: sourceId });
  }

  absorb(other: ProblemTally): void {
    for (const p of other.list) this.add(p.kind, p.reason, p.example, p.count);
  }
}

const wentThrough = (c: StreamCounts) =>
  c.created +
  c.updated +
  c.unchanged +
  c.reverseUpdated +
  c.reverseCreated +
  c.echoes +
  c.deleted +
  c.flagged +
  c.reverseDeleted;

export function streamStatus(counts: StreamCounts, error: string | undefined): Exclude<StreamStatus, 'busy'> {
  if (error !== undefined) return 'failed';
  const wrong = counts.failed + counts.rejected + counts.deferred;
  if (wrong === 0) return 'succeeded';
  return wentThrough(counts) > 0 ? 'partial' : 'failed';
}

export interface StreamOutcome {
  stream: string;
  status: StreamStatus;
  counts: StreamCounts;
  error?: string;
  /** How the stream's error classifies (`crm`: a CRM unreachable or refusing), for the exit code. */
  errorKind?: ErrorKind;
  problems: Problem[];
}

/**
 * Streams another process was running do not count either way. Not every stream succeeded: `partial` when records
 * went through somewhere, `failed` when not one did (a target that cannot be reached fails the run, even if a stream
 * that only had records to skip succeeded).
 */
export function runStatus(streams: StreamOutcome[]): RunStatus {
  const ran = streams.filter((s) => s.status !== 'busy');
  if (ran.every((s) => s.status === 'succeeded')) return 'succeeded';
  return ran.some((s) => wentThrough(s.counts) > 0) ? 'partial' : 'failed';
}

export function errorOutcome(error: unknown): { error: string; errorKind: ErrorKind } {
  return { error: (error as Error)?.message ?? String(error), errorKind: classifyError(error) };
}

const plural = (n: number, word: string) => `${n} ${word}`;

/**
 * One line that says how the run went and, unless it succeeded, the first reasons:
 * `Run 1f… of loans-to-pipedrive: partial — loans: 20 failed: deals …: Pipedrive refused "value"`.
 */
export function headline(
  run: { runId: string; job: string; dryRun: boolean; status: RunStatus; streams: StreamOutcome[] },
  maxReasons = 3,
): string {
  const head = `${run.dryRun ? 'Plan' : 'Run'} ${run.runId} of ${run.job}: ${run.status}`;
  const reasons: string[] = [];
  for (const s of run.streams) {
    if (s.error !== undefined) reasons.push(`${s.stream} stopped: ${s.error}`);
    for (const p of s.problems) reasons.push(`${s.stream}: ${plural(p.count, p.kind)}: ${p.reason}`);
  }
  const busy = run.streams.filter((s) => s.status === 'busy').map((s) => s.stream);
  const tail = busy.length ? ` (busy in another process: ${busy.join(', ')})` : '';
  if (reasons.length === 0) return `${head}${tail}`;
  const more =
    reasons.length > maxReasons ? `; and ${reasons.length - maxReasons} more reason(s) (see sync-status)` : '';
  return `${head} — ${reasons.slice(0, maxReasons).join('; ')}${more}${tail}`;
}
