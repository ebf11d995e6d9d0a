import type { UpsertInput } from '../connectors/connector';
import type { Sql } from '../db/sql';
import type { Value } from '../connectors/connector';
import { sentBefore, settle, writePending, type AuditEntry, type Settlement } from './audit';
import type { ParentLink } from './parents';
import type { PlannedWrite } from './plan';
import type { ApplyCounts } from './schemas';
import type { ApplyTarget } from './target';

/** What the writer shares with its run: where it audits, what it writes to, and where outcomes are counted. */
export interface WriterContext {
  sql: Sql;
  runId: string;
  /** The mapping's object (the staging table and the audit's object). */
  object: string;
  target: ApplyTarget;
  /** The CRM object written (the mapping's target table). */
  hubspotObject: string;
  /** The unique legacy-ID property creates are upserted by. */
  keyProperty: string;
  links: ParentLink[];
  counts: ApplyCounts;
  fail(legacyId: string, action: string, error: string): void;
}

/** Sends a page of planned writes to the CRM, each step audited before it is sent and settled after. */
export class ApplyWriter {
  constructor(private readonly c: WriterContext) {}

  /** Writes one page of the plan: associations, then unlinks, legacy-ID stamps and upserts. */
  async write(planned: PlannedWrite[]): Promise<void> {
    let writes = planned;
    if (writes.length === 0) return;
    await this.associate(writes.filter((w) => w.kind === 'associate'));
    writes = writes.filter((w) => w.kind !== 'associate');
    if (writes.length === 0) return;
    const again = await sentBefore(
      this.c.sql,
      this.c.object,
      writes.map((w) => w.legacyId),
    );
    await this.unlink(writes, again);
    const stamped = await this.stamp(
      writes.filter((w) => w.kind === 'link' || w.kind === 'survivor'),
      again,
    );
    const ready = writes.filter((w) => (w.kind !== 'link' && w.kind !== 'survivor') || stamped.has(w.legacyId));
    const sendable = ready.filter(
      (w) => Object.keys(w.properties).length > 0 || Object.keys(w.parents).length > 0 || w.kind === 'create',
    );
    // Records sent before are read back first (the CRM may hold them already); the others are known to differ.
    await this.upsert(
      sendable.filter((w) => !again.has(w.legacyId)),
      false,
    );
    await this.upsert(
      sendable.filter((w) => again.has(w.legacyId)),
      true,
    );
  }

  /** Records in agreement associated with the parents apply made for them; only missing associations are written. */
  private async associate(writes: PlannedWrite[]): Promise<void> {
    for (const link of this.c.links) {
      const some = writes.filter((w) => link.object in w.parents);
      if (some.length === 0) continue;
      const results = await this.audited(
        some.map((w) => ({
          legacyId: w.legacyId,
          action: 'associate' as const,
          targetId: w.targetId,
          before: null,
          after: { [`associate:${link.object}`]: w.parents[link.object]! },
        })),
        () =>
          this.c.target.associateByIds(
            this.c.hubspotObject,
            some.map((w) => ({ id: w.targetId!, parentKey: w.parents[link.object]! })),
            link.association,
          ),
        (r) => ({ result: r.status, error: r.error }),
      );
      results.forEach((r, i) => {
        if (r.status === 'failed')
          this.c.fail(some[i]!.legacyId, `associate with ${link.object}`, r.error ?? 'refused');
        else if (r.status === 'created') this.c.counts.associated++;
      });
    }
  }

  /** The legacy-ID values records already carry, by record ID (to skip writes an earlier run made). */
  private async carried(ids: string[]): Promise<Map<string, Value>> {
    const out = new Map<string, Value>();
    if (ids.length === 0) return out;
    for await (const item of this.c.target.readByIds(this.c.hubspotObject, ids, { properties: [this.c.keyProperty] })) {
      if (item.type === 'record') out.set(item.record.id, item.record.properties[this.c.keyProperty] ?? null);
    }
    return out;
  }

