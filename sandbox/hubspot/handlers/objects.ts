import type { Reply } from '../http';
import { hubspotError } from '../http';
import type { HubSpotStore } from '../store';
import { publicRecord } from './common';

/** GET /crm/v3/objects/{objectType}?limit&after&properties=a,b */
export function listObjects(store: HubSpotStore, object: string, query: URLSearchParams): Reply {
  const limit = Number(query.get('limit') ?? 10);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100)
    return hubspotError(400, 'VALIDATION_ERROR', `limit must be between 1 and 100, got ${query.get('limit')}`);
  const properties = query
    .getAll('properties')
    .flatMap((p) => p.split(','))
    .filter(Boolean);
  const after = query.get('after');
  // Already in id order (ids grow and the store keeps insertion order): no sort per page, which at 100,000 records
  // would cost more than the page. `archived=true` lists the recycling bin instead of the live records.
  const all = query.get('archived') === 'true' ? store.archivedRecords(object) : store.records(object);
  const start = after ? all.findIndex((r) => Number(r.id) >= Number(after)) : 0;
  const page = start < 0 ? [] : all.slice(start, start + limit);
  const next = start >= 0 ? all[start + limit] : undefined;
  return {
    status: 200,
    body: {
      results: page.map((r) => publicRecord(object, r, properties)),
      ...(next ? { paging: { next: { after: next.id, link: `?after=${next.id}` } } } : {}),
    },
  };
}
