import type { Sql } from '../db/sql';
import type { ChangeAction, ChangeNotice, RejectionReason, WebhookSystem } from './types';

export interface StoredNotice extends ChangeNotice {
  /** Row ID: ascending in arrival order, the cursor for `pendingNotices` and the handle for `markNoticesProcessed`. */
  id: string;
  receivedAt: string;
}

export interface RecordResult {
  /** Notices stored for the first time. */
  accepted: ChangeNotice[];
  /** Notices whose (system, eventId) was already stored: redeliveries or replays, stored nothing. */
  replayed: ChangeNotice[];
}

/**
 * Stores notices once each. The unique (system, event_id) key decides, in the database, which call was first, so two
 * processes receiving the same delivery at once still store one row and count the other as a replay.
 */
export async function recordNotices(sql: Sql, notices: ChangeNotice[]): Promise<RecordResult> {
  if (notices.length === 0) return { accepted: [], replayed: [] };
  // One statement, so one commit per call: the notices and their counts land together or not at all.
  const { rows } = await sql.query<{ system: string; event_id: string }>(
    `WITH input AS (
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::timestamptz[])
         AS t(system, object, record_id, event_id, action, occurred_at)
     ), inserted AS (
       INSERT INTO sync.change_notices (system, object, record_id, event_id, action, occurred_at)
       SELECT system, object, record_id, event_id, action, occurred_at FROM input
       ON CONFLICT (system, event_id) DO NOTHING
       RETURNING system, event_id
     ), tallies AS (
       SELECT i.system, i.total, coalesce(n.accepted, 0) AS accepted
       FROM (SELECT system, count(*) AS total FROM input GROUP BY system) i
       LEFT JOIN (SELECT system, count(*) AS accepted FROM inserted GROUP BY system) n USING (system)
     ), counted AS (
       INSERT INTO sync.webhook_counts (system, outcome, reason, count)
       SELECT system, outcome, '', n FROM (
         SELECT system, 'accepted' AS outcome, accepted AS n FROM tallies
         UNION ALL SELECT system, 'replayed', total - accepted FROM tallies
       ) x WHERE n > 0
       ON CONFLICT (system, outcome, reason) DO UPDATE SET count = sync.webhook_counts.count + EXCLUDED.count, last_at = now()
     )
     SELECT system, event_id FROM inserted`,
    [
      notices.map((n) => n.system),
      notices.map((n) => n.object),
      notices.map((n) => n.recordId),
      notices.map((n) => n.eventId),
      notices.map((n) => n.action),
      notices.map((n) => n.occurredAt),
    ],
  );
  const inserted = new Set(rows.map((r) => `${r.system}\u0000${r.event_id}`));
  const accepted: ChangeNotice[] = [];
  const replayed: ChangeNotice[] = [];
  // The same event twice inside one batch: the first copy is the one inserted, the rest are replays.
  const seen = new Set<string>();
  for (const notice of notices) {
    const key = `${notice.system}\u0000${notice.eventId}`;
    if (inserted.has(key) && !seen.has(key)) accepted.push(notice);
    else replayed.push(notice);
    seen.add(key);
  }
  return { accepted, replayed };
}

/** Counts a refused call (one per request: a forged batch is not split into events). */
export async function recordRejection(sql: Sql, system: WebhookSystem, reason: RejectionReason): Promise<void> {
  await bumpCount(sql, system, 'rejected', reason, 1);
}

/** Counts events that were genuine but name no record we can sync (e.g. HubSpot app uninstalls). */
export async function recordIgnored(sql: Sql, system: WebhookSystem, count: number): Promise<void> {
  if (count > 0) await bumpCount(sql, system, 'ignored', 'no-record', count);
}

async function bumpCount(
  sql: Sql,
  system: WebhookSystem,
  outcome: string,
  reason: string,
  count: number,
): Promise<void> {
  await sql.query(
    `INSERT INTO sync.webhook_counts (system, outcome, reason, count) VALUES ($1, $2, $3, $4)
     ON CONFLICT (system, outcome, reason) DO UPDATE SET count = sync.webhook_counts.count + EXCLUDED.count, last_at = now()`,
    [system, outcome, reason, count],
  );
}

interface NoticeRow {
  id: string;
  system: WebhookSystem;
  object: string;
  record_id: string;
  event_id: string;
  action: ChangeAction;
  occurred_at: Date | string;
  received_at: Date | string;
}

const COLUMNS = 'id::text AS id, system, object, record_id, event_id, action, occurred_at, received_at';