  /** The other records of a settled conflict lose the legacy ID, so only the survivor answers to it. */
  private async unlink(writes: PlannedWrite[], again: Set<string>): Promise<void> {
    let pairs = writes.flatMap((w) => w.unlink.map((id) => ({ legacyId: w.legacyId, id })));
    if (pairs.length === 0) return;
    const maybeDone = pairs.filter((p) => again.has(p.legacyId));
    if (maybeDone.length) {
      const now = await this.carried(maybeDone.map((p) => p.id));
      pairs = pairs.filter((p) => !again.has(p.legacyId) || now.get(p.id) === p.legacyId);
    }
    const results = await this.audited(
      pairs.map((p) => ({
        legacyId: p.legacyId,
        action: 'update' as const,
        targetId: p.id,
        before: { [this.c.keyProperty]: p.legacyId },
        after: { [this.c.keyProperty]: null },
      })),
      () =>
        this.c.target.updateByIds(
          this.c.hubspotObject,
          pairs.map((p) => ({ id: p.id, properties: { [this.c.keyProperty]: null } })),
        ),
      (r) => ({ result: r.status, error: r.error }),
    );
    results.forEach((r, i) => {
      if (r.status === 'failed') this.c.fail(pairs[i]!.legacyId, `unlink ${pairs[i]!.id}`, r.error ?? 'refused');
      else this.c.counts.unlinked++;
    });
  }

  /** Writes the legacy ID onto approved fuzzy matches and chosen survivors; returns the legacy IDs now carried. */
  private async stamp(writes: PlannedWrite[], again: Set<string>): Promise<Set<string>> {
    const done = new Set<string>();
    if (writes.length === 0) return done;
    const maybeDone = writes.filter((w) => again.has(w.legacyId));
    const now = await this.carried(maybeDone.map((w) => w.targetId!));
    const todo = writes.filter((w) => {
      if (now.get(w.targetId!) !== w.legacyId) return true;
      done.add(w.legacyId);
      return false;
    });
    const results = await this.audited(
      todo.map((w) => ({
        legacyId: w.legacyId,
        action: 'link' as const,
        targetId: w.targetId,
        before: { [this.c.keyProperty]: null },
        after: { [this.c.keyProperty]: w.legacyId },
      })),
      () =>
        this.c.target.updateByIds(
          this.c.hubspotObject,
          todo.map((w) => ({ id: w.targetId!, properties: { [this.c.keyProperty]: w.legacyId } })),
        ),
      (r) => ({ result: r.status, error: r.error }),
    );
    results.forEach((r, i) => {
      const w = todo[i]!;
      if (r.status === 'failed') this.c.fail(w.legacyId, `link to ${w.targetId}`, r.error ?? 'refused');
      else done.add(w.legacyId);
    });
    return done;
  }

  private async upsert(writes: PlannedWrite[], readBack: boolean): Promise<void> {
    if (writes.length === 0) return;
    const associations = this.c.links
      .filter((l) => writes.some((w) => l.object in w.parents))
      .map((l) => l.association);
    const inputs: UpsertInput[] = writes.map((w) => ({
      key: w.legacyId,
      properties: {
        ...w.properties,
        ...Object.fromEntries(
          this.c.links.filter((l) => l.object in w.parents).map((l) => [l.association.keyFrom, w.parents[l.object]!]),
        ),
      },
    }));
    const results = await this.audited(
      writes.map((w) => ({
        legacyId: w.legacyId,
        action: w.kind === 'create' ? ('create' as const) : ('update' as const),
        targetId: w.targetId,
        before: w.before,
        after: {
          ...w.properties,
          ...Object.fromEntries(Object.entries(w.parents).map(([o, k]) => [`associate:${o}`, k])),
        },
      })),
      () =>
        this.c.target.upsert(this.c.hubspotObject, inputs, {
          keyProperty: this.c.keyProperty,
          detectUnchanged: readBack,
          associations,
        }),
      (r) => ({ result: r.status, targetId: r.id ?? null, error: r.error }),
    );
    results.forEach((r, i) => {
      const w = writes[i]!;
      if (r.status === 'failed') return this.c.fail(w.legacyId, w.kind, r.error ?? 'refused');
      this.c.counts[r.status]++;
    });
  }

  /**
   * Audit first, then write, then settle: the rows exist as `pending` before anything is sent, so a run killed in
   * between leaves a trace the next run resolves. Results come back in input order.
   */
  private async audited<R>(
    entries: AuditEntry[],
    send: () => Promise<R[]>,
    settlement: (r: R) => Omit<Settlement, 'id'>,
  ): Promise<R[]> {
    if (entries.length === 0) return [];
    const ids = await writePending(this.c.sql, this.c.runId, this.c.object, entries);
    const results = await send();
    await settle(
      this.c.sql,
      results.map((r, i) => ({ id: ids[i]!, ...settlement(r) })),
    );
    return results;
  }
}
