import type { Connector, DeleteResult, SourceRecord } from '../connectors/connector';
import { advanced, compareCursors, lookback, requiredCursorOf } from '../connectors/cursor';
import { inTransaction } from '../db/sql';
import { InputError, UsageError } from '../errors';
import { closeLinks, countLinked, loadLinkStates, type DeletedIn, type LinkState } from './delete-store';
import { REVERSE } from './reverse-run';
import type { Stream, SyncJob } from './job';
import type { StreamRun } from './run-context';
import {
  clearPending,
  insertAudit,
  loadDeletionCursor,
  saveDeletionCursor,
  settleAudit,
  type AuditIntent,
  type AuditResult,
  type Values,
} from './store';

/** Suffix of the cursors of a stream's deletion reads (`loans~deletes`, `loans~reverse~deletes`). */
export const DELETES = '~deletes';

/** One direction deletions travel in: read from `from`, applied to `to`. */
interface Direction {
  from: Connector;
  fromObject: string;
  to: Connector;
  toObject: string;
  /** `target` for the forward direction (deleted in the target), `source` for the reverse of a two-way job. */
  deletedIn: DeletedIn;
  /** Links are found by the deleted record's ID on the `from` side. */
  linkBy: 'source' | 'target';
  /** The stream name the audit lines and cursor go under. */
  name: string;
  /** Fields read from `to` before deleting, for the audit log's before values. */
  fields: string[];
  flag: { field: string; value: string | null } | null;
}

/**
 * Carries deletions per the stream's `onDelete`: two-way jobs first bring the target's deletions back to the source
 * (`delete` only: a flag names a target field), then the source's go to the target. Each direction reads the
 * deletions since its own cursor, leaves alone those of records the engine never linked and recognises those it made
 * itself (the link is closed with the side it deleted in), checks the mass-delete guard before anything is deleted,
 * logs each deletion with the record's values read just before, and closes the links, so a re-run does nothing.
 */
export async function runDeletes(runner: StreamRun): Promise<void> {
  const { ctx, stream } = runner;
  if (stream.onDelete === 'nothing') return;
  const { source, target, job } = ctx;
  const mapped = [...new Set([...stream.properties.map((p) => p.to), stream.target.key])];
  if (job.direction === 'two-way' && stream.onDelete === 'delete') {
    await carry(runner, {
      from: target,
      fromObject: stream.target.object,
      to: source,
      toObject: stream.source.object,
      deletedIn: 'source',
      linkBy: 'target',
      name: `${stream.name}${REVERSE}`,
      fields: runner.sourceFields,
      flag: null,
    });
  }
  await carry(runner, {
    from: source,
    fromObject: stream.source.object,
    to: target,
    toObject: stream.target.object,
    deletedIn: 'target',
    linkBy: 'source',
    name: stream.name,
    fields: mapped,
    flag: stream.onDelete === 'flag' ? stream.deleteFlag! : null,
  });
}

/**
 * Refuses, before a run reads or writes anything, a job whose delete policy its connectors cannot carry out: a source
 * (or, two-way, a target) that cannot report deletions, or a side that cannot delete.
 */
export function checkDeleteSupport(
  streams: Stream[],
  direction: SyncJob['direction'],
  source: Connector,
  target: Connector,
): void {
  const problems: string[] = [];
  for (const s of streams) {
    if (s.onDelete === 'nothing') continue;
    const where = `stream "${s.name}" (onDelete "${s.onDelete}")`;
    if (!source.readDeleted) problems.push(`${where}: the ${source.system} connector cannot report deletions`);
    if (s.onDelete === 'delete' && !target.delete)
      problems.push(`${where}: the ${target.system} connector cannot delete`);
    if (s.onDelete === 'delete' && direction === 'two-way') {
      if (!target.readDeleted)
        problems.push(`${where}, two-way: the ${target.system} connector cannot report deletions`);
      if (!source.delete) problems.push(`${where}, two-way: the ${source.system} connector cannot delete`);
    }
  }
  if (problems.length) throw new UsageError(`Invalid sync job: ${problems.join('; ')}`);
}

interface Planned {
  link: LinkState;
  /** The ID of the record to delete or flag, on the `to` side. */
  id: string | null;
  deletedAt: string | undefined;
}

