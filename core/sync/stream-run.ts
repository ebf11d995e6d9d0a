import type { SourceRecord } from '../connectors/connector';
import { advanced, compareCursors, lookback, requiredCursorOf } from '../connectors/cursor';
import { PropertyMapper } from '../mapping/object-mapper';
import { checkUnchanged } from './check-unchanged';
import { runDeletes } from './deletes';
import { commitBatch, notSent, pick, sendBatch, type Settled, type Waiting } from './batch-write';
import type { Stream } from './job';
import { emptyCounts, ProblemTally, type ProblemKind } from './outcome';
import { describeCondition, failingCondition, planRecord, type PlanEntry } from './plan';
import { resolveReferences } from './references';
import { REVERSE, runReverse } from './reverse-run';
import type { BatchOptions, Decision, Prepared, RunContext, StreamRun, WriteResults } from './run-context';
import {
  insertAudit,
  interruptPendingAudit,
  loadCursor,
  loadPending,
  loadSynced,
  saveCursor,
  type AuditIntent,
  type SyncedRecord,
  type Values,
} from './store';

export { emptyCounts, type StreamCounts } from './outcome';
export type { Prepared, RunContext } from './run-context';

/**
 * Runs one stream: retries what waits in `sync.pending`, then reads the source since the stream's cursor in batches.
 * Per batch: plan against what was last written, check the records that plan calls unchanged against the target,
 * log each write as an intent, upsert by external ID, then settle the log, the links and the cursor in one
 * transaction. A process killed anywhere re-reads at most one batch, and the upsert by external ID makes sending it
 * again harmless.
 */
export class StreamRunner implements StreamRun {
  readonly counts = emptyCounts();
  /**
   * Records whose latest attempt in this run failed. A record can be tried twice in one run (retried from
   * `sync.pending`, then read again in the look-back window): `failed` counts records, as the last attempt left them.
   */
  private readonly failedIds = new Set<string>();
  readonly problems = new ProblemTally();
  readonly mapper: PropertyMapper;
  readonly allowBlank: boolean;
  private comparable: Promise<string[]> | undefined;

  constructor(
    readonly ctx: RunContext,
    readonly stream: Stream,
    readonly runners: Map<string, StreamRun>,
  ) {
    this.mapper = new PropertyMapper(stream.properties, { ...ctx.job.transformDefaults, valueMaps: ctx.job.valueMaps });
    this.allowBlank = ctx.job.conflicts?.allowBlank ?? false;
  }

