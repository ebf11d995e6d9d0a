import type { Connector, SourceRecord } from '../connectors/connector';
import type { Value } from '../mapping/transforms';
import type { Sql } from '../db/sql';
import { inTransaction } from '../db/sql';
import type { MappingConfig } from '../mapping/mapping-config';
import { ObjectMapper } from '../mapping/object-mapper';
import type { Stream, SyncJob } from './job';
import { resolveConflicts } from '../conflicts/resolve';
import { describeCondition, failingCondition, planRecord, type PlanEntry } from './plan';
import { reverseProperties, type ReverseProperty } from './reverse';
import {
  clearPending, insertAudit, interruptPendingAudit, loadCursor, lockStream, unlockStream, loadPending, loadSynced, saveCursor, savePending,
  saveSynced, settleAudit, loadSyncedByTarget, type AuditIntent, type SyncedRecord, type Values,
} from './store';

export interface StreamCounts {
  read: number;
  skipped: number;
  created: number;
  updated: number;
  unchanged: number;
  failed: number;
  deferred: number;
  rejected: number;
  /** Writes a killed process left unanswered, found and redone by this run. */
  interrupted: number;
  /** Records read again from the look-back window before the cursor (nothing to write unless they changed). */
  reread: number;
  /** Two-way: target records changed by someone (not by this engine) and written back to the source. */
  reverseUpdated: number;
  /** Two-way: target changes that were this engine's own writes coming back, recognised and not echoed. */
  echoes: number;
  /** Two-way: fields changed on both sides since the last sync, settled by the job's conflict rules. */
  conflicts: number;
  /** Parents fetched by ID because a record pointed at one not synced yet. */
  parentsFetched: number;
  retried: number;
}

export const emptyCounts = (): StreamCounts => ({
  read: 0, reread: 0, skipped: 0, created: 0, updated: 0, unchanged: 0, failed: 0, deferred: 0, rejected: 0, interrupted: 0, reverseUpdated: 0, echoes: 0, conflicts: 0, parentsFetched: 0, retried: 0,
});

/** What every stream of one run shares. */
export interface RunContext {
  job: SyncJob;
  source: Connector;
  target: Connector;
  runId: string;
  dryRun: boolean;
  /** The one connection of this stream run: its lock, its transactions. */
  sql: Sql;
  /** Plan lines kept (the rest are counted): a dry run of a million changes must not hold a million lines. */
  planLimit: number;
  plan: PlanEntry[];
  planOmitted: { count: number };
  signal?: AbortSignal;
  onBatch?: (stream: string, counts: StreamCounts) => void;
}

/** The synthetic mapping config that lets a stream reuse the reconcile mapper (transforms, templates, value maps). */
function mapperFor(job: SyncJob, stream: Stream): ObjectMapper {
  const config: MappingConfig = {
    version: 1,
    target: { system: job.target, schema: 'sync' },
    defaults: job.transformDefaults,
    valueMaps: job.valueMaps,
    objects: {
      stream: {
        legacy: { file: stream.source.object, idColumn: '__id' },
        target: { table: stream.target.object, idColumn: 'id', legacyIdColumn: stream.target.key },
        identity: [],
        overwriteWithBlank: job.conflicts?.allowBlank ?? false,
        properties: stream.properties,
      },
    },
  };
  return new ObjectMapper(config, 'stream');
}

/** Orders `modified|id` cursors: by time, then by ID (numerically when both are numbers, as Pipedrive's are). */
export function compareCursors(a: string, b: string): number {
  const [ta, ia] = splitCursor(a);
  const [tb, ib] = splitCursor(b);
  if (ta !== tb) return ta < tb ? -1 : 1;
  if (/^\d+$/.test(ia) && /^\d+$/.test(ib)) return Math.sign(Number(ia) - Number(ib));
  return ia < ib ? -1 : ia > ib ? 1 : 0;
}

function splitCursor(cursor: string): [number, string] {
  const bar = cursor.lastIndexOf('|');
  return [Date.parse(bar < 0 ? cursor : cursor.slice(0, bar)), bar < 0 ? '' : cursor.slice(bar + 1)];
}

