import type { SourceRecord } from '../connectors/connector';
import type { Value } from '../connectors/connector';
import { currentProcess, liveness } from '../db/process-owner';
import type { Sql } from '../db/sql';

/**
 * The sync engine's durable state in schema `sync`. Every function takes the connection it runs on, so a stream's
 * writes and the advance of its cursor can share one transaction.
 */

export type Values = Record<string, Value>;

export interface SyncedRecord {
  sourceId: string;
  targetId: string | null;
  targetKey: string;
  /** The values last written to the target (target vocabulary). */
  written: Values;
  /** The source record's modified time when it was last written (ISO), if known. */
  sourceModifiedAt?: string | null;
}

export async function loadCursor(sql: Sql, job: string, stream: string): Promise<string | null> {
  const { rows } = await sql.query<{ cursor: string | null }>(
    'SELECT cursor FROM sync.cursors WHERE job = $1 AND stream = $2',
    [job, stream],
  );
  return rows[0]?.cursor ?? null;
}

export async function saveCursor(sql: Sql, job: string, stream: string, cursor: string): Promise<void> {
  await sql.query(
    `INSERT INTO sync.cursors (job, stream, cursor) VALUES ($1, $2, $3)
     ON CONFLICT (job, stream) DO UPDATE SET cursor = EXCLUDED.cursor, updated_at = now()`,
    [job, stream, cursor],
  );
}

/** A deletion read's cursor and where its change feed resumes (see `DeletedReadOptions.resume`). */
export async function loadDeletionCursor(
  sql: Sql,
  job: string,
  stream: string,
): Promise<{ cursor: string | null; resume: string | null }> {
  const { rows } = await sql.query<{ cursor: string | null; resume: string | null }>(
    'SELECT cursor, resume FROM sync.cursors WHERE job = $1 AND stream = $2',
    [job, stream],
  );
  return { cursor: rows[0]?.cursor ?? null, resume: rows[0]?.resume ?? null };
}

export async function saveDeletionCursor(
  sql: Sql,
  job: string,
  stream: string,
  cursor: string | null,
  resume: string | null,
): Promise<void> {
  await sql.query(
    `INSERT INTO sync.cursors (job, stream, cursor, resume) VALUES ($1, $2, $3, $4)
     ON CONFLICT (job, stream) DO UPDATE SET cursor = EXCLUDED.cursor, resume = EXCLUDED.resume, updated_at = now()`,
    [job, stream, cursor, resume],
  );
}

export async function resetCursor(sql: Sql, job: string, stream?: string): Promise<number> {
  const { rowCount } = await sql.query(
    'DELETE FROM sync.cursors WHERE job = $1 AND ($2::text IS NULL OR stream = $2)',
    [job, stream ?? null],
  );
  return rowCount ?? 0;
}

/** Links of live records only: a link the engine closed by a delete (`deleted_at`) is history, see delete-store.ts. */
export async function loadSynced(
  sql: Sql,
  job: string,
  stream: string,
  sourceIds: string[],
): Promise<Map<string, SyncedRecord>> {
  if (sourceIds.length === 0) return new Map();
  const { rows } = await sql.query<{
    source_id: string;
    target_id: string | null;
    target_key: string;
    written: Values;
    source_modified_at: Date | null;
  }>(
    'SELECT source_id, target_id, target_key, written, source_modified_at FROM sync.records WHERE job = $1 AND stream = $2 AND source_id = ANY($3::text[]) AND deleted_at IS NULL',
    [job, stream, sourceIds],
  );
  return new Map(
    rows.map((r) => [
      r.source_id,
      {
        sourceId: r.source_id,
        targetId: r.target_id,
        targetKey: r.target_key,
        written: r.written,
        sourceModifiedAt: r.source_modified_at === null ? null : new Date(r.source_modified_at).toISOString(),
      },
    ]),
  );
}

/** Links by the target's record IDs (the reverse direction of a two-way job reads the target). */
export async function loadSyncedByTarget(
  sql: Sql,
  job: string,
  stream: string,
  targetIds: string[],
): Promise<Map<string, SyncedRecord>> {
  if (targetIds.length === 0) return new Map();
  const { rows } = await sql.query<{ source_id: string; target_id: string; target_key: string; written: Values }>(
    'SELECT source_id, target_id, target_key, written FROM sync.records WHERE job = $1 AND stream = $2 AND target_id = ANY($3::text[]) AND deleted_at IS NULL',
    [job, stream, targetIds],
  );
  return new Map(
    rows.map((r) => [
      r.target_id,
      { sourceId: r.source_id, targetId: r.target_id, targetKey: r.target_key, written: r.written },
    ]),
  );
}

