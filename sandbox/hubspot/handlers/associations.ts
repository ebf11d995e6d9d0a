import type { Reply } from '../http';
import { hubspotError } from '../http';
import type { HubSpotStore } from '../store';
import type { AssociationType } from '../associations';

const OBJECT_TYPE_IDS: Record<string, string> = {
  contacts: '0-1',
  companies: '0-2',
  deals: '0-3',
  tasks: '0-27',
  notes: '0-46',
  meetings: '0-47',
  calls: '0-48',
  emails: '0-49',
};

interface Spec {
  associationCategory?: string;
  associationTypeId?: number;
}
interface CreateBody {
  inputs?: Array<{ from?: { id?: string }; to?: { id?: string }; types?: Spec[] }>;
}
interface ReadBody {
  inputs?: Array<{ id?: string; after?: string }>;
}

const wire = (types: AssociationType[]) =>
  types.map((t) => ({ category: t.category, typeId: t.typeId, label: t.label }));
const stamps = () => ({ startedAt: new Date().toISOString(), completedAt: new Date().toISOString() });

function pairError(store: HubSpotStore, from: string, to: string): Reply | null {
  if (!store.hasObject(from)) return hubspotError(400, 'VALIDATION_ERROR', `Unable to infer object type from: ${from}`);
  if (!store.hasObject(to)) return hubspotError(400, 'VALIDATION_ERROR', `Unable to infer object type from: ${to}`);
  if (!store.associations.types(from, to))
    return hubspotError(400, 'VALIDATION_ERROR', `No association types between ${from} and ${to}`);
  return null;
}

function labelsBetween(
  from: string,
  fromId: string,
  to: string,
  toId: string,
  types: AssociationType[],
): Record<string, unknown> {
  return {
    fromObjectTypeId: OBJECT_TYPE_IDS[from],
    fromObjectId: Number(fromId),
    toObjectTypeId: OBJECT_TYPE_IDS[to],
    toObjectId: Number(toId),
    labels: types.map((t) => t.label).filter((l): l is string => l !== null),
  };
}

/** GET /crm/v4/associations/{from}/{to}/labels */
export function associationLabels(store: HubSpotStore, from: string, to: string): Reply {
  return pairError(store, from, to) ?? { status: 200, body: { results: wire(store.associations.types(from, to)!) } };
}

/** PUT /crm/v4/objects/{from}/{id}/associations/default/{to}/{toId}: the unlabeled default association. */
export function createDefault(store: HubSpotStore, from: string, fromId: string, to: string, toId: string): Reply {
  const bad = pairError(store, from, to);
  if (bad) return bad;
  if (!store.get(from, fromId)) return hubspotError(404, 'OBJECT_NOT_FOUND', `${from} ${fromId} was not found`);
  if (!store.get(to, toId)) return hubspotError(404, 'OBJECT_NOT_FOUND', `${to} ${toId} was not found`);
  store.associations.add(from, fromId, to, toId);
  const typeId = store.associations.defaultType(from, to)!;
  return {
    status: 200,
    body: {
      status: 'COMPLETE',
      results: [
        {
          from: { id: fromId },
          to: { id: toId },
          associationSpec: { associationCategory: 'HUBSPOT_DEFINED', associationTypeId: typeId },
        },
      ],
      ...stamps(),
    },
  };
}

/** PUT /crm/v4/objects/{from}/{id}/associations/{to}/{toId} with a list of association specs. */
export function createLabeled(
  store: HubSpotStore,
  from: string,
  fromId: string,
  to: string,
  toId: string,
  body: unknown,
): Reply {
  const bad = pairError(store, from, to);
  if (bad) return bad;
  if (!Array.isArray(body) || body.length === 0)
    return hubspotError(400, 'VALIDATION_ERROR', 'Invalid input JSON: a list of association specs is required');
  if (!store.get(from, fromId)) return hubspotError(404, 'OBJECT_NOT_FOUND', `${from} ${fromId} was not found`);
  if (!store.get(to, toId)) return hubspotError(404, 'OBJECT_NOT_FOUND', `${to} ${toId} was not found`);
  for (const spec of body as Spec[]) {
    if (!store.associations.add(from, fromId, to, toId, Number(spec.associationTypeId))) {
      return hubspotError(
        400,
        'VALIDATION_ERROR',
        `Association type ${spec.associationTypeId} is not valid between ${from} and ${to}`,
      );
    }
  }
  const types = store.associations.of(from, fromId, to).find((a) => a.toObjectId === toId)!.types;
  return { status: 201, body: labelsBetween(from, fromId, to, toId, types) };
}

