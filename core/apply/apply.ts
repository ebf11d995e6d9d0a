import { randomUUID } from 'node:crypto';
import os from 'node:os';
import type { Database } from '../db/database';
import { type Sql, withAdvisoryLock } from '../db/sql';
import { InputError, UsageError } from '../errors';
import type { LoadedMapping } from '../mapping/load-mapping';
import { ObjectMapper } from '../mapping/object-mapper';
import { interruptPending } from './audit';
import { parentLinks } from './parents';
import { planPages, type PlannedWrite, type PlanPage } from './plan';
import { ApplyInputSchema, type ApplyCounts, type ApplyInput, type ApplyReport, type PlanLine } from './schemas';
import type { ApplyTarget } from './target';
import { ApplyWriter } from './writer';

// The CRM apply writes to is declared beside the writer that uses it; callers keep importing it from here.
export type { ApplyTarget } from './target';

export interface ApplyOptions extends ApplyInput {
  mapping: LoadedMapping;
  target: ApplyTarget;
  signal?: AbortSignal;
  onProgress?(done: number): void;
}

/** Rows planned at a time: enough writes per page that the CRM's rate limit, not the database, sets the pace. */
const PAGE_SIZE = 2000;
const MAX_FAILURES_LISTED = 100;

const emptyCounts = (): ApplyCounts => ({
  creates: 0,
  updates: 0,
  links: 0,
  survivors: 0,
  associations: 0,
  heldBack: 0,
  inAgreement: 0,
  orphans: 0,
  quarantined: 0,
  created: 0,
  updated: 0,
  unchanged: 0,
  unlinked: 0,
  associated: 0,
  failed: 0,
});

/**
 * Sends what reconcile staged (and a person decided) to the CRM: creates by upsert on the unique legacy-ID property,
 * so a retry after a lost answer cannot make a twin; updates of the properties that differ; approved fuzzy matches
 * linked by writing the legacy ID onto the record first; settled conflicts. Each write is in `staging.apply_audit`
 * (pending before it is sent, settled after), refusals are kept with the CRM's reason and retried next run, and a
 * record an earlier run sent is read back before it is written again, so a second apply writes nothing.
 */
export async function applyStaging(db: Database, options: ApplyOptions): Promise<ApplyReport> {
  const input = ApplyInputSchema.parse({
    object: options.object,
    dryRun: options.dryRun,
    limit: options.limit,
    planLimit: options.planLimit,
  });
  const { mapping, target } = options;
  if (!mapping.config.objects[input.object]) {
    throw new UsageError(
      `Object "${input.object}" is not in the mapping (it has: ${Object.keys(mapping.config.objects).join(', ')})`,
    );
  }
  return db.withConnection(async (sql) => {
    const staged = await sql.query(
      'SELECT 1 FROM information_schema.tables WHERE table_schema = $1 AND table_name = $2',
      ['staging', input.object],
    );
    if (staged.rows.length === 0)
      throw new InputError(
        `${input.object} has not been reconciled yet: run crm-bridge reconcile --object ${input.object} first`,
      );
    return withAdvisoryLock(sql, `crm-bridge:apply:${input.object}`, () =>
      new ApplyRun(sql, mapping, target, input, options).run(),
    );
  });
}

class ApplyRun {
  private readonly runId = randomUUID();
  private readonly started = Date.now();
  private readonly counts = emptyCounts();
  private readonly failures: ApplyReport['failures'] = [];
  private readonly heldBackReasons: Record<string, number> = {};
  private readonly plan: PlanLine[] = [];
  private planOmitted = 0;
  private written = 0;
  private stoppedAtLimit = false;
  private readonly mapper: ObjectMapper;
  private readonly hubspotObject: string;
  private readonly keyProperty: string;
  private readonly writer: ApplyWriter;

  constructor(
    private readonly sql: Sql,
    private readonly mapping: LoadedMapping,
    private readonly target: ApplyTarget,
    private readonly input: ReturnType<typeof ApplyInputSchema.parse>,
    private readonly options: Pick<ApplyOptions, 'signal' | 'onProgress'>,
  ) {
    this.mapper = new ObjectMapper(mapping.config, input.object);
    this.hubspotObject = this.mapper.spec.target.table;
    this.keyProperty = this.mapper.spec.target.legacyIdColumn;
    this.writer = new ApplyWriter({
      sql,
      runId: this.runId,
      object: input.object,
      target,
      hubspotObject: this.hubspotObject,
      keyProperty: this.keyProperty,
      links: parentLinks(mapping.config, input.object),
      counts: this.counts,
      fail: (legacyId, action, error) => this.fail(legacyId, action, error),
    });
  }