function lookback(cursor: string, seconds: number): string {
  return new Date(splitCursor(cursor)[0] - seconds * 1000).toISOString();
}

const cursorOf = (r: SourceRecord): string => {
  if (!r.modifiedAt) throw new Error(`${r.origin?.source ?? 'source'} record ${r.id} has no modified time, so the stream cannot resume after it`);
  return `${r.modifiedAt}|${r.id}`;
};

interface Prepared {
  record: SourceRecord;
  desired: Values;
}

/**
 * Runs one stream: retries what waits in `sync.pending`, then reads the source since the stream's cursor in batches.
 * Per batch: plan against what was last written, log each write as an intent, upsert by external ID, then settle
 * the log, the links and the cursor in one transaction. A process killed anywhere re-reads at most one batch, and
 * the upsert by external ID makes sending it again harmless.
 */
export class StreamRunner {
  readonly counts = emptyCounts();
  private readonly mapper: ObjectMapper;
  private readonly allowBlank: boolean;
  private sourceIdField: string | undefined;
  private reverseProps: Promise<ReverseProperty[]> | undefined;

  constructor(
    private readonly ctx: RunContext,
    readonly stream: Stream,
    private readonly runners: Map<string, StreamRunner>,
  ) {
    this.mapper = mapperFor(ctx.job, stream);
    this.allowBlank = ctx.job.conflicts?.allowBlank ?? false;
  }

  /** Source fields this stream needs: mapped ones, references and filter fields (HubSpot returns only those asked). */
  get sourceFields(): string[] {
    const s = this.stream;
    return [...new Set([...this.mapper.legacyColumns.filter((c) => c !== '__id'), ...s.references.map((r) => r.from), ...s.source.filter.map((c) => c.field)])];
  }

  async run(): Promise<void> {
    const { ctx, stream } = this;
    const { job } = ctx;
    if (!ctx.dryRun) {
      this.counts.interrupted += await interruptPendingAudit(ctx.sql, job.name, stream.name);
      this.counts.interrupted += await interruptPendingAudit(ctx.sql, job.name, `${stream.name}${REVERSE}`);
    }
    // Two-way: the target's edits first, so conflicts are settled by the rules before the forward pass would
    // overwrite them; the forward pass then finds those records agreed and writes nothing for them.
    if (job.direction === 'two-way') await this.runReverse();
    const waiting = await loadPending(ctx.sql, job.name, stream.name, job.maxAttempts, 10_000);
    this.counts.retried += waiting.length;
    for (let i = 0; i < waiting.length; i += job.batchSize) await this.processBatch(waiting.slice(i, i + job.batchSize).map((w) => w.record), { retry: true });

    const stored = await loadCursor(ctx.sql, job.name, stream.name);
    // Read from a little before the cursor: Salesforce and Pipedrive stamp changes to the second, so a record changed
    // in the cursor's own second but with a smaller ID would be skipped by `modified|id` alone (and a change committed
    // late can carry an earlier stamp). Records read again compare equal to what was written and cost no write.
    const since = stored ? lookback(stored, job.lookbackSeconds) : undefined;
    let batch: SourceRecord[] = [];
    let again = new Set<string>();
    const flush = async () => {
      const last = cursorOf(batch.at(-1)!);
      await this.processBatch(batch, { cursor: stored && compareCursors(last, stored) < 0 ? stored : last, reread: again });
      batch = [];
      again = new Set();
    };
    for await (const item of ctx.source.read(stream.source.object, { ...(since ? { since } : {}), properties: this.sourceFields, ...(ctx.signal ? { signal: ctx.signal } : {}) })) {
      if (item.type === 'rejected') {
        await this.recordReadRejection(item.rejection.recordId ?? `line ${item.rejection.line ?? '?'}`, `${item.rejection.field ? `${item.rejection.field}: ` : ''}${item.rejection.reason}`);
        continue;
      }
      if (stored && compareCursors(cursorOf(item.record), stored) <= 0) {
        this.counts.reread++;
        again.add(item.record.id);
      } else this.counts.read++;
      batch.push(item.record);
      if (batch.length >= job.batchSize) await flush();
    }
    if (batch.length) await flush();
  }