/** GET /crm/v4/objects/{from}/{id}/associations/{to}?limit&after */
export function listAssociations(
  store: HubSpotStore,
  from: string,
  fromId: string,
  to: string,
  query: URLSearchParams,
): Reply {
  const bad = pairError(store, from, to);
  if (bad) return bad;
  const limit = Math.min(Number(query.get('limit') ?? 500), 500);
  const after = Number(query.get('after') ?? 0);
  const all = store.associations.of(from, fromId, to);
  const page = all.slice(after, after + limit);
  const next = after + limit < all.length ? String(after + limit) : null;
  return {
    status: 200,
    body: {
      results: page.map((a) => ({ toObjectId: Number(a.toObjectId), associationTypes: wire(a.types) })),
      ...(next ? { paging: { next: { after: next, link: `?after=${next}` } } } : {}),
    },
  };
}

/** POST /crm/v4/associations/{from}/{to}/batch/create: 201, or 207 with an error per input that cannot be made. */
export function batchCreate(store: HubSpotStore, from: string, to: string, body: CreateBody): Reply {
  const bad = pairError(store, from, to);
  if (bad) return bad;
  const inputs = body?.inputs;
  if (!Array.isArray(inputs)) return hubspotError(400, 'VALIDATION_ERROR', 'Invalid input JSON: inputs is required');
  if (inputs.length > 2000)
    return hubspotError(400, 'VALIDATION_ERROR', `Batch input size ${inputs.length} exceeds the limit of 2000`);
  const results: Record<string, unknown>[] = [];
  const errors: Record<string, unknown>[] = [];
  for (const input of inputs) {
    const fromId = String(input.from?.id ?? '');
    const toId = String(input.to?.id ?? '');
    const missing = !store.get(from, fromId) ? `${from} ${fromId}` : !store.get(to, toId) ? `${to} ${toId}` : null;
    if (missing) {
      errors.push({
        status: 'error',
        category: 'VALIDATION_ERROR',
        subCategory: 'crm.associations.INVALID_OBJECT_IDS',
        message: `${missing} does not exist`,
        context: { fromObjectId: [fromId], toObjectId: [toId] },
        errors: [],
        links: {},
      });
      continue;
    }
    const specs = input.types?.length
      ? input.types
      : [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: store.associations.defaultType(from, to) }];
    const invalid = specs.find((s) => !store.associations.add(from, fromId, to, toId, Number(s.associationTypeId)));
    if (invalid) {
      errors.push({
        status: 'error',
        category: 'VALIDATION_ERROR',
        message: `Association type ${invalid.associationTypeId} is not valid between ${from} and ${to}`,
        context: { fromObjectId: [fromId], toObjectId: [toId] },
        errors: [],
        links: {},
      });
      continue;
    }
    results.push(
      labelsBetween(
        from,
        fromId,
        to,
        toId,
        store.associations.of(from, fromId, to).find((a) => a.toObjectId === toId)!.types,
      ),
    );
  }
  if (errors.length === 0) return { status: 201, body: { status: 'COMPLETE', results, ...stamps() } };
  return { status: 207, body: { status: 'COMPLETE', results, numErrors: errors.length, errors, ...stamps() } };
}

/**
 * POST /crm/v4/associations/{from}/{to}/batch/read: each record's associations, `pageSize` per record at most (HubSpot:
 * 500) with `paging.next.after` to ask for more; unknown record IDs come back as errors in a 207.
 */
export function batchReadAssociations(
  store: HubSpotStore,
  from: string,
  to: string,
  body: ReadBody,
  pageSize: number,
): Reply {
  const bad = pairError(store, from, to);
  if (bad) return bad;
  const inputs = body?.inputs;
  if (!Array.isArray(inputs)) return hubspotError(400, 'VALIDATION_ERROR', 'Invalid input JSON: inputs is required');
  if (inputs.length > 1000)
    return hubspotError(400, 'VALIDATION_ERROR', `Batch input size ${inputs.length} exceeds the limit of 1000`);
  const results: Record<string, unknown>[] = [];
  const missing: string[] = [];
  for (const input of inputs) {
    const id = String(input.id ?? '');
    if (!store.get(from, id)) {
      missing.push(id);
      continue;
    }
    const after = Number(input.after ?? 0);
    const all = store.associations.of(from, id, to);
    const page = all.slice(after, after + pageSize);
    const next = after + pageSize < all.length ? String(after + pageSize) : null;
    results.push({
      from: { id },
      to: page.map((a) => ({ toObjectId: Number(a.toObjectId), associationTypes: wire(a.types) })),
      ...(next ? { paging: { next: { after: next } } } : {}),
    });
  }
  if (missing.length === 0) return { status: 200, body: { status: 'COMPLETE', results, ...stamps() } };
  return {
    status: 207,
    body: {
      status: 'COMPLETE',
      results,
      numErrors: 1,
      ...stamps(),
      errors: [
        {
          status: 'error',
          category: 'OBJECT_NOT_FOUND',
          message: `Could not find some ${from}: they may be deleted or not exist`,
          context: { ids: missing },
          errors: [],
          links: {},
        },
      ],
    },
  };
}