  async run(): Promise<ApplyReport> {
    const { object, dryRun } = this.input;
    await this.checkTarget();
    // A plan writes nothing anywhere, not even a log row. A run first closes what a killed run left behind: it holds
    // the object's lock, so any run still marked running is dead.
    if (!dryRun) {
      await this.sql.query(
        `UPDATE staging.apply_runs SET status = 'interrupted', finished_at = now() WHERE object = $1 AND status = 'running'`,
        [object],
      );
      await interruptPending(this.sql, object);
      await this.sql.query(
        `INSERT INTO staging.apply_runs (run_id, object, target, dry_run, status, owner) VALUES ($1, $2, $3, false, 'running', $4)`,
        [this.runId, object, this.target.system, JSON.stringify({ pid: process.pid, host: os.hostname() })],
      );
    }
    try {
      this.counts.quarantined = await this.quarantined();
      // One page is written while the next is planned, so the database's work hides in the waits the CRM's rate
      // limit imposes instead of adding to them.
      let writing: Promise<void> = Promise.resolve();
      try {
        for await (const page of planPages(this.sql, this.mapping, object, PAGE_SIZE)) {
          this.options.signal?.throwIfAborted();
          this.tally(page);
          const writes = this.withinLimit(page.writes);
          if (dryRun) this.describe(page, writes);
          else {
            await writing;
            this.written += writes.length;
            writing = this.writer.write(writes).then(() => this.options.onProgress?.(this.written));
          }
          if (this.stoppedAtLimit) break;
        }
      } finally {
        await writing;
      }
    } catch (error) {
      await this.finish('failed', (error as Error).message);
      throw error;
    }
    const status =
      this.counts.failed === 0
        ? 'succeeded'
        : this.counts.created + this.counts.updated + this.counts.unchanged > 0
          ? 'partial'
          : 'failed';
    await this.finish(status, null);
    return {
      runId: this.runId,
      object,
      target: this.target.system,
      dryRun,
      status,
      counts: this.counts,
      failures: this.failures,
      heldBackReasons: this.heldBackReasons,
      plan: this.plan,
      planOmitted: this.planOmitted,
      stoppedAtLimit: this.stoppedAtLimit,
      durationMs: Date.now() - this.started,
    };
  }

  /** Every property apply may write must exist in the CRM and be writable, and the legacy-ID property be unique. */
  private async checkTarget(): Promise<void> {
    const schema = await this.target.describe(this.hubspotObject);
    const fields = new Map(schema.fields.map((f) => [f.name, f]));
    const problems: string[] = [];
    for (const property of new Set([this.keyProperty, ...this.mapper.targetProperties])) {
      const field = fields.get(property);
      if (!field) problems.push(`${property}: no such property on ${this.target.system} ${this.hubspotObject}`);
      else if (field.readOnly) problems.push(`${property}: read-only on ${this.target.system} ${this.hubspotObject}`);
    }
    const key = fields.get(this.keyProperty);
    if (key && !key.unique)
      problems.push(
        `${this.keyProperty}: not a unique property on ${this.target.system}, so creates by it could make twins (make it unique first)`,
      );
    if (problems.length) {
      throw new InputError(
        `Cannot apply ${this.input.object} to ${this.target.system} ${this.hubspotObject}: ${problems.join('; ')}`,
      );
    }
  }

  private async quarantined(): Promise<number> {
    const { rows } = await this.sql.query<{ quarantined: number }>(
      `SELECT quarantined FROM staging.reconciliation_log WHERE object = $1 AND status = 'succeeded' ORDER BY finished_at DESC LIMIT 1`,
      [this.input.object],
    );
    return rows[0]?.quarantined ?? 0;
  }

  private tally(page: PlanPage): void {
    this.counts.inAgreement += page.inAgreement;
    this.counts.orphans += page.orphans;
    this.counts.heldBack += page.held.length;
    for (const h of page.held) {
      const kind = h.reason.replace(/[:(].*$/, '').trim() || h.status;
      this.heldBackReasons[kind] = (this.heldBackReasons[kind] ?? 0) + 1;
    }
    for (const w of page.writes) {
      const key = (
        {
          create: 'creates',
          update: 'updates',
          link: 'links',
          survivor: 'survivors',
          associate: 'associations',
        } as const
      )[w.kind];
      this.counts[key]++;
    }
  }

  private withinLimit(writes: PlannedWrite[]): PlannedWrite[] {
    const { limit } = this.input;
    if (limit === undefined) return writes;
    const room = Math.max(0, limit - this.written);
    if (writes.length > room) this.stoppedAtLimit = true;
    return writes.slice(0, room);
  }

  private describe(page: PlanPage, writes: PlannedWrite[]): void {
    this.written += writes.length;
    const lines: PlanLine[] = [
      ...writes.map((w) => ({
        legacyId: w.legacyId,
        action: w.kind,
        targetId: w.targetId,
        changes: Object.entries(w.properties).map(([property, value]) => ({
          property,
          ...(w.before ? { old: w.before[property] ?? null } : {}),
          new: value,
        })),
        associate: w.parents,
        unlink: w.unlink,
      })),
      ...page.held.map((h) => ({
        legacyId: h.legacyId,
        action: 'held' as const,
        targetId: null,
        changes: [],
        associate: {},
        unlink: [],
        reason: h.reason,
      })),
    ];
    const room = Math.max(0, this.input.planLimit - this.plan.length);
    this.plan.push(...lines.slice(0, room));
    this.planOmitted += Math.max(0, lines.length - room);
  }

  private fail(legacyId: string, action: string, error: string): void {
    this.counts.failed++;
    if (this.failures.length < MAX_FAILURES_LISTED) this.failures.push({ legacyId, action, error });
  }

  private async finish(status: 'succeeded' | 'partial' | 'failed', error: string | null): Promise<void> {
    if (this.input.dryRun) return;
    await this.sql.query(
      `UPDATE staging.apply_runs SET status = $2, finished_at = now(), counts = $3::jsonb, error = $4 WHERE run_id = $1`,
      [this.runId, status, JSON.stringify(this.counts), error?.slice(0, 4000) ?? null],
    );
  }
}