  /**
   * Plans and (unless dry) writes a batch. `cursor`: where the stream resumes once it is committed. `forced`: records
   * fetched because another stream points at them, synced even when the stream only syncs referenced records.
   */
  async processBatch(records: SourceRecord[], options: { cursor?: string; forced?: boolean; retry?: boolean; reread?: Set<string> }): Promise<void> {
    const { ctx, stream } = this;
    const job = ctx.job;
    const key = stream.target.key;
    const ids = records.map((r) => r.id);
    const synced = await loadSynced(ctx.sql, job.name, stream.name, ids);

    const skipped: string[] = [];
    const candidates: SourceRecord[] = [];
    const skip = (id: string, reason: string) => {
      skipped.push(id);
      // A record read again from the look-back window was already reported skipped the first time.
      if (options.reread?.has(id)) return;
      this.counts.skipped++;
      this.note({ stream: stream.name, sourceId: id, action: 'skip', reason });
    };
    for (const r of records) {
      const failing = failingCondition(r.properties, stream.source.filter);
      if (failing) skip(r.id, `filter: ${describeCondition(failing)}`);
      else if (stream.source.scope === 'referenced' && !options.forced && !synced.has(r.id)) skip(r.id, 'not referenced by any synced record');
      else candidates.push(r);
    }

    const rejected: Array<{ record: SourceRecord; reason: string }> = [];
    const prepared: Prepared[] = [];
    for (const record of candidates) {
      const { values, issues } = this.mapper.map({ ...record.properties, __id: record.id });
      if (issues.length) {
        const reason = issues.map((i) => `field ${i.field} -> ${i.property}: ${i.reason} (value ${JSON.stringify(i.value)})`).join('; ');
        rejected.push({ record, reason: `${stream.source.object} ${record.id}: ${reason}` });
      } else {
        prepared.push({ record, desired: { ...values, [key]: record.id } });
      }
    }

    const deferred = await this.resolveReferences(prepared);
    const ready = prepared.filter((p) => !deferred.has(p.record.id));

    const intents: AuditIntent[] = [];
    const sends: Array<{ p: Prepared; before: SyncedRecord | undefined; send: Values; action: 'create' | 'update' }> = [];
    const unchanged: string[] = [];
    for (const p of ready) {
      const before = synced.get(p.record.id);
      const plan = planRecord(p.desired, before, this.allowBlank);
      this.note({ stream: stream.name, sourceId: p.record.id, action: plan.action, targetKey: p.record.id, targetId: before?.targetId ?? null, changes: plan.changes });
      if (plan.action === 'unchanged') {
        unchanged.push(p.record.id);
        continue;
      }
      sends.push({ p, before, send: plan.send, action: plan.action });
      intents.push({ sourceId: p.record.id, targetKey: p.record.id, targetId: before?.targetId ?? null, action: plan.action, before: before ? pick(before.written, Object.keys(plan.send)) : null, after: plan.send, result: 'pending' });
    }
    for (const [id, reason] of deferred) this.note({ stream: stream.name, sourceId: id, action: 'defer', reason });
    for (const r of rejected) this.note({ stream: stream.name, sourceId: r.record.id, action: 'reject', reason: r.reason });
    this.counts.unchanged += unchanged.length;

    if (ctx.dryRun) {
      this.counts.deferred += deferred.size;
      this.counts.rejected += rejected.length;
      for (const s of sends) this.counts[s.action === 'create' ? 'created' : 'updated']++;
      return;
    }

    const intentIds = await insertAudit(ctx.sql, ctx.runId, job.name, stream.name, intents);
    const results = sends.length ? await this.write(sends.map((s) => ({ key: s.p.record.id, properties: withoutKey(s.send, key) }))) : new Map();
    // An update that the target answered with `created` (or refused, e.g. "title is required") may have gone to a
    // record that is no longer there: deleted, or a target restored from an older copy. Only the changed fields would
    // then make it, so such records are sent once more, whole; a refusal of the whole record stands.
    const whole = sends.filter((s) => s.action === 'update' && ['created', 'failed'].includes(results.get(s.p.record.id)?.status ?? 'failed'));
    if (whole.length) {
      for (const s of whole) s.send = Object.fromEntries(Object.entries(s.p.desired).filter(([, v]) => v !== null));
      const again = await this.write(whole.map((s) => ({ key: s.p.record.id, properties: withoutKey(s.send, key) })));
      for (const s of whole) {
        const previous = results.get(s.p.record.id);
        const r = again.get(s.p.record.id);
        if (r && (r.status === 'failed' || previous?.status === 'failed')) results.set(s.p.record.id, previous?.status === 'created' && r.status !== 'failed' ? previous : r);
      }
    }

    const settled: Array<{ id: string; result: AuditIntent['result']; targetId?: string | null; error?: string | null }> = [];
    const links: Array<SyncedRecord & { sourceModifiedAt?: string }> = [];
    const failed: Array<{ record: SourceRecord; reason: string }> = [];
    sends.forEach((s, i) => {
      const result = results.get(s.p.record.id);
      const id = intentIds[i]!;
      if (!result || result.status === 'failed') {
        const reason = `${stream.target.object} ${s.p.record.id}: ${result?.error ?? 'the target returned no result for this record'}`;
        settled.push({ id, result: 'failed', error: reason });
        failed.push({ record: s.p.record, reason });
        return;
      }
      settled.push({ id, result: result.status, targetId: result.id ?? null });
      this.counts[result.status === 'created' ? 'created' : result.status === 'updated' ? 'updated' : 'unchanged']++;
      links.push({
        sourceId: s.p.record.id,
        targetId: result.id ?? s.before?.targetId ?? null,
        targetKey: s.p.record.id,
        written: { ...(s.before?.written ?? {}), ...s.send },
        ...(s.p.record.modifiedAt ? { sourceModifiedAt: s.p.record.modifiedAt } : {}),
      });
    });
    this.counts.failed += failed.length;
    this.counts.deferred += deferred.size;
    this.counts.rejected += rejected.length;

    const waiting = [
      ...failed,
      ...rejected,
      ...[...deferred].map(([id, reason]) => ({ record: prepared.find((p) => p.record.id === id)!.record, reason })),
    ];
    const settledIds = [...links.map((l) => l.sourceId), ...unchanged, ...skipped];
    await inTransaction(ctx.sql, async () => {
      await settleAudit(ctx.sql, settled);
      await insertAudit(ctx.sql, ctx.runId, job.name, stream.name, [
        ...rejected.map((r): AuditIntent => ({ sourceId: r.record.id, targetKey: r.record.id, targetId: null, action: 'reject', before: null, after: null, result: 'rejected', error: r.reason })),
        ...[...deferred].map(([id, reason]): AuditIntent => ({ sourceId: id, targetKey: id, targetId: null, action: 'defer', before: null, after: null, result: 'deferred', error: reason })),
      ]);
      await saveSynced(ctx.sql, job.name, stream.name, links);
      await savePending(ctx.sql, job.name, stream.name, waiting);
      await clearPending(ctx.sql, job.name, stream.name, settledIds);
      if (options.cursor) await saveCursor(ctx.sql, job.name, stream.name, options.cursor);
    });
    ctx.onBatch?.(stream.name, this.counts);
  }