async function carry(runner: StreamRun, d: Direction): Promise<void> {
  const { ctx, stream } = runner;
  const { job } = ctx;
  const cursorName = `${d.name}${DELETES}`;
  const { cursor: stored, resume } = await loadDeletionCursor(ctx.sql, job.name, cursorName);
  const since = stored ? lookback(stored, job.lookbackSeconds) : undefined;

  const deletions: SourceRecord[] = [];
  let newest: string | null = null;
  let resumeNext: string | null = resume;
  for await (const item of d.from.readDeleted!(d.fromObject, {
    ...(since ? { since } : {}),
    ...(resume ? { resume } : {}),
    onResume: (next) => (resumeNext = next),
    ...(ctx.signal ? { signal: ctx.signal } : {}),
  })) {
    if (item.type !== 'record') continue;
    deletions.push(item.record);
    const cursor = requiredCursorOf(item.record);
    if (!newest || compareCursors(cursor, newest) > 0) newest = cursor;
  }

  const planned: Planned[] = [];
  for (let i = 0; i < deletions.length; i += 1000) {
    const chunk = deletions.slice(i, i + 1000);
    const links = await loadLinkStates(
      ctx.sql,
      job.name,
      stream.name,
      d.linkBy,
      chunk.map((r) => r.id),
    );
    for (const r of chunk) {
      const link = links.get(r.id);
      // Never linked: not a record this job wrote. Closed in the other system: the engine's own delete coming back.
      if (!link) continue;
      if (link.deletedIn !== null) {
        if (link.deletedIn !== d.deletedIn) runner.counts.echoes++;
        continue;
      }
      planned.push({ link, id: d.linkBy === 'source' ? link.targetId : link.sourceId, deletedAt: r.modifiedAt });
    }
  }
  // A record waiting for another attempt whose source is gone must not be created later.
  if (!ctx.dryRun && d.linkBy === 'source' && deletions.length)
    await clearPending(
      ctx.sql,
      job.name,
      stream.name,
      deletions.map((r) => r.id),
    );

  // The guard first: a refused run reads nothing more, but its plan still lists what it would have done.
  const refusal = await guard(runner, d, planned.length);
  const before = refusal ? new Map<string, Values>() : await readBefore(d, planned);
  for (const p of planned) {
    const now = p.id ? before.get(p.id) : undefined;
    runner.note({
      stream: d.name,
      sourceId: p.link.sourceId,
      action: d.flag ? 'flag' : 'delete',
      targetKey: p.link.targetKey,
      targetId: p.link.targetId,
      ...(d.flag
        ? { changes: [{ field: d.flag.field, ...(now ? { old: now[d.flag.field] ?? null } : {}), new: d.flag.value }] }
        : {}),
      reason: `deleted in ${d.from.system}${p.deletedAt ? ` at ${p.deletedAt}` : ''}`,
    });
  }
  if (refusal) throw refusal;
  const count = d.flag ? 'flagged' : d.deletedIn === 'source' ? 'reverseDeleted' : 'deleted';
  if (ctx.dryRun) {
    runner.counts[count] += planned.length;
    return;
  }

  let failures = 0;
  for (let i = 0; i < planned.length; i += job.batchSize) {
    const batch = planned.slice(i, i + job.batchSize);
    failures += await apply(runner, d, batch, before, count);
  }
  // A failed deletion is read again next run (the ones done are closed links by then, and cost nothing).
  if (failures === 0 && (newest || resumeNext !== resume))
    await saveDeletionCursor(ctx.sql, job.name, cursorName, newest ? advanced(stored, newest) : stored, resumeNext);
}

/** The values the `to` side holds just before the deletion (what a restore would put back), by record ID. */
async function readBefore(d: Direction, planned: Planned[]): Promise<Map<string, Values>> {
  const out = new Map<string, Values>();
  const ids = planned.flatMap((p) => (p.id ? [p.id] : []));
  if (!d.to.readByIds || ids.length === 0) return out;
  for await (const item of d.to.readByIds(d.toObject, ids, { properties: d.fields }))
    if (item.type === 'record') out.set(item.record.id, item.record.properties);
  return out;
}

