import type { ChangeEvent } from '../../connectors/salesforce';
import type { Sql } from '../../db/sql';
import type { ChangeAction } from '../../webhooks';

/** The durable position and counts of one job's subscription to one change event channel. */
export interface ChannelState {
  job: string;
  channel: string;
  /** The last event handled; null before the first one or after Salesforce refused the stored one. */
  replayId: number | null;
  events: number;
  records: number;
  catchUps: number;
  lastCatchUpReason: string | null;
}

/** The notice action of a change type: gaps say what kind of change they stand for; an undelete brings a record back. */
export function noticeAction(changeType: ChangeEvent['changeType']): ChangeAction {
  const type = changeType.replace(/^GAP_/, '');
  if (type === 'CREATE' || type === 'UNDELETE') return 'create';
  if (type === 'UPDATE') return 'update';
  if (type === 'DELETE') return 'delete';
  return 'unknown';
}

/**
 * The event's records as change notices (one per record, the same rows a webhook stores, so the sync wakes the same
 * way), and the channel's replay ID moved to the event's, in one statement: a process that stops in between either
 * stored both or neither, so a restart replays exactly the events whose notices are missing. The replay ID moves only
 * from `expected` (compare-and-set): false when another subscriber moved it meanwhile.
 * Notice IDs come from the transaction key and sequence number, which stay the same when one event reaches several
 * channels (`/data/ChangeEvents` and `/data/Loan__ChangeEvent`) or is replayed.
 */
export async function recordChangeEvent(
  sql: Sql,
  job: string,
  event: ChangeEvent,
  expected: number | null,
): Promise<{ advanced: boolean; accepted: number }> {
  const { rows } = await sql.query<{ accepted: number }>(
    `WITH notices AS (
       INSERT INTO sync.change_notices (system, object, record_id, event_id, action, occurred_at)
       SELECT 'salesforce', $3, r, 'cdc:' || $4 || ':' || $5 || ':' || r, $6, $7 FROM unnest($8::text[]) AS r
       ON CONFLICT (system, event_id) DO NOTHING
       RETURNING 1
     )
     INSERT INTO sync.change_event_channels AS c (job, channel, replay_id, events, records, last_event_at)
     VALUES ($1, $2, $9, 1, (SELECT count(*) FROM notices), now())
     ON CONFLICT (job, channel) DO UPDATE
       SET replay_id = EXCLUDED.replay_id, events = c.events + 1, records = c.records + EXCLUDED.records,
           last_event_at = now(), updated_at = now()
       WHERE c.replay_id IS NOT DISTINCT FROM $10::bigint
     RETURNING (SELECT count(*)::int FROM notices) AS accepted`,
    [
      job,
      event.channel,
      event.entityName,
      event.transactionKey,
      event.sequenceNumber,
      noticeAction(event.changeType),
      event.commitTimestamp,
      event.recordIds,
      event.replayId,
      expected,
    ],
  );
  return { advanced: rows.length === 1, accepted: rows[0]?.accepted ?? 0 };
}

/** Counts a catch-up poll; `forgetReplay` clears the stored replay ID (Salesforce refused it: it cannot resume there). */
export async function recordCatchUp(
  sql: Sql,
  job: string,
  channel: string,
  reason: string,
  forgetReplay: boolean,
): Promise<void> {
  await sql.query(
    `INSERT INTO sync.change_event_channels AS c (job, channel, catch_ups, last_catch_up_at, last_catch_up_reason)
     VALUES ($1, $2, 1, now(), $3)
     ON CONFLICT (job, channel) DO UPDATE
       SET catch_ups = c.catch_ups + 1, last_catch_up_at = now(), last_catch_up_reason = $3, updated_at = now(),
           replay_id = CASE WHEN $4 THEN NULL ELSE c.replay_id END`,
    [job, channel, reason, forgetReplay],
  );
}

/** The channels' states (all jobs, or one). */
export async function channelStates(sql: Sql, job?: string): Promise<ChannelState[]> {
  const { rows } = await sql.query<{
    job: string;
    channel: string;
    replay_id: string | null;
    events: string;
    records: string;
    catch_ups: string;
    last_catch_up_reason: string | null;
  }>(
    `SELECT job, channel, replay_id, events, records, catch_ups, last_catch_up_reason FROM sync.change_event_channels
     WHERE $1::text IS NULL OR job = $1 ORDER BY job, channel`,
    [job ?? null],
  );
  return rows.map((r) => ({
    job: r.job,
    channel: r.channel,
    replayId: r.replay_id === null ? null : Number(r.replay_id),
    events: Number(r.events),
    records: Number(r.records),
    catchUps: Number(r.catch_ups),
    lastCatchUpReason: r.last_catch_up_reason,
  }));
}
