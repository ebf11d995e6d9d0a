import type { PipedriveObject, PipedriveStore } from '../store';
import { pdError, TYPE_OF, type Reply } from '../http';
import { pageOf } from './records';

/** `GET /api/v2/{object}/search`: by custom field values (exact or partial) and by name. */
export function search(store: PipedriveStore, object: PipedriveObject, q: URLSearchParams): Reply {
  const term = q.get('term') ?? '';
  const exact = q.get('exact_match') === 'true';
  if (term.length < (exact ? 1 : 2))
    return pdError(400, 'Validation failed: term: Search term must be at least 2 characters long');
  const fields = (q.get('fields') ?? 'custom_fields,name').split(',');
  const match = (v: unknown) =>
    v !== null &&
    v !== undefined &&
    (exact ? String(v).toLowerCase() === term.toLowerCase() : String(v).toLowerCase().includes(term.toLowerCase()));
  const title = object === 'deals' ? 'title' : 'name';
  const byName = fields.includes('name') || fields.includes('title');
  // Exact matches on custom fields come from the store's value index; anything else scans.
  const hits =
    exact && !byName
      ? fields.includes('custom_fields')
        ? store.findByCustomValue(object, term)
        : []
      : store
          .all(object)
          .filter(
            (r) =>
              (fields.includes('custom_fields') && Object.values(r.custom_fields).some(match)) ||
              (byName && match(r[title])),
          );
  const page = pageOf(hits, q);
  if ('status' in page) return page;
  const items = page.data.map((r) => ({
    result_score: 1,
    item: {
      id: r.id,
      type: TYPE_OF[object],
      [title]: r[title],
      custom_fields: Object.values(r.custom_fields).filter(match).map(String),
      update_time: r.update_time,
    },
  }));
  return { status: 200, body: { success: true, data: { items }, additional_data: { next_cursor: page.next } } };
}
