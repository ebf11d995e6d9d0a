import type { Connector, SourceRecord } from '../connectors/connector';
import type { Sql } from '../db/sql';
import { inTransaction } from '../db/sql';
import type { MappingConfig } from '../mapping/mapping-config';
import { ObjectMapper } from '../mapping/object-mapper';
import type { Stream, SyncJob } from './job';
import { describeCondition, failingCondition, planRecord, type PlanEntry } from './plan';
import {
  clearPending, insertAudit, interruptPendingAudit, loadCursor, lockStream, unlockStream, loadPending, loadSynced, saveCursor, savePending,
  saveSynced, settleAudit, type AuditIntent, type SyncedRecord, type Values,
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
  /** Parents fetched by ID because a record pointed at one not synced yet. */
  parentsFetched: number;
  retried: number;
}

export const emptyCounts = (): StreamCounts => ({
  read: 0, reread: 0, skipped: 0, created: 0, updated: 0, unchanged: 0, failed: 0, deferred: 0, rejected: 0, interrupted: 0, parentsFetched: 0, retried: 0,
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
    if (!ctx.dryRun) this.counts.interrupted += await interruptPendingAudit(ctx.sql, job.name, stream.name);
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

function pick(values: Values, fields: string[]): Values {
  return Object.fromEntries(fields.map((f) => [f, values[f] ?? null]));
}

function withoutKey(values: Values, key: string): Values {
  const { [key]: _key, ...rest } = values;
  return rest;
}
