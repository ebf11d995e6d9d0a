import type { UpsertInput, UpsertResult } from '../connector';
import type { HubSpotError } from './errors';
import {
  associate,
  parentKeyOf,
  ParentAssociationSchema,
  readAssociations,
  resolveParents,
  type AssociationContext,
  type ParentAssociation,
} from './associations';
import { parseReply, RecordBatch, UpsertBatch } from './schemas';
import { UnchangedPolicy } from './unchanged-policy';
import type { HubSpotUpsertOptions } from './upsert-options';

/** Each parent association of one upsert() call, with the parent keys resolved so far (key -> HubSpot ID). */
type Parents = Array<{ spec: ParentAssociation; ids: Map<string, string> }>;

/** Upserts by a unique property through `batch/upsert`, reading batches back first when that pays off. */
export class HubSpotUpserter {
  /** Per object: whether reading upsert batches back is paying off (see `detectUnchanged`). */
  private readonly unchangedPolicies = new Map<string, UnchangedPolicy>();

  constructor(
    private readonly ctx: AssociationContext,
    private readonly settings: { detectUnchanged?: boolean | 'auto'; maxConcurrent?: number },
  ) {}
  /**
   * Creates or updates by `keyProperty` (a property with unique values) in batches of 100 through
   * `batch/upsert`. HubSpot says per record whether it was new (`created`) or not (`updated`). With
   * `detectUnchanged` (default), records whose values are already there are not sent and come back `unchanged`.
   * Records HubSpot rejects (207) are `failed` with its message; a batch that fails as a whole (after retries) fails
   * all its records, except an authentication failure, which is thrown. With `associations`, each record is also
   * associated with its parent (see `HubSpotUpsertOptions`).
   */
  async upsert(object: string, records: UpsertInput[], options: HubSpotUpsertOptions): Promise<UpsertResult[]> {
    const detect = options.detectUnchanged ?? this.settings.detectUnchanged ?? 'auto';
    const parents = (options.associations ?? []).map((spec) => ({
      spec: ParentAssociationSchema.parse(spec),
      ids: new Map<string, string>(),
    }));
    const batches: UpsertInput[][] = [];
    for (let i = 0; i < records.length; i += 100) batches.push(records.slice(i, i + 100));
    // Batches go out side by side (the account limiter still paces them) unless a key repeats across the call: then
    // one at a time, so the later value of that key is the one written last.
    const unique = new Set(records.map((r) => r.key)).size === records.length;
    const workers = unique ? Math.min(this.settings.maxConcurrent ?? 5, batches.length) : 1;
    const results: UpsertResult[][] = new Array(batches.length);
    let next = 0;
    let fatal: unknown;
    const work = async () => {
      while (fatal === undefined && next < batches.length) {
        const b = next++;
        const batch = batches[b]!;
        try {
          results[b] = await this.upsertBatch(object, batch, options.keyProperty, detect, parents);
        } catch (error) {
          // Unreachable, or the credentials refused: every other batch would fail the same way, so the upsert stops.
          if ((error as HubSpotError).connectionFailed) fatal = error;
          results[b] = batch.map((r) => ({ key: r.key, status: 'failed', error: (error as Error).message }));
        }
      }
    };
    await Promise.all(Array.from({ length: workers }, work));
    if (fatal !== undefined) throw fatal;
    return results.flat();
  }

  /** The existing records of these keys whose properties already hold the values given: key -> record id. */
  private async unchanged(object: string, batch: UpsertInput[], keyProperty: string): Promise<Map<string, string>> {
    if (batch.length === 0) return new Map();
    const names = [...new Set(batch.flatMap((r) => Object.keys(r.properties)))].filter((p) => p !== keyProperty);
    const reply = await this.ctx.call(`read ${object} before upsert`, () =>
      this.ctx.client.crm.objects.batchApi.readWithHttpInfo(object, {
        idProperty: keyProperty,
        inputs: batch.map((r) => ({ id: r.key })),
        properties: names,
        propertiesWithHistory: [],
      }),
    );
    const response = parseReply(RecordBatch, reply, `POST /crm/v3/objects/${object}/batch/read`);
    const same = new Map<string, string>();
    const wanted = new Map(batch.map((r) => [r.key, r]));
    const norm = (v: string | null | undefined) => (v === undefined || v === null || v === '' ? null : v);
    for (const existing of response.results) {
      const key = existing.properties[keyProperty];
      const input = key == null ? undefined : wanted.get(key);
      if (!input || key == null) continue;
      const equal = Object.entries(input.properties).every(
        ([k, v]) => k === keyProperty || norm(existing.properties[k]) === norm(v),
      );
      if (equal) same.set(key, existing.id);
    }
    return same;
  }

  private readBack(object: string, detect: boolean | 'auto'): { read: boolean; policy?: UnchangedPolicy } {
    if (detect !== 'auto') return { read: detect };
    let policy = this.unchangedPolicies.get(object);
    if (!policy) this.unchangedPolicies.set(object, (policy = new UnchangedPolicy()));
    return { read: policy.shouldRead(), policy };
  }

