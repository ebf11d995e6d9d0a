import type { SourceRecord } from '../connectors/connector';
import { inTransaction } from '../db/sql';
import type { Decision, StreamRun, WriteResults } from './run-context';
import {
  clearPending,
  saveCursor,
  insertAudit,
  savePending,
  saveSynced,
  settleAudit,
  type AuditIntent,
  type SyncedRecord,
  type Values,
} from './store';

export type Settled = { id: string; result: AuditIntent['result']; targetId?: string | null; error?: string | null };
export type Waiting = { record: SourceRecord; reason: string };

/**
 * Sends a batch's creates and updates. An update that the target answered with `created` (or refused, e.g. "title
 * is required") may have gone to a record that is no longer there: deleted, or a target restored from an older copy.
 * Only the changed fields would then make it, so such records are sent once more, whole; a refusal of the whole
 * record stands.
 */
export async function sendBatch(runner: StreamRun, sends: Decision[]): Promise<WriteResults> {
  const key = runner.stream.target.key;
  const results: WriteResults = sends.length
    ? await runner.write(sends.map((s) => ({ key: s.p.record.id, properties: withoutKey(s.plan.send, key) })))
    : new Map();
  const whole = sends.filter(
    (s) => s.plan.action === 'update' && ['created', 'failed'].includes(results.get(s.p.record.id)?.status ?? 'failed'),
  );
  if (whole.length === 0) return results;
  for (const s of whole) s.plan.send = Object.fromEntries(Object.entries(s.p.desired).filter(([, v]) => v !== null));
  const again = await runner.write(
    whole.map((s) => ({ key: s.p.record.id, properties: withoutKey(s.plan.send, key) })),
  );
  for (const s of whole) {
    const previous = results.get(s.p.record.id);
    const r = again.get(s.p.record.id);
    if (r && (r.status === 'failed' || previous?.status === 'failed'))
      results.set(s.p.record.id, previous?.status === 'created' && r.status !== 'failed' ? previous : r);
  }
  return results;
}

/** An audit line for a record that was not sent: refused by the mapping, or waiting for a parent. */
export function notSent(sourceId: string, action: 'reject' | 'defer', reason: string): AuditIntent {
  return {
    sourceId,
    targetKey: sourceId,
    targetId: null,
    action,
    before: null,
    after: null,
    result: action === 'reject' ? 'rejected' : 'deferred',
    error: reason,
  };
}

/**
 * Commits one batch in one transaction: the audit lines settled and added, the links written, the records that wait
 * for another attempt, the ones settled taken off that list, and the stream's cursor.
 */
export async function commitBatch(
  runner: StreamRun,
  batch: {
    settled: Settled[];
    notSent: AuditIntent[];
    links: SyncedRecord[];
    waiting: Waiting[];
    settledIds: string[];
    cursor?: string;
  },
): Promise<void> {
  const { ctx, stream } = runner;
  const job = ctx.job;
  await inTransaction(ctx.sql, async () => {
    await settleAudit(ctx.sql, batch.settled);
    await insertAudit(ctx.sql, ctx.runId, job.name, stream.name, batch.notSent);
    await saveSynced(ctx.sql, job.name, stream.name, batch.links);
    await savePending(ctx.sql, job.name, stream.name, batch.waiting);
    await clearPending(ctx.sql, job.name, stream.name, batch.settledIds);
    if (batch.cursor) await saveCursor(ctx.sql, job.name, stream.name, batch.cursor);
  });
}

export function pick(values: Values, fields: string[]): Values {
  return Object.fromEntries(fields.map((f) => [f, values[f] ?? null]));
}

function withoutKey(values: Values, key: string): Values {
  const { [key]: _key, ...rest } = values;
  return rest;
}