  /** Two-way: reads the target since its own cursor and brings people's edits back to the source. */
  private async runReverse(): Promise<void> {
    const { ctx, stream } = this;
    const job = ctx.job;
    const props = await this.reversible();
    if (props.length === 0) return;
    const name = `${stream.name}${REVERSE}`;
    const stored = await loadCursor(ctx.sql, job.name, name);
    const since = stored ? lookback(stored, job.lookbackSeconds) : undefined;
    let batch: SourceRecord[] = [];
    const flush = async () => {
      const last = cursorOf(batch.at(-1)!);
      await this.processReverse(batch, stored && compareCursors(last, stored) < 0 ? stored : last);
      batch = [];
    };
    for await (const item of ctx.target.read(stream.target.object, { ...(since ? { since } : {}), properties: props.map((p) => p.target), ...(ctx.signal ? { signal: ctx.signal } : {}) })) {
      if (item.type !== 'record') continue;
      batch.push(item.record);
      if (batch.length >= job.batchSize) await flush();
    }
    if (batch.length) await flush();
  }

  /**
   * The stream's properties that can flow back, less the target's reference fields: a stage written by name comes
   * back as the stage's ID, which would look like someone's edit on every read.
   */
  private async reversible(): Promise<ReverseProperty[]> {
    this.reverseProps ??= (async () => {
      const schema = await this.ctx.target.describe(this.stream.target.object);
      const references = new Set(schema.fields.filter((f) => f.format === 'reference').map((f) => f.name));
      return reverseProperties(this.ctx.job, this.stream).filter((p) => !references.has(p.target));
    })();
    return this.reverseProps;
  }