function toNotice(r: NoticeRow): StoredNotice {
  return {
    id: r.id,
    system: r.system,
    object: r.object,
    recordId: r.record_id,
    eventId: r.event_id,
    action: r.action,
    occurredAt: new Date(r.occurred_at).toISOString(),
    receivedAt: new Date(r.received_at).toISOString(),
  };
}

export interface PendingQuery {
  system?: WebhookSystem;
  object?: string;
  /** Only notices with a row ID above this one (a cursor the caller keeps). */
  afterId?: string;
  limit?: number;
}

/** Unprocessed notices in arrival order, without claiming them (one reader, or a reader that tolerates overlap). */
export async function pendingNotices(sql: Sql, query: PendingQuery = {}): Promise<StoredNotice[]> {
  const { rows } = await sql.query<NoticeRow>(
    `SELECT ${COLUMNS} FROM sync.change_notices
     WHERE processed_at IS NULL AND ($1::text IS NULL OR system = $1) AND ($2::text IS NULL OR object = $2)
       AND ($3::bigint IS NULL OR id > $3::bigint)
     ORDER BY id LIMIT $4`,
    [query.system ?? null, query.object ?? null, query.afterId ?? null, query.limit ?? 500],
  );
  return rows.map(toNotice);
}

/**
 * Claims unprocessed notices for one worker for `leaseSeconds`: several workers each get different rows
 * (`FOR UPDATE SKIP LOCKED` in one statement), and a worker that dies releases its rows when the lease ends.
 */
export async function claimNotices(
  sql: Sql,
  query: Omit<PendingQuery, 'afterId'> & { leaseSeconds?: number } = {},
): Promise<StoredNotice[]> {
  const { rows } = await sql.query<NoticeRow>(
    `UPDATE sync.change_notices SET claimed_until = now() + make_interval(secs => $4)
     WHERE id IN (
       SELECT id FROM sync.change_notices
       WHERE processed_at IS NULL AND (claimed_until IS NULL OR claimed_until < now())
         AND ($1::text IS NULL OR system = $1) AND ($2::text IS NULL OR object = $2)
       ORDER BY id LIMIT $3 FOR UPDATE SKIP LOCKED)
     RETURNING ${COLUMNS}`,
    [query.system ?? null, query.object ?? null, query.limit ?? 500, query.leaseSeconds ?? 300],
  );
  return rows.map(toNotice).sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : 1));
}

/** Marks notices done (after the sync engine has read and written their records); returns how many changed. */
export async function markNoticesProcessed(sql: Sql, ids: string[]): Promise<number> {
  if (ids.length === 0) return 0;
  const result = await sql.query(
    'UPDATE sync.change_notices SET processed_at = now() WHERE id = ANY($1::bigint[]) AND processed_at IS NULL',
    [ids],
  );
  return result.rowCount ?? 0;
}

export interface WebhookCount {
  system: WebhookSystem;
  outcome: 'accepted' | 'replayed' | 'rejected' | 'ignored';
  /** Rejection reason (`bad-signature`, `stale`, ...); empty for the other outcomes. */
  reason: string;
  count: number;
  lastAt: string;
}

export async function webhookCounts(sql: Sql): Promise<WebhookCount[]> {
  const { rows } = await sql.query<{
    system: WebhookSystem;
    outcome: WebhookCount['outcome'];
    reason: string;
    count: string;
    last_at: Date | string;
  }>(
    'SELECT system, outcome, reason, count::text AS count, last_at FROM sync.webhook_counts ORDER BY system, outcome, reason',
  );
  return rows.map((r) => ({
    system: r.system,
    outcome: r.outcome,
    reason: r.reason,
    count: Number(r.count),
    lastAt: new Date(r.last_at).toISOString(),
  }));
}

/** Totals per outcome, e.g. for the line `serve` prints when it stops. */
export function summarizeCounts(counts: WebhookCount[]): Record<WebhookCount['outcome'], number> {
  const totals = { accepted: 0, replayed: 0, rejected: 0, ignored: 0 };
  for (const c of counts) totals[c.outcome] += c.count;
  return totals;
}

/**
 * Deletes processed notices received more than `keepDays` ago. Their event IDs go with them, so keep them longer
 * than any vendor retries (HubSpot up to 3 days, Salesforce 24 hours, Pipedrive a few hours); 7 days by default.
 */
export async function pruneNotices(sql: Sql, keepDays = 7): Promise<number> {
  const result = await sql.query(
    `DELETE FROM sync.change_notices WHERE processed_at IS NOT NULL AND received_at < now() - make_interval(days => $1)`,
    [keepDays],
  );
  return result.rowCount ?? 0;
}
