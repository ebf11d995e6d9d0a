import type { ReadItem, ReadOptions } from '../connector';
import { decodeCursor, encodeCursor } from '../cursor';
import type { AssociationContext } from './associations';
import { HubSpotError } from './errors';
import { parseReply, RecordPage, type RawRecord } from './schemas';

const MODIFIED = 'hs_lastmodifieddate';

export type { RawRecord } from './schemas';

/** Cursor of an incremental read: the last modified time and ID seen, so equal timestamps are not skipped. */
export function encodeHubSpotCursor(modified: string, id: string): string {
  return encodeCursor(modified, id);
}

/** The shared cursor, whose time may also be epoch milliseconds (the unit of `hs_lastmodifieddate` filters). */
function decodeHubSpotCursor(cursor: string): { modified: number; id: string | null } {
  const { time, id } = decodeCursor(cursor);
  const modified = /^\d+$/.test(time) ? Number(time) : Date.parse(time);
  if (Number.isNaN(modified))
    throw new HubSpotError(`Invalid HubSpot cursor "${cursor}": expected an ISO time, optionally followed by |id`);
  return { modified, id };
}

/**
 * The records of `object` modified after `options.since` (an ISO time, or a cursor `modified|id`), oldest first, by
 * search on `hs_lastmodifieddate`. Search cannot page past `cap` (10,000) results, so each window stops short of the
 * cap and the next one restarts from the last modified time seen (skipping the records of that instant already given).
 */
export async function* searchModifiedSince(
  ctx: AssociationContext,
  object: string,
  properties: string[],
  options: ReadOptions & { since: string },
  limits: { cap: number; pageSize: number },
  toItem: (r: RawRecord) => ReadItem,
): AsyncGenerator<ReadItem, void, undefined> {
  const { cap, pageSize: limit } = limits;
  const start = decodeHubSpotCursor(options.since);
  const requested = [...new Set([...properties, MODIFIED])];
  // The first window honours the cursor exactly; later windows start at the last instant seen (GTE) and skip the
  // IDs of that instant already yielded, so ties are neither lost nor repeated whatever order HubSpot gives them.
  let filterGroups =
    start.id === null
      ? [{ filters: [{ propertyName: MODIFIED, operator: 'GT', value: String(start.modified) }] }]
      : [
          { filters: [{ propertyName: MODIFIED, operator: 'GT', value: String(start.modified) }] },
          {
            filters: [
              { propertyName: MODIFIED, operator: 'EQ', value: String(start.modified) },
              { propertyName: 'hs_object_id', operator: 'GT', value: start.id },
            ],
          },
        ];
  let lastInstant = -1;
  let seenAtLast = new Set<string>();
  for (;;) {
    let offset = 0;
    let fresh = 0;
    let more = false;
    for (;;) {
      options.signal?.throwIfAborted();
      const body = {
        filterGroups,
        sorts: [{ propertyName: MODIFIED, direction: 'ASCENDING' }],
        properties: requested,
        limit,
        after: offset ? String(offset) : undefined,
      };
      const reply = await ctx.call(`search ${object}`, () =>
        ctx.client.crm.objects.searchApi.doSearchWithHttpInfo(object, body as never),
      );
      const page = parseReply(RecordPage, reply, `POST /crm/v3/objects/${object}/search`);
      for (const r of page.results) {
        const instant = new Date(r.updatedAt).getTime();
        if (instant === lastInstant && seenAtLast.has(r.id)) continue;
        if (instant !== lastInstant) {
          lastInstant = instant;
          seenAtLast = new Set();
        }
        seenAtLast.add(r.id);
        fresh++;
        yield toItem(r);
      }
      const next = page.paging?.next?.after;
      if (!next) break;
      if (Number(next) + limit > cap) {
        more = true;
        break;
      }
      offset = Number(next);
    }
    if (!more) return;
    if (fresh === 0) {
      throw new HubSpotError(
        `More than ${cap} ${object} share the modified time ${new Date(lastInstant).toISOString()}: HubSpot search cannot page through them`,
      );
    }
    filterGroups = [{ filters: [{ propertyName: MODIFIED, operator: 'GTE', value: String(lastInstant) }] }];
  }
}