  private async processReverse(records: SourceRecord[], cursor: string): Promise<void> {
    const { ctx, stream, mapper } = this;
    const job = ctx.job;
    const props = await this.reversible();
    const links = await loadSyncedByTarget(ctx.sql, job.name, stream.name, records.map((r) => r.id));
    // Records the engine never linked (made in the target by someone) are left alone: this release does not create
    // source records from the target.
    const changed: Array<{ record: SourceRecord; link: SyncedRecord; fields: Map<string, Value> }> = [];
    for (const record of records) {
      const link = links.get(record.id);
      if (!link) continue;
      const fields = new Map<string, Value>();
      for (const p of props) {
        const now = mapper.normaliseTarget(p.target, record.properties[p.target] ?? null);
        const written = link.written[p.target] ?? null;
        if (mapper.sameValue(p.target, written, now)) continue;
        if (now === null && !this.allowBlank) continue;
        fields.set(p.target, now);
      }
      if (fields.size) changed.push({ record, link, fields });
      else this.counts.echoes++;
    }
    if (changed.length === 0) {
      if (!ctx.dryRun) await saveCursor(ctx.sql, job.name, `${stream.name}${REVERSE}`, cursor);
      return;
    }

    // What the source holds now: a field changed on both sides since the last sync is a conflict for the rules.
    const current = new Map<string, SourceRecord>();
    if (ctx.source.readByIds) {
      for await (const item of ctx.source.readByIds(stream.source.object, changed.map((c) => c.link.sourceId), { properties: this.sourceFields })) {
        if (item.type === 'record') current.set(item.record.id, item.record);
      }
    }
    const rules = job.conflicts ?? {};
    const plans = changed.map(({ record, link, fields }) => {
      const source = current.get(link.sourceId);
      const desired = source ? mapper.map({ ...source.properties, __id: source.id }).values : {};
      const toSource: Values = {};
      const toTarget: Values = {};
      const written: Values = { ...link.written };
      for (const [field, value] of fields) {
        const mine = desired[field] ?? null;
        const sourceChanged = source !== undefined && field in desired && !mapper.sameValue(field, link.written[field] ?? null, mine);
        if (sourceChanged && !mapper.sameValue(field, mine, value)) {
          this.counts.conflicts++;
          const resolved = resolveConflicts(
            [
              { source: 'source', record: { [field]: mine }, ...(source.modifiedAt ? { modifiedAt: source.modifiedAt } : {}) },
              { source: 'target', record: { [field]: value }, ...(record.modifiedAt ? { modifiedAt: record.modifiedAt } : {}) },
            ],
            rules,
          );
          const won = resolved.provenance[field]?.source === 'source' ? 'source' : 'target';
          if (won === 'target') toSource[field] = value;
          else toTarget[field] = mine;
          written[field] = won === 'target' ? value : mine;
        } else {
          toSource[field] = value;
          written[field] = value;
        }
      }
      return { record, link, toSource, toTarget, written };
    });
    for (const p of plans) {
      this.note({ stream: `${stream.name}${REVERSE}`, sourceId: p.link.sourceId, action: 'update', targetId: p.record.id, targetKey: p.link.targetKey, changes: Object.entries(p.toSource).map(([field, value]) => ({ field, old: p.link.written[field] ?? null, new: value })) });
    }
    if (ctx.dryRun) return;

    const reverseName = `${stream.name}${REVERSE}`;
    const back = plans.filter((p) => Object.keys(p.toSource).length);
    const forth = plans.filter((p) => Object.keys(p.toTarget).length);
    const backIds = await insertAudit(ctx.sql, ctx.runId, job.name, reverseName, back.map((p) => ({ sourceId: p.link.sourceId, targetKey: p.link.targetKey, targetId: p.record.id, action: 'update', before: pick(p.link.written, Object.keys(p.toSource)), after: p.toSource, result: 'pending' })));
    const forthIds = await insertAudit(ctx.sql, ctx.runId, job.name, stream.name, forth.map((p) => ({ sourceId: p.link.sourceId, targetKey: p.link.targetKey, targetId: p.record.id, action: 'update', before: pick(p.link.written, Object.keys(p.toTarget)), after: p.toTarget, result: 'pending' })));

    const sourceUpsert = ctx.source.upsert?.bind(ctx.source);
    if (!sourceUpsert) throw new Error(`Two-way sync writes to ${job.source}, whose connector cannot write`);
    const idField = (this.sourceIdField ??= (await ctx.source.describe(stream.source.object)).idField);
    const byTarget = new Map(props.map((p) => [p.target, p]));
    const backResults = back.length
      ? new Map((await sourceUpsert(stream.source.object, back.map((p) => ({ key: p.link.sourceId, properties: Object.fromEntries(Object.entries(p.toSource).map(([f, v]) => [byTarget.get(f)!.source, byTarget.get(f)!.toSource(v)])) })), { keyProperty: idField, detectUnchanged: false })).map((r) => [r.key, r]))
      : new Map();
    const forthResults = forth.length ? await this.write(forth.map((p) => ({ key: p.link.sourceId, properties: p.toTarget }))) : new Map();

    const settled: Array<{ id: string; result: AuditIntent['result']; targetId?: string | null; error?: string | null }> = [];
    const agreed: SyncedRecord[] = [];
    const failedKeys = new Set<string>();
    const settle = (list: typeof plans, ids: string[], results: Map<string, { status: string; error?: string }>, where: string) =>
      list.forEach((p, i) => {
        const r = results.get(p.link.sourceId);
        if (!r || r.status === 'failed') {
          failedKeys.add(p.link.sourceId);
          settled.push({ id: ids[i]!, result: 'failed', error: `${where} ${p.link.sourceId}: ${r?.error ?? 'no result for this record'}` });
        } else settled.push({ id: ids[i]!, result: r.status as AuditIntent['result'] });
      });
    settle(back, backIds, backResults, stream.source.object);
    settle(forth, forthIds, forthResults, stream.target.object);
    for (const p of plans) if (!failedKeys.has(p.link.sourceId)) agreed.push({ ...p.link, written: p.written });
    this.counts.reverseUpdated += back.filter((p) => !failedKeys.has(p.link.sourceId)).length;
    this.counts.failed += failedKeys.size;
    await inTransaction(ctx.sql, async () => {
      await settleAudit(ctx.sql, settled);
      await saveSynced(ctx.sql, job.name, stream.name, agreed);
      // A failed write back is retried by reading it again: the cursor stays before the batch.
      if (failedKeys.size === 0) await saveCursor(ctx.sql, job.name, reverseName, cursor);
    });
  }