  /** Source fields this stream needs: mapped ones, references and filter fields (HubSpot returns only those asked). */
  get sourceFields(): string[] {
    const s = this.stream;
    return [
      ...new Set([
        ...this.mapper.sourceColumns,
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
      // A deletion left pending by a killed process is read again (its cursor did not move) and sent again.
    }
    // Two-way: the target's edits first, so conflicts are settled by the rules before the forward pass would
    // overwrite them; the forward pass then finds those records agreed and writes nothing for them.
    if (job.direction === 'two-way') await runReverse(this);
    // Deletions before creates and updates: a run the mass-delete guard stops writes nothing at all.
    await runDeletes(this);
    const waiting = await loadPending(ctx.sql, job.name, stream.name, job.maxAttempts, 10_000);
    this.counts.retried += waiting.length;
    for (let i = 0; i < waiting.length; i += job.batchSize)
      await this.processBatch(
        waiting.slice(i, i + job.batchSize).map((w) => w.record),
        { retry: true },
      );
    await this.readSource();
  }

  /**
   * Reads the source from a little before the cursor: Salesforce and Pipedrive stamp changes to the second, so a
   * record changed in the cursor's own second but with a smaller ID would be skipped by `modified|id` alone (and a
   * change committed late can carry an earlier stamp). Records read again compare equal to what was written and cost
   * no write. A full run reads everything again, and counts it as read.
   */
  private async readSource(): Promise<void> {
    const { ctx, stream } = this;
    const { job } = ctx;
    const stored = await loadCursor(ctx.sql, job.name, stream.name);
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

  /** Plans and (unless dry) writes a batch. */
  async processBatch(records: SourceRecord[], options: BatchOptions): Promise<void> {
    const { ctx, stream } = this;
    const synced = await loadSynced(
      ctx.sql,
      ctx.job.name,
      stream.name,
      records.map((r) => r.id),
    );
    const { skipped, candidates } = this.triage(records, synced, options);
    const { prepared, rejected } = this.prepare(candidates);
    const deferred = await resolveReferences(this, prepared);
    const decisions: Decision[] = prepared
      .filter((p) => !deferred.has(p.record.id))
      .map((p) => ({
        p,
        before: synced.get(p.record.id),
        plan: planRecord(p.desired, synced.get(p.record.id), this.allowBlank),
      }));
    await checkUnchanged(this, decisions, options.reread);
    const { intents, sends, unchanged } = this.decide(decisions);
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

    const intentIds = await insertAudit(ctx.sql, ctx.runId, ctx.job.name, stream.name, intents);
    const results = await sendBatch(this, sends);
    const { settled, links, failed } = this.settle(sends, results, intentIds);
    this.counts.deferred += deferred.size;
    this.counts.rejected += rejected.length;
    await commitBatch(this, {
      settled,
      notSent: [
        ...rejected.map((r) => notSent(r.record.id, 'reject', r.reason)),
        ...[...deferred].map(([id, reason]) => notSent(id, 'defer', reason)),
      ],
      links,
      waiting: [
        ...failed,
        ...rejected,
        ...[...deferred].map(([id, reason]) => ({ record: prepared.find((p) => p.record.id === id)!.record, reason })),
      ],
      settledIds: [...links.map((l) => l.sourceId), ...unchanged, ...skipped],
      ...(options.cursor ? { cursor: options.cursor } : {}),
    });
    ctx.onBatch?.(stream.name, this.counts);
  }

  /** Sets aside the records the stream's filter or scope leaves out; the rest are candidates. */
  private triage(records: SourceRecord[], synced: Map<string, SyncedRecord>, options: BatchOptions) {
    const { stream } = this;
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
    return { skipped, candidates };
  }

  /** Maps each candidate; one whose values the transforms refuse is rejected with every reason. */
  private prepare(candidates: SourceRecord[]): { prepared: Prepared[]; rejected: Waiting[] } {
    const { stream } = this;
    const rejected: Waiting[] = [];
    const prepared: Prepared[] = [];
    for (const record of candidates) {
      const { values, issues } = this.mapper.map(record.properties);
      if (issues.length) {
        const reason = issues
          .map((i) => `field ${i.field} -> ${i.property}: ${i.reason} (value ${JSON.stringify(i.value)})`)
          .join('; ');
        rejected.push({ record, reason: `${stream.source.object} ${record.id}: ${reason}` });
      } else {
        prepared.push({ record, desired: { ...values, [stream.target.key]: record.id } });
      }
    }
    return { prepared, rejected };
  }

  /** Notes each decision in the plan and turns the ones that send something into audit intents. */
  private decide(decisions: Decision[]) {
    const intents: AuditIntent[] = [];
    const sends: Decision[] = [];
    const unchanged: string[] = [];
    for (const d of decisions) {
      const { p, before, plan } = d;
      this.note({
        stream: this.stream.name,
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
    return { intents, sends, unchanged };
  }

  /** What each send came to: its audit line settled, its link written, or its failure kept for another attempt. */
  private settle(sends: Decision[], results: WriteResults, intentIds: string[]) {
    const settled: Settled[] = [];
    const links: SyncedRecord[] = [];
    const failed: Waiting[] = [];
    sends.forEach((s, i) => {
      const result = results.get(s.p.record.id);
      const id = intentIds[i]!;
      if (!result || result.status === 'failed') {
        const reason = `${this.stream.target.object} ${s.p.record.id}: ${result?.error ?? 'the target returned no result for this record'}`;
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
    return { settled, links, failed };
  }

  private tallyWritten(d: Decision, status: 'created' | 'updated' | 'unchanged'): void {
    this.counts[status]++;
    // Created although linked: the target had lost it (found by the check, or by an update answered `created`).
    if (status === 'created' && (d.recreate || d.before)) this.counts.recreated++;
    if (d.repair && status === 'updated') this.counts.repaired++;
  }

  async write(inputs: Array<{ key: string; properties: Values }>): Promise<WriteResults> {
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
      notSent(sourceId, 'reject', reason),
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
