import { z } from 'zod';
import type { DeleteResult, ReadItem, ReadOptions } from '../connector';
import { decodeCursor } from '../cursor';
import type { PipedriveClient } from './client';
import { PipedriveError } from './errors';
import { COST, type PipedriveObject } from './options';
import { parseReply } from './schemas';

/** The `items` name `/v1/recents` gives each object. */
const ITEM: Record<PipedriveObject, 'person' | 'organization' | 'deal' | 'activity'> = {
  persons: 'person',
  organizations: 'organization',
  deals: 'deal',
  activities: 'activity',
};
/** Pipedrive keeps deleted records (and reports them) for 30 days. */
const KEPT_DAYS = 30;

const Recents = z.looseObject({
  data: z
    .array(
      z.looseObject({
        item: z.string(),
        id: z.union([z.number(), z.string()]),
        data: z.looseObject({ update_time: z.string().nullish() }).nullish(),
      }),
    )
    .nullish(),
  additional_data: z
    .looseObject({
      pagination: z
        .looseObject({ more_items_in_collection: z.boolean().nullish(), next_start: z.number().nullish() })
        .nullish(),
    })
    .nullish(),
});

/** Pipedrive's flags of a deleted record: `active_flag` false (v1 persons, organizations, activities), a deal's `deleted` / `status: deleted`, v2's `is_deleted`. */
function isDeleted(data: Record<string, unknown>): boolean {
  return data.active_flag === false || data.deleted === true || data.status === 'deleted' || data.is_deleted === true;
}

/** `YYYY-MM-DD HH:MM:SS` in UTC, the form `since_timestamp` takes. */
const recentsTime = (ms: number) => new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
/** Pipedrive's `update_time` (`YYYY-MM-DD HH:MM:SS`, UTC, or ISO) as ISO. */
const isoOf = (t: string) => new Date(/[zZ]|[+-]\d{2}:?\d{2}$/.test(t) ? t : `${t.replace(' ', 'T')}Z`).toISOString();

/**
 * Records deleted after `since` (a time or a `time|id` cursor; without it, the last 30 days) through `/v1/recents`,
 * which lists every change since a time, deletions included: the ones flagged deleted are kept, with their
 * `update_time` (the deletion) as `modifiedAt`, oldest first. Properties are not carried (only the ID is needed).
 */
export async function* readDeletedRecords(
  client: PipedriveClient,
  o: PipedriveObject,
  options: Omit<ReadOptions, 'properties'>,
): AsyncGenerator<ReadItem, void, undefined> {
  const since = options.since ? Date.parse(decodeCursor(options.since).time) : Date.now() - KEPT_DAYS * 86_400_000;
  if (Number.isNaN(since)) throw new PipedriveError(`Invalid Pipedrive cursor "${options.since}"`);
  const found: Array<{ id: string; at: string }> = [];
  let start = 0;
  for (;;) {
    options.signal?.throwIfAborted();
    const reply = await client.call(
      `read deleted ${o}`,
      () =>
        client.apis.recents.getRecents({
          since_timestamp: recentsTime(since),
          items: ITEM[o],
          start,
          limit: Math.min(client.options.pageSize ?? 500, 500),
        }),
      COST.v1,
    );
    const page = parseReply(Recents, reply, 'GET /v1/recents');
    for (const r of page.data ?? []) {
      if (r.item !== ITEM[o] || !r.data || !isDeleted(r.data) || !r.data.update_time) continue;
      const at = isoOf(r.data.update_time);
      if (Date.parse(at) > since || !options.since) found.push({ id: String(r.id), at });
    }
    const next = page.additional_data?.pagination;
    if (!next?.more_items_in_collection || next.next_start == null) break;
    start = next.next_start;
  }
  found.sort((a, b) => a.at.localeCompare(b.at) || Number(a.id) - Number(b.id));
  for (const r of found)
    yield {
      type: 'record',
      record: { id: r.id, properties: {}, modifiedAt: r.at, origin: { source: `pipedrive:${o}:deleted` } },
    };
}

/**
 * Deletes by ID, one v2 `DELETE /api/v2/{object}/{id}` each (Pipedrive marks them deleted and keeps them 30 days):
 * 404 is `missing` (deleted already), any other refusal fails that record alone with Pipedrive's message.
 */
export async function deleteByIds(client: PipedriveClient, o: PipedriveObject, ids: string[]): Promise<DeleteResult[]> {
  const results: DeleteResult[] = [];
  for (const id of ids) {
    const n = Number(id);
    if (!Number.isInteger(n)) {
      results.push({ id, status: 'failed', error: `Pipedrive IDs are integers, got "${id}"` });
      continue;
    }
    const { apis } = client;
    try {
      await client.call(
        `delete ${o} ${id}`,
        () => {
          if (o === 'persons') return apis.persons.deletePerson({ id: n });
          if (o === 'deals') return apis.deals.deleteDeal({ id: n });
          if (o === 'activities') return apis.activities.deleteActivity({ id: n });
          return apis.organizations.deleteOrganization({ id: n });
        },
        COST.write,
      );
      results.push({ id, status: 'deleted' });
    } catch (error) {
      const status = (error as PipedriveError).status;
      if (status === 404) results.push({ id, status: 'missing' });
      else if (status !== undefined && status >= 400 && status < 500 && status !== 429 && status !== 401)
        results.push({ id, status: 'failed', error: (error as Error).message });
      else throw error;
    }
  }
  return results;
}
