import type { ObjectSchema, ReadItem, ReadOptions, UpsertInput } from '../../connector';
import type { AssociationContext } from '../associations';
import type { IdUpdate, IdUpdateResult } from '../by-id';
import type { HubSpotUpsertOptions } from '../upsert-options';
import { mergeByModified } from './merge';
import { unifiedSchema, type UnifiedSchema } from './schema';
import { toNative, toUnified } from './translate';
import {
  ENGAGEMENT_TYPES,
  MEETING_END,
  MEETING_START,
  nativeNamesFor,
  OBJECT_OF,
  UNIFIED,
  type EngagementType,
} from './types';
import type { Carrier, EngagementBase, EngagementUpsertResult, Retype } from './contracts';
import { upsertEngagements } from './upsert';
import { pushTo } from './group';
import type { IdLink, IdLinkResult } from '../associate-by-id';
import type { ParentAssociation } from '../associations';

const MAX_REMEMBERED = 1_000_000;

/**
 * HubSpot's calls, emails, meetings, notes and tasks as one object, `engagements`, under the mirror's names (see
 * `types.ts` for where each type keeps what). Reads go to all five types and come back translated, each record
 * with `hs_engagement_type` from its type; writes go to the type each record names, or the one it already lives in.
 */
export class EngagementsView {
  private schemaPromise: Promise<UnifiedSchema> | null = null;
  /** Record ID -> type, for the records this connector has read or written: spares probing five types by ID. */
  private readonly typeOfId = new Map<string, EngagementType>();

  constructor(
    private readonly base: EngagementBase,
    private readonly ctx: AssociationContext,
    private readonly retype: Retype = 'move',
  ) {}

  unified(): Promise<UnifiedSchema> {
    if (!this.schemaPromise) {
      this.schemaPromise = (async () => {
        const described = await Promise.all(ENGAGEMENT_TYPES.map((t) => this.base.describe(OBJECT_OF[t])));
        return unifiedSchema(
          Object.fromEntries(ENGAGEMENT_TYPES.map((t, i) => [t, described[i]!])) as Record<
            EngagementType,
            ObjectSchema
          >,
        );
      })();
      this.schemaPromise.catch(() => (this.schemaPromise = null));
    }
    return this.schemaPromise;
  }

  async describe(): Promise<ObjectSchema> {
    return (await this.unified()).schema;
  }

  remember(id: string, type: EngagementType): void {
    if (this.typeOfId.size >= MAX_REMEMBERED) this.typeOfId.clear();
    this.typeOfId.set(id, type);
  }

  private async *typed(
    type: EngagementType,
    items: AsyncIterable<ReadItem>,
    wanted: string[],
  ): AsyncGenerator<ReadItem, void, undefined> {
    for await (const item of items) {
      if (item.type !== 'record') {
        yield item;
        continue;
      }
      this.remember(item.record.id, type);
      const unified = toUnified(type, item.record.properties);
      yield {
        type: 'record',
        record: { ...item.record, properties: Object.fromEntries(wanted.map((p) => [p, unified[p] ?? null])) },
      };
    }
  }

  private async wanted(options: { properties?: string[] }): Promise<string[]> {
    return options.properties ?? (await this.describe()).fields.map((f) => f.name);
  }

  /**
   * Without `since`: every call, then every email, meeting, note and task. With `since`: the five incremental reads
   * merged into one, oldest change first, so the last record's `modified|id` is a cursor for all five.
   */
  async *read(options: ReadOptions = {}): AsyncGenerator<ReadItem, void, undefined> {
    const wanted = await this.wanted(options);
    const reads = ENGAGEMENT_TYPES.map((t) =>
      this.typed(t, this.base.read(OBJECT_OF[t], { ...options, properties: nativeNamesFor(t, wanted) }), wanted),
    );
    if (!options.since) {
      for (const r of reads) yield* r;
      return;
    }
    yield* mergeByModified(reads);
  }

  /**
   * The engagements with these IDs, whatever their type: IDs whose type this connector has seen are read from that
   * type; the others are looked for in each type in turn (one `batch/read` per 100 IDs and type), until all are found.
   */
  async findByIds(ids: string[], properties: (type: EngagementType) => string[]): Promise<Map<string, Carrier>> {
    const found = new Map<string, Carrier>();
    let pending = [...new Set(ids)];
    const look = async (type: EngagementType, some: string[]) => {
      for await (const item of this.base.readByIds(OBJECT_OF[type], some, { properties: properties(type) })) {
        if (item.type !== 'record') continue;
        found.set(item.record.id, { type, id: item.record.id, properties: item.record.properties });
        this.remember(item.record.id, type);
      }
    };
    const known = new Map<EngagementType, string[]>();
    for (const id of pending) {
      const type = this.typeOfId.get(id);
      if (type) pushTo(known, type, id);
    }
    for (const [type, some] of known) await look(type, some);
    for (const type of ENGAGEMENT_TYPES) {
      pending = pending.filter((id) => !found.has(id));
      if (pending.length === 0) break;
      await look(type, pending);
    }
    return found;
  }