  /**
   * Fills each reference with the parent's target ID. A parent not synced yet is fetched from the source by ID and
   * synced first through its own stream; a record whose required parent still cannot be written waits.
   */
  private async resolveReferences(prepared: Prepared[]): Promise<Map<string, string>> {
    const deferred = new Map<string, string>();
    for (const ref of this.stream.references) {
      const parent = this.runners.get(ref.stream)!;
      const wanted = [...new Set(prepared.map((p) => (p.record.properties[ref.from] ?? '').trim()).filter(Boolean))];
      let links = await loadSynced(this.ctx.sql, this.ctx.job.name, ref.stream, wanted);
      const missing = wanted.filter((id) => !links.get(id)?.targetId);
      if (missing.length && this.ctx.source.readByIds) {
        const fetched: SourceRecord[] = [];
        for await (const item of this.ctx.source.readByIds(parent.stream.source.object, missing, { properties: parent.sourceFields })) {
          if (item.type === 'record') fetched.push(item.record);
        }
        this.counts.parentsFetched += fetched.length;
        // Another process may be running the parent stream right now: two writers of one person could both find it
        // absent and create it twice. Waiting for the parent's lock (children lock before parents, never the other
        // way) rules that out without deadlocks, since references form no cycle.
        if (!this.ctx.dryRun) await lockStream(this.ctx.sql, this.ctx.job.name, ref.stream);
        try {
          const known = await loadSynced(this.ctx.sql, this.ctx.job.name, ref.stream, fetched.map((r) => r.id));
          const todo = fetched.filter((r) => !known.get(r.id)?.targetId);
          for (let i = 0; i < todo.length; i += this.ctx.job.batchSize) await parent.processBatch(todo.slice(i, i + this.ctx.job.batchSize), { forced: true });
        } finally {
          if (!this.ctx.dryRun) await unlockStream(this.ctx.sql, this.ctx.job.name, ref.stream);
        }
        links = await loadSynced(this.ctx.sql, this.ctx.job.name, ref.stream, wanted);
      }
      for (const p of prepared) {
        const parentId = (p.record.properties[ref.from] ?? '').trim();
        const targetId = parentId ? links.get(parentId)?.targetId : undefined;
        if (targetId) p.desired[ref.to] = targetId;
        else if (this.ctx.dryRun && parentId && this.plannedCreate(ref.stream, parentId)) p.desired[ref.to] = `(new ${ref.stream} ${parentId})`;
        else if (ref.required && parentId) deferred.set(p.record.id, `${ref.from} points at ${parent.stream.source.object} ${parentId}, which is not in the target yet`);
        else if (ref.required) deferred.set(p.record.id, `${ref.from} is blank, and the ${ref.stream} parent is required`);
      }
    }
    return deferred;
  }

