import { runBatch } from './batch';
import { CODES, DataverseFault } from './errors';
import type { Faults } from './faults';
import type { ApiReply, ApiRequest } from './http';
import { metadata } from './handlers/metadata';
import { listRecords } from './handlers/query';
import { createRecord, deleteRecord, getRecord, patchRecord } from './handlers/records';
import type { DataverseStore } from './store';

export interface RouteContext {
  store: DataverseStore;
  faults: Faults;
  /** The user the request runs as (for WhoAmI). */
  user: string;
  /** Operations inside a `$batch`, reported for the service protection count. */
  onBatchOperations(count: number): void;
}

const SEGMENT = /^([A-Za-z_$][\w.]*)(?:\((.*)\))?$/;

/** Dispatches one authenticated, admitted Web API request (`/api/data/v9.2/...`) to its handler. */
export function route(ctx: RouteContext, req: ApiRequest): ApiReply {
  const segments = req.path.split('/').filter(Boolean).map(decodeURIComponent);
  const first = segments[0] ?? '';
  const notFound = () => new DataverseFault(404, CODES.badRequest, `Resource not found for the segment '${first}'.`);
  if (first === '$batch' && req.method === 'POST')
    return runBatch(ctx.store, req, (part) => route(ctx, part), ctx.onBatchOperations);
  if ((first === 'WhoAmI' || first === 'WhoAmI()') && req.method === 'GET')
    return {
      status: 200,
      body: {
        '@odata.context': `${req.base}$metadata#Microsoft.Dynamics.CRM.WhoAmIResponse`,
        BusinessUnitId: '6f8a5b1e-0000-4000-8000-000000000001',
        UserId: '6f8a5b1e-0000-4000-8000-000000000002',
        OrganizationId: '6f8a5b1e-0000-4000-8000-000000000003',
      },
    };
  if (first.startsWith('EntityDefinitions') && req.method === 'GET') return metadata(ctx.store, segments, req);
  const m = SEGMENT.exec(first);
  const def = m ? ctx.store.bySet(m[1]!) : undefined;
  if (!m || !def || segments.length > 1) throw notFound();
  const key = m[2];
  if (key === undefined) {
    if (req.method === 'GET') return listRecords(ctx.store, def, req);
    if (req.method === 'POST') return createRecord(ctx, def, req);
  } else {
    if (req.method === 'GET') return getRecord(ctx, def, key, req);
    if (req.method === 'PATCH') return patchRecord(ctx, def, key, req);
    if (req.method === 'DELETE') return deleteRecord(ctx, def, key);
  }
  throw new DataverseFault(405, CODES.badRequest, `The HTTP method '${req.method}' is not allowed on '${first}'.`);
}