  async *readByIds(ids: string[], options: Omit<ReadOptions, 'since'> = {}): AsyncGenerator<ReadItem, void, undefined> {
    const wanted = await this.wanted(options);
    const found = await this.findByIds(ids, (t) => nativeNamesFor(t, wanted));
    for (const id of new Set(ids)) {
      const carrier = found.get(id);
      if (!carrier) continue;
      const unified = toUnified(carrier.type, carrier.properties);
      yield {
        type: 'record',
        record: {
          id,
          properties: Object.fromEntries(wanted.map((p) => [p, unified[p] ?? null])),
          origin: { source: `hubspot:${OBJECT_OF[carrier.type]}` },
        },
      };
    }
  }

  /** Engagements of all five types in the recycling bin after `since`, oldest first, each with its type. */
  async *readDeleted(options: Omit<ReadOptions, 'properties'> = {}): AsyncGenerator<ReadItem, void, undefined> {
    const all: ReadItem[] = [];
    for (const type of ENGAGEMENT_TYPES) {
      for await (const item of this.base.readDeleted(OBJECT_OF[type], options)) {
        all.push(
          item.type === 'record'
            ? {
                type: 'record',
                record: { ...item.record, properties: { ...item.record.properties, [UNIFIED.type]: type } },
              }
            : item,
        );
      }
    }
    const at = (i: ReadItem) => (i.type === 'record' ? Date.parse(i.record.modifiedAt ?? '') || 0 : 0);
    all.sort(
      (a, b) =>
        at(a) - at(b) || (a.type === 'record' && b.type === 'record' ? Number(a.record.id) - Number(b.record.id) : 0),
    );
    yield* all;
  }

  upsert(records: UpsertInput[], options: HubSpotUpsertOptions): Promise<EngagementUpsertResult[]> {
    return upsertEngagements({ base: this.base, ctx: this.ctx, view: this, retype: this.retype }, records, options);
  }

  /**
   * Updates by HubSpot ID, each in its own type. The type cannot change this way (it would need a new record, which
   * only an upsert by key can make without twins): such an update fails alone, as does an ID no type has.
   */
  async updateByIds(updates: IdUpdate[]): Promise<IdUpdateResult[]> {
    const { defined } = await this.unified();
    const found = await this.findByIds(
      updates.map((u) => u.id),
      (t) => (t === 'MEETING' ? [UNIFIED.timestamp, MEETING_START, MEETING_END] : []),
    );
    const results = new Map<number, IdUpdateResult>();
    const byType = new Map<EngagementType, Array<{ index: number; update: IdUpdate }>>();
    updates.forEach((u, index) => {
      const carrier = found.get(u.id);
      const declared = u.properties[UNIFIED.type];
      if (!carrier)
        return results.set(index, {
          id: u.id,
          status: 'failed',
          error: `no HubSpot engagement (call, email, meeting, note or task) has ID ${u.id}`,
        });
      if (declared && declared !== carrier.type) {
        return results.set(index, {
          id: u.id,
          status: 'failed',
          error: `engagement ${u.id} is a ${carrier.type}: its ${UNIFIED.type} cannot become ${declared} by an update by ID (upsert it by its key instead)`,
        });
      }
      const native = toNative(carrier.type, u.properties, {
        current: carrier.properties,
        defined: defined[carrier.type],
      });
      if (native.problems.length)
        return results.set(index, {
          id: u.id,
          status: 'failed',
          error: `engagement ${u.id}: ${native.problems.join('; ')}`,
        });
      pushTo(byType, carrier.type, { index, update: { id: u.id, properties: native.properties } });
    });
    await Promise.all(
      [...byType].map(async ([type, list]) => {
        const answers = await this.base.updateByIds(
          OBJECT_OF[type],
          list.map((l) => l.update),
        );
        answers.forEach((a, i) => results.set(list[i]!.index, a));
      }),
    );
    return updates.map((_, i) => results.get(i)!);
  }

  /** Associates engagements (by ID, whatever their type) with parents found by key; an unknown ID fails alone. */
  async associateByIds(links: IdLink[], spec: ParentAssociation): Promise<IdLinkResult[]> {
    const found = await this.findByIds(
      links.map((l) => l.id),
      () => [],
    );
    const results = new Map<number, IdLinkResult>();
    const byType = new Map<EngagementType, Array<{ index: number; link: IdLink }>>();
    links.forEach((link, index) => {
      const carrier = found.get(link.id);
      if (!carrier)
        return results.set(index, {
          id: link.id,
          status: 'failed',
          error: `no HubSpot engagement (call, email, meeting, note or task) has ID ${link.id}`,
        });
      pushTo(byType, carrier.type, { index, link });
    });
    for (const [type, list] of byType) {
      const answers = await this.base.associateByIds(
        OBJECT_OF[type],
        list.map((l) => l.link),
        spec,
      );
      answers.forEach((a, i) => results.set(list[i]!.index, a));
    }
    return links.map((_, i) => results.get(i)!);
  }

  /** The `toObject` records associated with each engagement (every requested ID is a key; none or unknown -> empty). */
  async readAssociations(ids: string[], toObject: string): Promise<Map<string, string[]>> {
    const out = new Map<string, string[]>(ids.map((id) => [id, []]));
    const found = await this.findByIds(ids, () => []);
    const byType = new Map<EngagementType, string[]>();
    for (const c of found.values()) pushTo(byType, c.type, c.id);
    for (const [type, some] of byType)
      for (const [id, linked] of await this.base.readAssociations(OBJECT_OF[type], some, toObject)) out.set(id, linked);
    return out;
  }
}