  private plannedCreate(stream: string, sourceId: string): boolean {
    return this.ctx.plan.some((e) => e.stream === stream && e.sourceId === sourceId && e.action === 'create') || this.ctx.planOmitted.count > 0;
  }

  private async write(inputs: Array<{ key: string; properties: Values }>) {
    const upsert = this.ctx.target.upsert?.bind(this.ctx.target);
    if (!upsert) throw new Error(`The ${this.ctx.target.system} connector cannot write records`);
    // Only records that differ from what the engine last wrote get here: a read-before-write would be wasted.
    const results = await upsert(this.stream.target.object, inputs, { keyProperty: this.stream.target.key, detectUnchanged: false });
    return new Map(results.map((r) => [r.key, r]));
  }

  private async recordReadRejection(sourceId: string, reason: string): Promise<void> {
    this.counts.rejected++;
    this.note({ stream: this.stream.name, sourceId, action: 'reject', reason });
    if (this.ctx.dryRun) return;
    await insertAudit(this.ctx.sql, this.ctx.runId, this.ctx.job.name, this.stream.name, [
      { sourceId, targetKey: sourceId, targetId: null, action: 'reject', before: null, after: null, result: 'rejected', error: reason },
    ]);
  }

  private note(entry: PlanEntry): void {
    if (this.ctx.plan.length < this.ctx.planLimit) this.ctx.plan.push(entry);
    else this.ctx.planOmitted.count++;
  }
}

/** Suffix of a stream's reverse direction in cursors and the audit log (`loans~reverse`). */
export const REVERSE = '~reverse';

function pick(values: Values, fields: string[]): Values {
  return Object.fromEntries(fields.map((f) => [f, values[f] ?? null]));
}

function withoutKey(values: Values, key: string): Values {
  const { [key]: _key, ...rest } = values;
  return rest;
}
