import type { PipedriveObject, PipedriveStore, StoredRecord } from '../store';
import { pdError, type Reply } from '../http';

/** One page of `records` by the v2 cursor (base64 `offset:N`). */
export function pageOf(
  records: StoredRecord[],
  q: URLSearchParams,
): { data: StoredRecord[]; next: string | null } | Reply {
  const limit = Number(q.get('limit') ?? 100);
  if (!Number.isInteger(limit) || limit < 1 || limit > 500)
    return pdError(400, 'Validation failed: limit: Parameter must be an integer between 1 and 500');
  let offset = 0;
  const cursor = q.get('cursor');
  if (cursor) {
    offset = Number(
      Buffer.from(cursor, 'base64')
        .toString('utf8')
        .replace(/^offset:/, ''),
    );
    if (!Number.isInteger(offset) || offset < 0) return pdError(400, 'Validation failed: cursor: Invalid cursor');
  }
  const data = records.slice(offset, offset + limit);
  return {
    data,
    next: offset + limit < records.length ? Buffer.from(`offset:${offset + limit}`).toString('base64') : null,
  };
}

/** `GET /api/v2/{object}`: by IDs or all, filtered by update time, sorted and paged. */
export function list(store: PipedriveStore, object: PipedriveObject, q: URLSearchParams): Reply {
  const sortBy = q.get('sort_by') ?? 'id';
  if (!['id', 'update_time', 'add_time'].includes(sortBy))
    return pdError(400, 'Validation failed: sort_by: must be one of id, update_time, add_time');
  const dir = q.get('sort_direction') === 'desc' ? -1 : 1;
  const ids = q.get('ids');
  let records: StoredRecord[];
  if (ids) {
    const list = ids.split(',').map((x) => Number(x.trim()));
    if (list.length > 100 || list.some((x) => !Number.isInteger(x)))
      return pdError(400, 'Validation failed: ids: up to 100 comma-separated integer IDs');
    records = list.map((id) => store.get(object, id)).filter((r): r is StoredRecord => r !== undefined);
  } else {
    // The store keeps update_time order cached (100k records are not re-sorted per page).
    records = sortBy === 'update_time' && dir === 1 ? store.sortedByUpdateTime(object) : store.all(object);
  }
  const since = q.get('updated_since');
  if (since) {
    const t = Date.parse(since);
    if (Number.isNaN(t)) return pdError(400, 'Validation failed: updated_since: Invalid RFC3339 date');
    records = records.filter((r) => Date.parse(r.update_time) >= t);
  }
  const until = q.get('updated_until');
  if (until) {
    const t = Date.parse(until);
    if (Number.isNaN(t)) return pdError(400, 'Validation failed: updated_until: Invalid RFC3339 date');
    records = records.filter((r) => Date.parse(r.update_time) < t);
  }
  if (ids || !(sortBy === 'update_time' && dir === 1)) {
    records = [...records].sort(
      (a, b) =>
        dir * (sortBy === 'id' ? a.id - b.id : (a[sortBy] as string).localeCompare(b[sortBy] as string) || a.id - b.id),
    );
  }
  const page = pageOf(records, q);
  if ('status' in page) return page;
  return { status: 200, body: { success: true, data: page.data, additional_data: { next_cursor: page.next } } };
}
