import type { Connector, SourceRecord } from '../connectors/connector';
import { advanced, compareCursors, lookback, requiredCursorOf } from '../connectors/cursor';
import type { Sql } from '../db/sql';
import { inTransaction } from '../db/sql';
import type { MappingConfig } from '../mapping/mapping-config';
import { ObjectMapper } from '../mapping/object-mapper';
import type { Stream, SyncJob } from './job';
import { emptyCounts, ProblemTally, type ProblemKind } from './outcome';
import { describeCondition, failingCondition, planRecord, type PlanEntry, type RecordPlan } from './plan';
import { resolveReferences } from './references';
import { REVERSE, runReverse } from './reverse-run';
import {
  clearPending,
  insertAudit,
  interruptPendingAudit,
  loadCursor,
  loadPending,
  loadSynced,
  saveCursor,
  savePending,
  saveSynced,
  settleAudit,
  type AuditIntent,
  type SyncedRecord,
  type Values,
} from './store';
import { checkTarget } from './verify';

export { emptyCounts, type StreamCounts } from './outcome';

/** What every stream of one run shares. */
export interface RunContext {
  job: SyncJob;
  source: Connector;
  target: Connector;
  runId: string;
  dryRun: boolean;
  /** Read every source record from the beginning (not from the cursor), so every linked record is verified. */
  full: boolean;
  /** The one connection of this stream run: its lock, its transactions. */
  sql: Sql;
  /** Plan lines kept (the rest are counted): a dry run of a million changes must not hold a million lines. */
  planLimit: number;
  plan: PlanEntry[];
  planOmitted: { count: number };
  signal?: AbortSignal;
  onBatch?: (stream: string, counts: ReturnType<typeof emptyCounts>) => void;
}

