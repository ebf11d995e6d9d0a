import type { Reply } from './http';
import { hubspotError } from './http';
import type { Faults } from './faults';
import type { HubSpotStore } from './store';
import { listObjects } from './handlers/objects';
import { search } from './handlers/search';
import { batchRead, batchUpsert } from './handlers/batch';
import { listProperties } from './handlers/properties';

export interface RouteContext {
  store: HubSpotStore;
  faults: Faults;
  searchCap: number;
  /** Invalid property values refuse the whole upsert batch (400) instead of failing per record (207). */
  wholeBatchValidation: boolean;
}

/** Dispatches one authenticated, rate-limited request to its endpoint family. */
export function route(ctx: RouteContext, method: string, url: URL, body: unknown): Reply {
  const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
  const notFound = () => hubspotError(404, 'OBJECT_NOT_FOUND', `No route for ${method} ${url.pathname}`);
  if (parts[0] !== 'crm' || parts[1] !== 'v3') return notFound();
  const object = parts[3];
  if (!object) return notFound();
  if (!ctx.store.hasObject(object)) return hubspotError(400, 'VALIDATION_ERROR', `Unable to infer object type from: ${object}`);
  if (parts[2] === 'properties' && parts.length === 4 && method === 'GET') return listProperties(ctx.store, object);
  if (parts[2] !== 'objects') return notFound();
  if (parts.length === 4 && method === 'GET') return listObjects(ctx.store, object, url.searchParams);
  if (parts.length === 5 && parts[4] === 'search' && method === 'POST') return search(ctx.store, object, (body ?? {}) as never, ctx.searchCap);
  if (parts.length === 6 && parts[4] === 'batch' && parts[5] === 'upsert' && method === 'POST') return batchUpsert(ctx.store, ctx.faults, object, body as never, ctx.wholeBatchValidation);
  if (parts.length === 6 && parts[4] === 'batch' && parts[5] === 'read' && method === 'POST') return batchRead(ctx.store, object, body as never);
  return notFound();
}
