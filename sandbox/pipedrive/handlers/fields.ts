import type { PipedriveObject, PipedriveStore } from '../store';
import type { Reply } from '../http';

/** `GET /v1/{object}Fields`: field definitions, paged by start/limit. */
export function listFields(store: PipedriveStore, object: PipedriveObject, q: URLSearchParams): Reply {
  const all = store.fieldsOf(object);
  const start = Number(q.get('start') ?? 0);
  const limit = Math.min(Number(q.get('limit') ?? 100), 500);
  const data = all.slice(start, start + limit);
  const more = start + limit < all.length;
  return {
    status: 200,
    body: {
      success: true,
      data,
      additional_data: {
        pagination: { start, limit, more_items_in_collection: more, ...(more ? { next_start: start + limit } : {}) },
      },
    },
  };
}