/** The refusal of a run that would delete more than the stream's share of its linked records, if it would. */
async function guard(runner: StreamRun, d: Direction, planned: number): Promise<InputError | null> {
  const { ctx, stream } = runner;
  if (planned === 0 || ctx.allowMassDelete) return null;
  const linked = await countLinked(ctx.sql, ctx.job.name, stream.name);
  const share = linked === 0 ? 1 : planned / linked;
  if (share <= stream.maxDeleteShare) return null;
  const pct = (n: number) => `${Math.round(n * 1000) / 10} %`;
  return new InputError(
    `Refused to ${d.flag ? 'flag' : 'delete'} ${planned} of the ${linked} ${d.toObject} records stream "${stream.name}" ` +
      `links in ${d.to.system} (${pct(share)}, more than its maxDeleteShare of ${pct(stream.maxDeleteShare)}): ` +
      `nothing was ${d.flag ? 'flagged' : 'deleted'}. Check the plan (--dry-run); if these deletions are meant, run ` +
      `again with --allow-mass-delete (allowMassDelete in MCP and n8n), or raise the stream's maxDeleteShare.`,
  );
}

/** Deletes (or flags) one batch: audit intents first, then the calls, then the audit, links and counts settled together. */
async function apply(
  runner: StreamRun,
  d: Direction,
  batch: Planned[],
  before: Map<string, Values>,
  count: 'deleted' | 'flagged' | 'reverseDeleted',
): Promise<number> {
  const { ctx, stream } = runner;
  const intents: AuditIntent[] = batch.map((p) => ({
    sourceId: p.link.sourceId,
    targetKey: p.link.targetKey,
    targetId: p.link.targetId,
    action: d.flag ? 'flag' : 'delete',
    // Read just before; else what the engine last wrote (the record was already gone, or cannot be read by ID).
    before: (p.id ? before.get(p.id) : undefined) ?? p.link.written,
    after: d.flag ? { [d.flag.field]: d.flag.value } : null,
    result: 'pending',
  }));
  const ids = await insertAudit(ctx.sql, ctx.runId, ctx.job.name, d.name, intents);
  const results = await send(runner, d, batch, before);
  const settled: Array<{ id: string; result: AuditResult; error?: string | null }> = [];
  const closed: Array<{ sourceId: string; written?: Values }> = [];
  let failures = 0;
  batch.forEach((p, i) => {
    const r = results[i]!;
    if (r.status === 'failed') {
      const error = `${d.toObject} ${p.id ?? p.link.sourceId}: ${r.error ?? `${d.to.system} returned no result for this record`}`;
      settled.push({ id: ids[i]!, result: 'failed', error });
      runner.problems.add('failed', error, p.id ?? p.link.sourceId);
      runner.counts.failed++;
      failures++;
      return;
    }
    settled.push({ id: ids[i]!, result: d.flag ? 'updated' : r.status });
    closed.push({ sourceId: p.link.sourceId, ...(d.flag ? { written: { [d.flag.field]: d.flag.value } } : {}) });
    runner.counts[count]++;
  });
  await inTransaction(ctx.sql, async () => {
    await settleAudit(ctx.sql, settled);
    await closeLinks(ctx.sql, ctx.job.name, stream.name, closed, d.deletedIn);
  });
  ctx.onBatch?.(stream.name, runner.counts);
  return failures;
}

/** One result per planned record, in order: the connector's delete, or an upsert of the flag by the link's key. */
async function send(
  runner: StreamRun,
  d: Direction,
  batch: Planned[],
  before: Map<string, Values>,
): Promise<DeleteResult[]> {
  const noId = (p: Planned): DeleteResult => ({
    id: p.link.sourceId,
    status: 'failed',
    error: `no ${d.to.system} ID was recorded for the record linked to ${p.link.sourceId}`,
  });
  if (d.flag) {
    const { field, value } = d.flag;
    // An upsert of the flag would create a record the target no longer has: one not found by ID is left gone.
    const gone = (p: Planned) => d.to.readByIds !== undefined && p.id !== null && !before.has(p.id);
    const results = await runner.write(
      batch.filter((p) => !gone(p)).map((p) => ({ key: p.link.targetKey, properties: { [field]: value } })),
    );
    return batch.map((p): DeleteResult => {
      if (gone(p)) return { id: p.id!, status: 'missing' };
      const r = results.get(p.link.targetKey);
      if (!r || r.status === 'failed')
        return { id: p.link.targetKey, status: 'failed', ...(r?.error ? { error: r.error } : {}) };
      return { id: r.id ?? p.link.targetKey, status: 'deleted' };
    });
  }
  const withId = batch.filter((p) => p.id !== null);
  const answers = withId.length
    ? await d.to.delete!(
        d.toObject,
        withId.map((p) => p.id!),
      )
    : [];
  const byId = new Map(answers.map((a) => [a.id, a]));
  return batch.map((p) => (p.id === null ? noId(p) : (byId.get(p.id) ?? { id: p.id, status: 'failed' })));
}
