import type { Reply } from './http';
import { hubspotError } from './http';
import type { Faults } from './faults';
import type { HubSpotStore } from './store';
import { listObjects } from './handlers/objects';
import { search } from './handlers/search';
import { batchRead, batchUpsert } from './handlers/batch';
import { createProperty, listProperties } from './handlers/properties';
import { batchArchive, batchUpdate } from './handlers/batch-update';
import {
  associationLabels,
  batchCreate,
  batchReadAssociations,
  createDefault,
  createLabeled,
  listAssociations,
} from './handlers/associations';

export interface RouteContext {
  store: HubSpotStore;
  faults: Faults;
  searchCap: number;
  /** Invalid property values refuse the whole upsert batch (400) instead of failing per record (207). */
  wholeBatchValidation: boolean;
  /** Associations per record in one page of v4 `batch/read` (HubSpot: 500). */
  associationPageSize: number;
}

/** Dispatches one authenticated, rate-limited request to its endpoint family. */
export function route(ctx: RouteContext, method: string, url: URL, body: unknown): Reply {
  const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
  const notFound = () => hubspotError(404, 'OBJECT_NOT_FOUND', `No route for ${method} ${url.pathname}`);
  if (parts[0] !== 'crm') return notFound();
  if (parts[1] === 'v4') return routeV4(ctx, method, parts, url, body) ?? notFound();
  if (parts[1] !== 'v3') return notFound();
  const object = parts[3];
  if (!object) return notFound();
  if (!ctx.store.hasObject(object))
    return hubspotError(400, 'VALIDATION_ERROR', `Unable to infer object type from: ${object}`);
  if (parts[2] === 'properties' && parts.length === 4 && method === 'GET') return listProperties(ctx.store, object);
  if (parts[2] === 'properties' && parts.length === 4 && method === 'POST')
    return createProperty(ctx.store, object, body as never);
  if (parts[2] !== 'objects') return notFound();
  if (parts.length === 4 && method === 'GET') return listObjects(ctx.store, object, url.searchParams);
  if (parts.length === 5 && parts[4] === 'search' && method === 'POST')
    return search(ctx.store, object, (body ?? {}) as never, ctx.searchCap);
  if (parts.length === 6 && parts[4] === 'batch' && parts[5] === 'upsert' && method === 'POST')
    return batchUpsert(ctx.store, ctx.faults, object, body as never, ctx.wholeBatchValidation);
  if (parts.length === 6 && parts[4] === 'batch' && parts[5] === 'read' && method === 'POST')
    return batchRead(ctx.store, object, body as never);
  if (parts.length === 6 && parts[4] === 'batch' && parts[5] === 'update' && method === 'POST')
    return batchUpdate(ctx.store, ctx.faults, object, body as never);
  if (parts.length === 6 && parts[4] === 'batch' && parts[5] === 'archive' && method === 'POST')
    return batchArchive(ctx.store, object, body as never);
  return notFound();
}

/** The v4 associations API: per record under /crm/v4/objects, in batches and type labels under /crm/v4/associations. */
function routeV4(ctx: RouteContext, method: string, parts: string[], url: URL, body: unknown): Reply | null {
  const { store } = ctx;
  if (parts[2] === 'objects' && parts[5] === 'associations') {
    const [, , , from, id] = parts as [string, string, string, string, string];
    if (parts.length === 9 && parts[6] === 'default' && method === 'PUT')
      return createDefault(store, from, id, parts[7]!, parts[8]!);
    if (parts.length === 8 && method === 'PUT') return createLabeled(store, from, id, parts[6]!, parts[7]!, body);
    if (parts.length === 7 && method === 'GET') return listAssociations(store, from, id, parts[6]!, url.searchParams);
    return null;
  }
  if (parts[2] === 'associations' && parts.length >= 6) {
    const [, , , from, to] = parts as [string, string, string, string, string];
    if (parts.length === 6 && parts[5] === 'labels' && method === 'GET') return associationLabels(store, from, to);
    if (parts.length === 7 && parts[5] === 'batch' && parts[6] === 'create' && method === 'POST')
      return batchCreate(store, from, to, body as never);
    if (parts.length === 7 && parts[5] === 'batch' && parts[6] === 'read' && method === 'POST')
      return batchReadAssociations(store, from, to, body as never, ctx.associationPageSize);
  }
  return null;
}