export async function saveSynced(sql: Sql, job: string, stream: string, records: SyncedRecord[]): Promise<void> {
  if (records.length === 0) return;
  await sql.query(
    `INSERT INTO sync.records (job, stream, source_id, target_id, target_key, written, source_modified_at)
     SELECT $1, $2, r.source_id, r.target_id, r.target_key, r.written, r.source_modified_at
       FROM jsonb_to_recordset($3::jsonb) AS r(source_id text, target_id text, target_key text, written jsonb, source_modified_at timestamptz)
     ON CONFLICT (job, stream, source_id) DO UPDATE
       SET target_id = COALESCE(EXCLUDED.target_id, sync.records.target_id), target_key = EXCLUDED.target_key,
           written = EXCLUDED.written, source_modified_at = EXCLUDED.source_modified_at, updated_at = now(),
           deleted_at = NULL, deleted_in = NULL`,
    [
      job,
      stream,
      JSON.stringify(
        records.map((r) => ({
          source_id: r.sourceId,
          target_id: r.targetId,
          target_key: r.targetKey,
          written: r.written,
          source_modified_at: r.sourceModifiedAt ?? null,
        })),
      ),
    ],
  );
}

export interface PendingRecord {
  record: SourceRecord;
  reason: string;
  attempts: number;
}

/** Records of a stream still waiting (a parent missing, the target refused), fewest attempts first. */
export async function loadPending(
  sql: Sql,
  job: string,
  stream: string,
  maxAttempts: number,
  limit: number,
): Promise<PendingRecord[]> {
  const { rows } = await sql.query<{ record: SourceRecord; reason: string; attempts: number }>(
    `SELECT record, reason, attempts FROM sync.pending WHERE job = $1 AND stream = $2 AND attempts < $3
     ORDER BY attempts, first_seen, source_id LIMIT $4`,
    [job, stream, maxAttempts, limit],
  );
  return rows;
}

/** Keeps records for a later attempt; a record already waiting gets its newest version and one more attempt. */
export async function savePending(
  sql: Sql,
  job: string,
  stream: string,
  items: Array<{ record: SourceRecord; reason: string }>,
): Promise<void> {
  if (items.length === 0) return;
  await sql.query(
    `INSERT INTO sync.pending (job, stream, source_id, record, reason)
     SELECT $1, $2, p.source_id, p.record, p.reason FROM jsonb_to_recordset($3::jsonb) AS p(source_id text, record jsonb, reason text)
     ON CONFLICT (job, stream, source_id) DO UPDATE
       SET record = EXCLUDED.record, reason = EXCLUDED.reason, attempts = sync.pending.attempts + 1, last_tried = now()`,
    [job, stream, JSON.stringify(items.map((i) => ({ source_id: i.record.id, record: i.record, reason: i.reason })))],
  );
}

export async function clearPending(sql: Sql, job: string, stream: string, sourceIds: string[]): Promise<void> {
  if (sourceIds.length === 0) return;
  await sql.query('DELETE FROM sync.pending WHERE job = $1 AND stream = $2 AND source_id = ANY($3::text[])', [
    job,
    stream,
    sourceIds,
  ]);
}

export type AuditResult =
  | 'pending'
  | 'created'
  | 'updated'
  | 'unchanged'
  | 'failed'
  | 'deferred'
  | 'rejected'
  | 'interrupted'
  | 'deleted'
  | 'missing';

export interface AuditIntent {
  sourceId: string;
  targetKey: string;
  targetId: string | null;
  action: 'create' | 'update' | 'defer' | 'reject' | 'delete' | 'flag';
  before: Values | null;
  after: Values | null;
  result: AuditResult;
  error?: string;
}

/** Writes audit rows and returns their IDs in order. Rows written 'pending' are settled by `settleAudit`. */
export async function insertAudit(
  sql: Sql,
  runId: string,
  job: string,
  stream: string,
  intents: AuditIntent[],
): Promise<string[]> {
  if (intents.length === 0) return [];
  const { rows } = await sql.query<{ id: string; ord: number }>(
    `WITH inserted AS (
       INSERT INTO sync.audit (run_id, job, stream, source_id, target_key, target_id, action, before, after, result, error)
       SELECT $1, $2, $3, a.source_id, a.target_key, a.target_id, a.action, a.before, a.after, a.result, a.error
         FROM jsonb_to_recordset($4::jsonb) AS a(ord int, source_id text, target_key text, target_id text, action text, before jsonb, after jsonb, result text, error text)
        ORDER BY a.ord
       RETURNING id, source_id)
     SELECT i.id::text AS id, a.ord FROM inserted i JOIN jsonb_to_recordset($4::jsonb) AS a(ord int, source_id text) ON a.source_id = i.source_id`,
    [
      runId,
      job,
      stream,
      JSON.stringify(
        intents.map((i, ord) => ({
          ord,
          source_id: i.sourceId,
          target_key: i.targetKey,
          target_id: i.targetId,
          action: i.action,
          before: i.before,
          after: i.after,
          result: i.result,
          error: i.error ?? null,
        })),
      ),
    ],
  );
  const ids = new Array<string>(intents.length);
  for (const r of rows) ids[r.ord] = r.id;
  return ids;
}

