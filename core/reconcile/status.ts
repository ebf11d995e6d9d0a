import { z } from 'zod';
import type { Database } from '../db/database';
import { liveness } from '../db/process-owner';
import { clearScratch } from './reconcile';

const count = z.number().int().min(0);

export const RunRecordSchema = z.object({
  runId: z.string(),
  object: z.string(),
  status: z.enum(['running', 'succeeded', 'failed', 'abandoned', 'refused']),
  source: z.string(),
  target: z.string(),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
  matched: count,
  fuzzyMatch: count,
  new: count,
  conflict: count,
  orphan: count,
  unreadableInExport: count,
  quarantined: count,
  fieldIssues: count,
  updatesPending: count,
  error: z.string().nullable(),
});

export const StatusInputSchema = z
  .object({
    object: z.string().optional().describe('Only this object'),
    limit: z.number().int().min(1).max(100).default(10).describe('How many recent runs to return'),
  })
  .strict();
export type StatusInput = z.input<typeof StatusInputSchema>;

export const StatusResultSchema = z.object({ runs: z.array(RunRecordSchema) });
export type StatusResult = z.infer<typeof StatusResultSchema>;

/**
 * Runs still `running` whose process is gone (killed, crashed) are marked `abandoned`, as the next reconcile of their
 * object would, and their scratch rows freed. A run of another host is left as it is on a shared server, since its
 * processes cannot be seen from here; on the embedded database no other process can be in it, so it is gone too.
 */
async function abandonRunsOfDeadProcesses(db: Database): Promise<void> {
  const { rows } = await db.pool.query<{
    run_id: string;
    owner_pid: number | null;
    owner_host: string | null;
    owner_started_at: Date | null;
  }>(`SELECT run_id, owner_pid, owner_host, owner_started_at FROM staging.reconciliation_log WHERE status = 'running'`);
  for (const r of rows) {
    const state = liveness({ pid: r.owner_pid, host: r.owner_host, startedAt: r.owner_started_at });
    if (state === 'alive' || (state === 'unknown' && db.kind !== 'embedded')) continue;
    const who =
      r.owner_pid === null ? 'the process that ran it' : `its process (pid ${r.owner_pid} on ${r.owner_host})`;
    const { rowCount } = await db.pool.query(
      `UPDATE staging.reconciliation_log SET status = 'abandoned', finished_at = now(), error = $2 WHERE run_id = $1 AND status = 'running'`,
      [r.run_id, `${who} stopped before the run finished; staging holds the previous run's rows`],
    );
    if (rowCount) await clearScratch(db.pool, r.run_id);
  }
}

/** The most recent reconciliation runs with their counts, newest first; runs whose process died show as `abandoned`. */
export async function reconciliationStatus(db: Database, input: StatusInput = {}): Promise<StatusResult> {
  const { object, limit } = StatusInputSchema.parse(input);
  await abandonRunsOfDeadProcesses(db);
  const { rows } = await db.pool.query<{
    run_id: string;
    object: string;
    status: 'running' | 'succeeded' | 'failed' | 'abandoned' | 'refused';
    source: string;
    target: string;
    started_at: Date;
    finished_at: Date | null;
    matched: number;
    fuzzy_match: number;
    new: number;
    conflict: number;
    orphan: number;
    unreadable_in_export: number;
    quarantined: number;
    field_issues: number;
    updates_pending: number;
    error: string | null;
  }>(
    `SELECT run_id, object, status, source, target, started_at, finished_at, matched, fuzzy_match, new, conflict, orphan, unreadable_in_export, quarantined,
            field_issues, updates_pending, error
       FROM staging.reconciliation_log WHERE ($1::text IS NULL OR object = $1) ORDER BY started_at DESC LIMIT $2`,
    [object ?? null, limit],
  );
  return {
    runs: rows.map((r) => ({
      runId: r.run_id,
      object: r.object,
      status: r.status,
      source: r.source,
      target: r.target,
      startedAt: r.started_at.toISOString(),
      finishedAt: r.finished_at?.toISOString() ?? null,
      matched: r.matched,
      fuzzyMatch: r.fuzzy_match,
      new: r.new,
      conflict: r.conflict,
      orphan: r.orphan,
      unreadableInExport: r.unreadable_in_export,
      quarantined: r.quarantined,
      fieldIssues: r.field_issues,
      updatesPending: r.updates_pending,
      error: r.error,
    })),
  };
}