/** The synthetic mapping config that lets a stream reuse the reconcile mapper (transforms, templates, value maps). */
export function mapperFor(job: SyncJob, stream: Stream): ObjectMapper {
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

export interface Prepared {
  record: SourceRecord;
  desired: Values;
}

/** One record's decision: what is sent, and why when the target (not the source) made it necessary. */
interface Decision {
  p: Prepared;
  before: SyncedRecord | undefined;
  plan: RecordPlan;
  /** The target no longer had the record the engine wrote: it is created again. */
  recreate?: boolean;
  /** The target's values had drifted from what the engine wrote: they are put back. */
  repair?: boolean;
  reason?: string;
}

/**
 * Runs one stream: retries what waits in `sync.pending`, then reads the source since the stream's cursor in batches.
 * Per batch: plan against what was last written, check the records that plan calls unchanged against the target,
 * log each write as an intent, upsert by external ID, then settle the log, the links and the cursor in one
 * transaction. A process killed anywhere re-reads at most one batch, and the upsert by external ID makes sending it
 * again harmless.
 */
export class StreamRunner {
  readonly counts = emptyCounts();
  /**
   * Records whose latest attempt in this run failed. A record can be tried twice in one run (retried from
   * `sync.pending`, then read again in the look-back window): `failed` counts records, as the last attempt left them.
   */
  private readonly failedIds = new Set<string>();
  readonly problems = new ProblemTally();
  readonly mapper: ObjectMapper;
  readonly allowBlank: boolean;
  private comparable: Promise<string[]> | undefined;

  constructor(
    readonly ctx: RunContext,
    readonly stream: Stream,
    readonly runners: Map<string, StreamRunner>,
  ) {
    this.mapper = mapperFor(ctx.job, stream);
    this.allowBlank = ctx.job.conflicts?.allowBlank ?? false;
  }

  /** Source fields this stream needs: mapped ones, references and filter fields (HubSpot returns only those asked). */
  get sourceFields(): string[] {
    const s = this.stream;
    return [
      ...new Set([
        ...this.mapper.legacyColumns.filter((c) => c !== '__id'),
        ...s.references.map((r) => r.from),
        ...s.source.filter.map((c) => c.field),
      ]),
    ];
  }

  /**
   * Mapped target properties that read back as written, so they can be compared with what the engine wrote: not the
   * target's reference fields (a stage written by name reads back as the stage's ID, a person as an ID).
   */
  comparableFields(): Promise<string[]> {
    this.comparable ??= (async () => {
      const schema = await this.ctx.target.describe(this.stream.target.object);
      const references = new Set(schema.fields.filter((f) => f.format === 'reference').map((f) => f.name));
      return this.stream.properties
        .map((p) => p.to)
        .filter((to) => !references.has(to) && to !== this.stream.target.key);
    })();
    return this.comparable;
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
    if (job.direction === 'two-way') await runReverse(this);
    const waiting = await loadPending(ctx.sql, job.name, stream.name, job.maxAttempts, 10_000);
    this.counts.retried += waiting.length;
    for (let i = 0; i < waiting.length; i += job.batchSize)
      await this.processBatch(
        waiting.slice(i, i + job.batchSize).map((w) => w.record),
        { retry: true },
      );

    const stored = await loadCursor(ctx.sql, job.name, stream.name);
    // Read from a little before the cursor: Salesforce and Pipedrive stamp changes to the second, so a record changed
    // in the cursor's own second but with a smaller ID would be skipped by `modified|id` alone (and a change committed
    // late can carry an earlier stamp). Records read again compare equal to what was written and cost no write.
    // A full run reads everything again, and counts it as read.
    const since = stored && !ctx.full ? lookback(stored, job.lookbackSeconds) : undefined;
    const rereadUpTo = ctx.full ? null : stored;
    // A read from the start comes in the source's own order (HubSpot's list endpoint pages by ID), not by modified
    // time, so no batch's last record proves that everything modified before it was read: the cursor moves once, to
    // the newest record seen, when the whole read is through. A run stopped before that starts from the beginning.
    const ordered = since !== undefined;
    let newest: string | null = null;
    let batch: SourceRecord[] = [];
    let again = new Set<string>();
    const flush = async () => {
      await this.processBatch(batch, {
        ...(ordered ? { cursor: advanced(stored, requiredCursorOf(batch.at(-1)!)) } : {}),
        reread: again,
      });
      batch = [];
      again = new Set();
    };
    for await (const item of ctx.source.read(stream.source.object, {
      ...(since ? { since } : {}),
      properties: this.sourceFields,
      ...(ctx.signal ? { signal: ctx.signal } : {}),
    })) {
      if (item.type === 'rejected') {
        await this.recordReadRejection(
          item.rejection.recordId ?? `line ${item.rejection.line ?? '?'}`,
          `${item.rejection.field ? `${item.rejection.field}: ` : ''}${item.rejection.reason}`,
        );
        continue;
      }
      if (rereadUpTo && compareCursors(requiredCursorOf(item.record), rereadUpTo) <= 0) {
        this.counts.reread++;
        again.add(item.record.id);
      } else this.counts.read++;
      if (!ordered) {
        const cursor = requiredCursorOf(item.record);
        if (!newest || compareCursors(cursor, newest) > 0) newest = cursor;
      }
      batch.push(item.record);
      if (batch.length >= job.batchSize) await flush();
    }
    if (batch.length) await flush();
    if (newest && !ctx.dryRun) await saveCursor(ctx.sql, job.name, stream.name, advanced(stored, newest));
  }

  /**
   * Plans and (unless dry) writes a batch. `cursor`: where the stream resumes once it is committed. `forced`: records
   * fetched because another stream points at them, synced even when the stream only syncs referenced records.
   */
  async processBatch(
    records: SourceRecord[],
    options: { cursor?: string; forced?: boolean; retry?: boolean; reread?: Set<string> },
  ): Promise<void> {
    const { ctx, stream } = this;
    const job = ctx.job;
    const key = stream.target.key;
    const synced = await loadSynced(
      ctx.sql,
      job.name,
      stream.name,
      records.map((r) => r.id),
    );

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
      else if (stream.source.scope === 'referenced' && !options.forced && !synced.has(r.id))
        skip(r.id, 'not referenced by any synced record');
      else candidates.push(r);
    }

    const rejected: Array<{ record: SourceRecord; reason: string }> = [];
    const prepared: Prepared[] = [];
    for (const record of candidates) {
      const { values, issues } = this.mapper.map({ ...record.properties, __id: record.id });
      if (issues.length) {
        const reason = issues
          .map((i) => `field ${i.field} -> ${i.property}: ${i.reason} (value ${JSON.stringify(i.value)})`)
          .join('; ');
        rejected.push({ record, reason: `${stream.source.object} ${record.id}: ${reason}` });
      } else {
        prepared.push({ record, desired: { ...values, [key]: record.id } });
      }
    }

    const deferred = await resolveReferences(this, prepared);
    const decisions: Decision[] = prepared
      .filter((p) => !deferred.has(p.record.id))
      .map((p) => ({
        p,
        before: synced.get(p.record.id),
        plan: planRecord(p.desired, synced.get(p.record.id), this.allowBlank),
      }));
    await this.checkUnchanged(decisions, options.reread);

    const intents: AuditIntent[] = [];
    const sends: Decision[] = [];
    const unchanged: string[] = [];
    for (const d of decisions) {
      const { p, before, plan } = d;
      this.note({
        stream: stream.name,
        sourceId: p.record.id,
        action: plan.action,
        targetKey: p.record.id,
        targetId: before?.targetId ?? null,
        changes: plan.changes,
        ...(d.reason ? { reason: d.reason } : {}),
      });
      if (plan.action === 'unchanged') {
        unchanged.push(p.record.id);
        continue;
      }
      sends.push(d);
      intents.push({
        sourceId: p.record.id,
        targetKey: p.record.id,
        targetId: before?.targetId ?? null,
        action: plan.action,
        before: before ? pick(before.written, Object.keys(plan.send)) : null,
        after: plan.send,
        result: 'pending',
      });
    }
    for (const [id, reason] of deferred) {
      this.note({ stream: stream.name, sourceId: id, action: 'defer', reason });
      this.problem('deferred', reason, id);
    }
    for (const r of rejected) {
      this.note({ stream: stream.name, sourceId: r.record.id, action: 'reject', reason: r.reason });
      this.problem('rejected', r.reason, r.record.id);
    }
    this.counts.unchanged += unchanged.length;

    if (ctx.dryRun) {
      this.counts.deferred += deferred.size;
      this.counts.rejected += rejected.length;
      for (const s of sends) this.tallyWritten(s, s.plan.action === 'create' ? 'created' : 'updated');
      return;
    }

    const intentIds = await insertAudit(ctx.sql, ctx.runId, job.name, stream.name, intents);
    const results = sends.length
      ? await this.write(sends.map((s) => ({ key: s.p.record.id, properties: withoutKey(s.plan.send, key) })))
      : new Map();
    // An update that the target answered with `created` (or refused, e.g. "title is required") may have gone to a
    // record that is no longer there: deleted, or a target restored from an older copy. Only the changed fields would
    // then make it, so such records are sent once more, whole; a refusal of the whole record stands.
    const whole = sends.filter(
      (s) =>
        s.plan.action === 'update' && ['created', 'failed'].includes(results.get(s.p.record.id)?.status ?? 'failed'),
    );
    if (whole.length) {
      for (const s of whole)
        s.plan.send = Object.fromEntries(Object.entries(s.p.desired).filter(([, v]) => v !== null));
      const again = await this.write(
        whole.map((s) => ({ key: s.p.record.id, properties: withoutKey(s.plan.send, key) })),
      );
      for (const s of whole) {
        const previous = results.get(s.p.record.id);
        const r = again.get(s.p.record.id);
        if (r && (r.status === 'failed' || previous?.status === 'failed'))
          results.set(s.p.record.id, previous?.status === 'created' && r.status !== 'failed' ? previous : r);
      }
    }

    const settled: Array<{
      id: string;
      result: AuditIntent['result'];
      targetId?: string | null;
      error?: string | null;
    }> = [];
    const links: SyncedRecord[] = [];
    const failed: Array<{ record: SourceRecord; reason: string }> = [];
    sends.forEach((s, i) => {
      const result = results.get(s.p.record.id);
      const id = intentIds[i]!;
      if (!result || result.status === 'failed') {
        const reason = `${stream.target.object} ${s.p.record.id}: ${result?.error ?? 'the target returned no result for this record'}`;
        settled.push({ id, result: 'failed', error: reason });
        failed.push({ record: s.p.record, reason });
        this.problem('failed', reason, s.p.record.id);
        return;
      }
      if (this.failedIds.delete(s.p.record.id)) this.counts.failed--;
      settled.push({ id, result: result.status, targetId: result.id ?? null });
      this.tallyWritten(
        s,
        result.status === 'created' ? 'created' : result.status === 'updated' ? 'updated' : 'unchanged',
      );
      links.push({
        sourceId: s.p.record.id,
        targetId: result.id ?? s.before?.targetId ?? null,
        targetKey: s.p.record.id,
        written: { ...(s.before?.written ?? {}), ...s.plan.send },
        ...(s.p.record.modifiedAt ? { sourceModifiedAt: s.p.record.modifiedAt } : {}),
      });
    });
    for (const f of failed) {
      if (this.failedIds.has(f.record.id)) continue;
      this.failedIds.add(f.record.id);
      this.counts.failed++;
    }
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
        ...rejected.map((r): AuditIntent => ({
          sourceId: r.record.id,
          targetKey: r.record.id,
          targetId: null,
          action: 'reject',
          before: null,
          after: null,
          result: 'rejected',
          error: r.reason,
        })),
        ...[...deferred].map(([id, reason]): AuditIntent => ({
          sourceId: id,
          targetKey: id,
          targetId: null,
          action: 'defer',
          before: null,
          after: null,
          result: 'deferred',
          error: reason,
        })),
      ]);
      await saveSynced(ctx.sql, job.name, stream.name, links);
      await savePending(ctx.sql, job.name, stream.name, waiting);
      await clearPending(ctx.sql, job.name, stream.name, settledIds);
      if (options.cursor) await saveCursor(ctx.sql, job.name, stream.name, options.cursor);
    });
    ctx.onBatch?.(stream.name, this.counts);
  }

  /**
   * "Unchanged" rests on the engine's memory of what it wrote (`sync.records`), which a target restored, wiped or
   * edited by hand no longer matches. The records the plan calls unchanged are read back from the target in one
   * batched read: one the target no longer has is created again, whole; one whose values drifted gets them back.
   * A record read again from the look-back window in the very version the engine last wrote was settled by a run
   * seconds ago: checking it would cost a target read on every run (each webhook), so it is left to `--full`.
   */
  private async checkUnchanged(decisions: Decision[], reread: Set<string> | undefined): Promise<void> {
    const seenBefore = (d: Decision) =>
      reread?.has(d.p.record.id) && sameInstant(d.before?.sourceModifiedAt, d.p.record.modifiedAt);
    const linked = decisions.filter((d) => d.plan.action === 'unchanged' && d.before?.targetId && !seenBefore(d));
    if (linked.length === 0) return;
    const { mapper } = this;
    const object = this.stream.target.object;
    const check = await checkTarget(
      linked.map((d) => d.before!),
      {
        target: this.ctx.target,
        object,
        fields: await this.comparableFields(),
        same: (field, written, now) => mapper.sameValue(field, written, mapper.normaliseTarget(field, now)),
        ...(this.ctx.signal ? { signal: this.ctx.signal } : {}),
      },
    );
    if (!check) return;
    for (const d of linked) {
      const id = d.p.record.id;
      const gone = d.before!.targetId;
      if (check.missing.has(id)) {
        const send = Object.fromEntries(Object.entries(d.p.desired).filter(([, v]) => v !== null));
        d.plan = {
          action: 'create',
          send,
          changes: Object.entries(send).map(([field, value]) => ({ field, new: value })),
        };
        d.recreate = true;
        d.reason = `the target no longer has ${object} ${gone}, which this job wrote: created again`;
        continue;
      }
      const drift = check.drifted.get(id);
      // A field the source left blank is not put back (blanks never overwrite unless the job allows it).
      const back = drift ? Object.keys(drift).filter((f) => (d.p.desired[f] ?? null) !== null || this.allowBlank) : [];
      if (drift && back.length) {
        d.plan = {
          action: 'update',
          send: Object.fromEntries(back.map((f) => [f, d.p.desired[f] ?? null])),
          changes: back.map((f) => ({ field: f, old: drift[f] ?? null, new: d.p.desired[f] ?? null })),
        };
        d.repair = true;
        d.reason = `${object} ${gone} was changed in the target since this job wrote it: its values are put back`;
      } else if (check.confirmed.has(id)) this.counts.verified++;
    }
  }

  private tallyWritten(d: Decision, status: 'created' | 'updated' | 'unchanged'): void {
    this.counts[status]++;
    // Created although linked: the target had lost it (found by the check, or by an update answered `created`).
    if (status === 'created' && (d.recreate || d.before)) this.counts.recreated++;
    if (d.repair && status === 'updated') this.counts.repaired++;
  }

  async write(inputs: Array<{ key: string; properties: Values }>) {
    const upsert = this.ctx.target.upsert?.bind(this.ctx.target);
    if (!upsert) throw new Error(`The ${this.ctx.target.system} connector cannot write records`);
    // Only records that differ from what the engine last wrote get here: a read-before-write would be wasted.
    const results = await upsert(this.stream.target.object, inputs, {
      keyProperty: this.stream.target.key,
      detectUnchanged: false,
    });
    return new Map(results.map((r) => [r.key, r]));
  }

  private async recordReadRejection(sourceId: string, reason: string): Promise<void> {
    this.counts.rejected++;
    this.problem('rejected', reason, sourceId);
    this.note({ stream: this.stream.name, sourceId, action: 'reject', reason });
    if (this.ctx.dryRun) return;
    await insertAudit(this.ctx.sql, this.ctx.runId, this.ctx.job.name, this.stream.name, [
      {
        sourceId,
        targetKey: sourceId,
        targetId: null,
        action: 'reject',
        before: null,
        after: null,
        result: 'rejected',
        error: reason,
      },
    ]);
  }

  private problem(kind: ProblemKind, reason: string, sourceId: string): void {
    this.problems.add(kind, reason, sourceId);
  }

  note(entry: PlanEntry): void {
    if (this.ctx.plan.length < this.ctx.planLimit) this.ctx.plan.push(entry);
    else this.ctx.planOmitted.count++;
  }
}

function sameInstant(a: string | null | undefined, b: string | undefined): boolean {
  return !!a && !!b && Date.parse(a) === Date.parse(b);
}

function pick(values: Values, fields: string[]): Values {
  return Object.fromEntries(fields.map((f) => [f, values[f] ?? null]));
}

function withoutKey(values: Values, key: string): Values {
  const { [key]: _key, ...rest } = values;
  return rest;
}
