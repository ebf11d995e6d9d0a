import { pdError, TYPE_OF, type Reply } from '../http';
import type { PipedriveObject, PipedriveStore, StoredRecord } from '../store';

/** `items` of `/v1/recents` -> object. */
const OBJECT_OF: Record<string, PipedriveObject> = {
  person: 'persons',
  organization: 'organizations',
  deal: 'deals',
  activity: 'activities',
};

/** `DELETE /api/v2/{object}/{id}`: `{ success, data: { id } }`, or 404 when there is no such (live) record. */
export function deleteOne(store: PipedriveStore, object: PipedriveObject, id: number): Reply {
  if (!store.delete(object, id)) return pdError(404, `${TYPE_OF[object]} not found`);
  return { status: 200, body: { success: true, data: { id } } };
}

/** A record as v1 shows it: `active_flag` (a deal's `active`, `deleted` and `status`) and times as `YYYY-MM-DD HH:MM:SS`. */
function v1Shape(object: PipedriveObject, r: StoredRecord): Record<string, unknown> {
  const deleted = r.is_deleted === true;
  const { custom_fields, is_deleted: _flag, ...rest } = r;
  const time = (t: string) => t.replace('T', ' ').replace(/(\.\d+)?Z$/, '');
  return {
    ...rest,
    ...custom_fields,
    add_time: time(r.add_time),
    update_time: time(r.update_time),
    ...(object === 'deals'
      ? { active: !deleted, deleted, ...(deleted ? { status: 'deleted' } : {}) }
      : { active_flag: !deleted }),
  };
}

/**
 * `GET /v1/recents?since_timestamp=YYYY-MM-DD HH:MM:SS&items=person[&start&limit]`: every record of the type changed
 * at or after the time, live or deleted, oldest change first, with v1 offset paging.
 */
export function recents(store: PipedriveStore, q: URLSearchParams): Reply {
  const sinceText = q.get('since_timestamp');
  if (!sinceText) return pdError(400, 'Validation failed: since_timestamp: is required');
  const since = Date.parse(`${sinceText.replace(' ', 'T')}Z`);
  if (Number.isNaN(since)) return pdError(400, 'Validation failed: since_timestamp: must be YYYY-MM-DD HH:MM:SS');
  const items = (q.get('items') ?? 'person,organization,deal,activity').split(',');
  const unknown = items.find((i) => !(i in OBJECT_OF));
  if (unknown) return pdError(400, `Validation failed: items: unknown item "${unknown}"`);
  const start = Number(q.get('start') ?? 0);
  const limit = Number(q.get('limit') ?? 100);
  if (!Number.isInteger(start) || start < 0 || !Number.isInteger(limit) || limit < 1 || limit > 500)
    return pdError(400, 'Validation failed: start and limit must be integers (limit 1-500)');
  const changes = items
    .flatMap((item) => {
      const object = OBJECT_OF[item]!;
      return [...store.all(object), ...store.deletedRecords(object)].map((r) => ({ item, object, r }));
    })
    .filter(({ r }) => Date.parse(r.update_time) >= since)
    .sort((a, b) => a.r.update_time.localeCompare(b.r.update_time) || a.r.id - b.r.id);
  const page = changes.slice(start, start + limit);
  const more = start + limit < changes.length;
  return {
    status: 200,
    body: {
      success: true,
      data: page.map(({ item, object, r }) => ({ item, id: r.id, data: v1Shape(object, r) })),
      additional_data: {
        since_timestamp: sinceText,
        last_timestamp_on_page: page.length ? v1Shape(page.at(-1)!.object, page.at(-1)!.r).update_time : sinceText,
        pagination: { start, limit, more_items_in_collection: more, ...(more ? { next_start: start + limit } : {}) },
      },
    },
  };
}