export async function settleAudit(
  sql: Sql,
  settled: Array<{ id: string; result: AuditResult; targetId?: string | null; error?: string | null }>,
): Promise<void> {
  if (settled.length === 0) return;
  await sql.query(
    `UPDATE sync.audit a SET result = s.result, target_id = COALESCE(s.target_id, a.target_id), error = s.error
       FROM jsonb_to_recordset($1::jsonb) AS s(id bigint, result text, target_id text, error text) WHERE a.id = s.id`,
    [
      JSON.stringify(
        settled.map((s) => ({ id: s.id, result: s.result, target_id: s.targetId ?? null, error: s.error ?? null })),
      ),
    ],
  );
}

/** Intents a dead process left behind: whoever holds the stream's lock knows no one else is still sending them. */
export async function interruptPendingAudit(sql: Sql, job: string, stream: string): Promise<number> {
  const { rowCount } = await sql.query(
    `UPDATE sync.audit SET result = 'interrupted', error = 'the process stopped before the answer was recorded; the record is sent again'
      WHERE job = $1 AND stream = $2 AND result = 'pending'`,
    [job, stream],
  );
  return rowCount ?? 0;
}

/** Records the run as `running`, with the process that runs it, so a run whose process dies can be told from a live one. */
export async function startRun(sql: Sql, runId: string, job: string, dryRun: boolean): Promise<void> {
  const me = currentProcess();
  await sql.query(
    'INSERT INTO sync.runs (run_id, job, dry_run, owner_pid, owner_host, owner_started_at) VALUES ($1, $2, $3, $4, $5, $6)',
    [runId, job, dryRun, me.pid, me.host, me.startedAt],
  );
}

export async function finishRun(
  sql: Sql,
  runId: string,
  status: 'succeeded' | 'failed' | 'partial' | 'interrupted',
  counts: unknown,
  error?: string,
): Promise<void> {
  await sql.query('UPDATE sync.runs SET finished_at = now(), status = $2, counts = $3, error = $4 WHERE run_id = $1', [
    runId,
    status,
    JSON.stringify(counts),
    error ?? null,
  ]);
}

/**
 * Runs still marked `running` whose process is gone (killed, crashed, machine restarted) are marked `interrupted`.
 * A run of another host is left as it is, since its processes cannot be seen from here, unless the database is the
 * embedded one: only one process can have it open, so a run that is not this process's own cannot be alive.
 */
export async function reapDeadRuns(sql: Sql, options: { job?: string; exclusive: boolean }): Promise<number> {
  const { rows } = await sql.query<{
    run_id: string;
    owner_pid: number | null;
    owner_host: string | null;
    owner_started_at: Date | null;
  }>(
    `SELECT run_id, owner_pid, owner_host, owner_started_at FROM sync.runs WHERE status = 'running' AND ($1::text IS NULL OR job = $1)`,
    [options.job ?? null],
  );
  let reaped = 0;
  for (const r of rows) {
    const state = liveness({ pid: r.owner_pid, host: r.owner_host, startedAt: r.owner_started_at });
    if (state === 'alive' || (state === 'unknown' && !options.exclusive)) continue;
    const who =
      r.owner_pid === null ? 'the process that ran it' : `its process (pid ${r.owner_pid} on ${r.owner_host})`;
    const { rowCount } = await sql.query(
      `UPDATE sync.runs SET status = 'interrupted', finished_at = now(), error = $2 WHERE run_id = $1 AND status = 'running'`,
      [
        r.run_id,
        `${who} stopped before the run finished; writes it left unanswered are redone by the next run of each stream`,
      ],
    );
    reaped += rowCount ?? 0;
  }
  return reaped;
}

/** Takes the stream's lock for this session, or says another process has it (it is then left to that process). */
export async function tryLockStream(sql: Sql, job: string, stream: string): Promise<boolean> {
  const { rows } = await sql.query<{ locked: boolean }>('SELECT pg_try_advisory_lock(hashtext($1)) AS locked', [
    `crm-bridge:sync:${job}:${stream}`,
  ]);
  return rows[0]!.locked;
}

/** Waits for the stream's lock: a child stream syncing a parent on demand must not race the parent's own run. */
export async function lockStream(sql: Sql, job: string, stream: string): Promise<void> {
  await sql.query('SELECT pg_advisory_lock(hashtext($1))', [`crm-bridge:sync:${job}:${stream}`]);
}

export async function unlockStream(sql: Sql, job: string, stream: string): Promise<void> {
  await sql.query('SELECT pg_advisory_unlock(hashtext($1))', [`crm-bridge:sync:${job}:${stream}`]);
}