  private async upsertBatch(
    object: string,
    batch: UpsertInput[],
    keyProperty: string,
    detect: boolean | 'auto',
    parents: Parents,
  ): Promise<UpsertResult[]> {
    const byKey = new Map<string, UpsertResult>();
    // Parents first: a record whose parent is missing is not written, so a later run (after the parent) can retry it.
    for (const { spec, ids } of parents) {
      const keys = batch.map((r) => parentKeyOf(r, spec)).filter((k): k is string => k !== null);
      if (keys.length) await resolveParents(this.ctx, spec, keys, ids);
      for (const r of batch) {
        const key = parentKeyOf(r, spec);
        if (key === null || ids.has(key) || byKey.has(r.key)) continue;
        byKey.set(r.key, {
          key: r.key,
          status: 'failed',
          error: `not written: its parent in ${spec.toObject} with ${spec.toKeyProperty}=${key} does not exist in HubSpot`,
        });
      }
    }
    const virtual = new Set(parents.map((p) => p.spec.keyFrom));
    const writable = batch
      .filter((r) => !byKey.has(r.key))
      .map((r) =>
        virtual.size
          ? {
              key: r.key,
              properties: Object.fromEntries(Object.entries(r.properties).filter(([k]) => !virtual.has(k))),
            }
          : r,
      );
    const { read, policy } = this.readBack(object, detect);
    const same = read ? await this.unchanged(object, writable, keyProperty) : new Map<string, string>();
    if (read) policy?.observe(writable.length, same.size);
    for (const [key, id] of same) byKey.set(key, { key, status: 'unchanged', id });
    const toSend = writable.filter((r) => !same.has(r.key));
    for (const result of await this.send(object, toSend, keyProperty)) byKey.set(result.key, result);
    const results = batch.map((r) => byKey.get(r.key)!);
    for (const { spec, ids } of parents) {
      const links = batch.flatMap((r, i) => {
        const parentKey = parentKeyOf(r, spec);
        const result = results[i]!;
        return parentKey !== null && result.status !== 'failed' && result.id
          ? [{ result, parentKey, parentId: ids.get(parentKey)! }]
          : [];
      });
      await associate(this.ctx, object, spec, await this.missingLinks(object, spec.toObject, links));
    }
    return results;
  }

  /**
   * Links still to create: those of records written now, and those of `unchanged` records that are not associated
   * with that parent yet (one v4 read per 1,000), so a re-run that finds everything in place writes nothing.
   */
  private async missingLinks<L extends { result: UpsertResult; parentId: string }>(
    object: string,
    toObject: string,
    links: L[],
  ): Promise<L[]> {
    const unchanged = links.filter((l) => l.result.status === 'unchanged');
    if (unchanged.length === 0) return links;
    const existing = await readAssociations(
      this.ctx,
      object,
      unchanged.map((l) => l.result.id!),
      toObject,
    );
    return links.filter((l) => l.result.status !== 'unchanged' || !existing.get(l.result.id!)?.includes(l.parentId));
  }

  /**
   * Sends one `batch/upsert`. HubSpot may reject a whole batch (400) for one bad record; the batch is then split in
   * halves until the bad records stand alone, so the others are still written and each failure has its own message.
   */
  private async send(object: string, toSend: UpsertInput[], keyProperty: string): Promise<UpsertResult[]> {
    if (toSend.length === 0) return [];
    const inputs = toSend.map((r) => {
      const properties: Record<string, string> = {};
      for (const [k, v] of Object.entries(r.properties)) if (k !== keyProperty) properties[k] = v ?? '';
      return { idProperty: keyProperty, id: r.key, properties };
    });
    let reply: unknown;
    try {
      reply = await this.ctx.call(`upsert ${object}`, () =>
        this.ctx.client.crm.objects.batchApi.upsertWithHttpInfo(object, { inputs }),
      );
    } catch (error) {
      if ((error as HubSpotError).status !== 400) throw error;
      if (toSend.length === 1) return [{ key: toSend[0]!.key, status: 'failed', error: (error as Error).message }];
      const mid = Math.ceil(toSend.length / 2);
      return [
        ...(await this.send(object, toSend.slice(0, mid), keyProperty)),
        ...(await this.send(object, toSend.slice(mid), keyProperty)),
      ];
    }
    const response = parseReply(UpsertBatch, reply, `POST /crm/v3/objects/${object}/batch/upsert`);
    const byKey = new Map<string, UpsertResult>();
    response.results.forEach((res, index) => {
      const key = res.properties?.[keyProperty] ?? toSend[index]?.key;
      if (key !== undefined && key !== null)
        byKey.set(key, { key, status: res._new ? 'created' : 'updated', id: res.id });
    });
    const unattributed: string[] = [];
    for (const err of response.errors ?? []) {
      const ids = Object.values(err.context ?? {}).flat();
      const matched = toSend.filter((r) => ids.includes(r.key) && !byKey.has(r.key));
      if (matched.length === 0) unattributed.push(err.message);
      for (const r of matched) byKey.set(r.key, { key: r.key, status: 'failed', error: err.message });
    }
    return toSend.map(
      (r) =>
        byKey.get(r.key) ?? {
          key: r.key,
          status: 'failed',
          error: unattributed.join('; ') || 'HubSpot returned no result for this record',
        },
    );
  }
}
