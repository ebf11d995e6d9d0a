import { z } from 'zod';
import type { ReadItem } from '../connector';
import type { Value } from '../connector';
import type { AssociationContext } from './associations';
import { HubSpotError } from './errors';
import { parseReply } from './schemas';

/** One record to update by its HubSpot ID (`hs_object_id`), e.g. to write a legacy ID onto a record matched by resemblance. */
export interface IdUpdate {
  id: string;
  properties: Record<string, Value>;
}

export interface IdUpdateResult {
  id: string;
  status: 'updated' | 'failed';
  error?: string;
}

const BatchResponse = z.object({
  results: z.array(z.object({ id: z.string() })),
  errors: z
    .array(z.object({ message: z.string(), context: z.record(z.string(), z.array(z.string())).optional() }))
    .optional(),
});

/**
 * Updates records by ID through `batch/update`, 100 per call. An ID HubSpot does not know, or an invalid value, fails
 * that record alone (207); a batch refused as a whole (400) is split in halves until the bad records stand alone.
 */
export async function updateByIds(
  ctx: AssociationContext,
  object: string,
  updates: IdUpdate[],
): Promise<IdUpdateResult[]> {
  const results: IdUpdateResult[] = [];
  for (let i = 0; i < updates.length; i += 100)
    results.push(...(await sendUpdates(ctx, object, updates.slice(i, i + 100))));
  return results;
}

async function sendUpdates(ctx: AssociationContext, object: string, batch: IdUpdate[]): Promise<IdUpdateResult[]> {
  if (batch.length === 0) return [];
  const inputs = batch.map((u) => ({
    id: u.id,
    properties: Object.fromEntries(Object.entries(u.properties).map(([k, v]) => [k, v ?? ''])),
  }));
  let raw: unknown;
  try {
    raw = await ctx.call(
      `update ${object} by ID`,
      () => ctx.client.crm.objects.batchApi.updateWithHttpInfo(object, { inputs }) as never,
    );
  } catch (error) {
    if ((error as HubSpotError).status !== 400) throw error;
    if (batch.length === 1) return [{ id: batch[0]!.id, status: 'failed', error: (error as Error).message }];
    const mid = Math.ceil(batch.length / 2);
    return [
      ...(await sendUpdates(ctx, object, batch.slice(0, mid))),
      ...(await sendUpdates(ctx, object, batch.slice(mid))),
    ];
  }
  const response = parseReply(BatchResponse, raw, `POST /crm/v3/objects/${object}/batch/update`);
  const byId = new Map<string, IdUpdateResult>();
  for (const r of response.results) byId.set(r.id, { id: r.id, status: 'updated' });
  const unattributed: string[] = [];
  for (const e of response.errors ?? []) {
    const ids = Object.values(e.context ?? {})
      .flat()
      .filter((id) => !byId.has(id));
    if (ids.length === 0) unattributed.push(e.message);
    for (const id of ids) byId.set(id, { id, status: 'failed', error: e.message });
  }
  return batch.map(
    (u) =>
      byId.get(u.id) ?? {
        id: u.id,
        status: 'failed',
        error: unattributed.join('; ') || 'HubSpot returned no result for this record',
      },
  );
}

const ArchivedPage = z.object({
  results: z.array(
    z.object({
      id: z.string(),
      properties: z.record(z.string(), z.string().nullable()),
      archivedAt: z.union([z.string(), z.date()]).optional(),
      updatedAt: z.union([z.string(), z.date()]).optional(),
    }),
  ),
  paging: z.object({ next: z.object({ after: z.string() }).optional() }).optional(),
});

/**
 * The records in the recycling bin (`GET /crm/v3/objects/{type}?archived=true`), with the time each was archived as
 * `modifiedAt`; only those archived after `since` (ISO) when given. HubSpot cannot search archived records, so the
 * bin is listed whole, 100 a page.
 */
export async function* readArchived(
  ctx: AssociationContext,
  object: string,
  properties: string[],
  since?: string,
): AsyncGenerator<ReadItem, void, undefined> {
  const after = since ? Date.parse(since) : Number.NEGATIVE_INFINITY;
  if (Number.isNaN(after))
    throw new HubSpotError(`Invalid time "${since}" for archived ${object}: expected an ISO time`);
  let cursor: string | undefined;
  do {
    const raw = await ctx.call(
      `read archived ${object}`,
      () =>
        ctx.client.crm.objects.basicApi.getPageWithHttpInfo(
          object,
          100,
          cursor,
          properties,
          undefined,
          undefined,
          true,
        ) as never,
    );
    const page = parseReply(ArchivedPage, raw, `GET /crm/v3/objects/${object}?archived=true`);
    for (const r of page.results) {
      const at = new Date(r.archivedAt ?? r.updatedAt ?? 0);
      if (at.getTime() <= after) continue;
      yield {
        type: 'record',
        record: {
          id: r.id,
          properties: r.properties,
          modifiedAt: at.toISOString(),
          origin: { source: `hubspot:${object}:archived` },
        },
      };
    }
    cursor = page.paging?.next?.after;
  } while (cursor);
}
