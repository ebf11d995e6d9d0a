import type { Client } from '@hubspot/api-client';
import { z } from 'zod';
import type { UpsertInput, UpsertResult } from '../connector';
import { HubSpotError } from './errors';
import { parseReply } from './schemas';

/**
 * Associates each upserted record with a parent record found by the parent's unique key, e.g. a contact with its
 * company by the company's `legacy_company_id`, or a deal with its contact.
 */
export interface ParentAssociation {
  /** The parent's object type (`companies`, `contacts`, a custom object's type). */
  toObject: string;
  /** A unique property of the parent that holds the key (e.g. `legacy_company_id`). */
  toKeyProperty: string;
  /**
   * The input property that holds each record's parent key. It is not written to HubSpot. A record without a value
   * there is written and not associated.
   */
  keyFrom: string;
  /** Association type; default: HubSpot's unlabeled default type for the pair, read from the labels endpoint. */
  associationTypeId?: number;
  associationCategory?: 'HUBSPOT_DEFINED' | 'USER_DEFINED' | 'INTEGRATOR_DEFINED';
}

export const ParentAssociationSchema = z
  .object({
    toObject: z.string().min(1),
    toKeyProperty: z.string().min(1),
    keyFrom: z.string().min(1),
    associationTypeId: z.number().int().positive().optional(),
    associationCategory: z.enum(['HUBSPOT_DEFINED', 'USER_DEFINED', 'INTEGRATOR_DEFINED']).optional(),
  })
  .strict();

/** An SDK `*WithHttpInfo` answer: the data and the response headers the limiter learns from. */
export interface WithHeaders<T> {
  headers: Record<string, string>;
  data: T;
}

/** What the association code needs from the connector: its SDK client and its limited, retried call. */
export interface AssociationContext {
  client: Client;
  call<T>(what: string, fn: () => Promise<WithHeaders<T>>): Promise<T>;
}

const LabelsResponse = z.object({
  results: z.array(z.object({ category: z.string(), typeId: z.number(), label: z.string().nullish() })),
});
const BatchReadByKey = z.object({
  results: z.array(z.object({ id: z.string(), properties: z.record(z.string(), z.string().nullable()) })),
});
const CreateResponse = z.object({
  errors: z
    .array(z.object({ message: z.string(), context: z.record(z.string(), z.array(z.string())).optional() }))
    .optional(),
});
const ReadResponse = z.object({
  results: z.array(
    z.object({
      _from: z.object({ id: z.string() }),
      to: z.array(z.object({ toObjectId: z.union([z.string(), z.number()]) })),
      paging: z.object({ next: z.object({ after: z.string() }).optional() }).optional(),
    }),
  ),
});

const typeCache = new WeakMap<Client, Map<string, { category: string; typeId: number }>>();

/** The association type to use between two object types: the one given, or HubSpot's unlabeled default for the pair. */
export async function associationType(
  ctx: AssociationContext,
  from: string,
  spec: ParentAssociation,
): Promise<{ category: string; typeId: number }> {
  if (spec.associationTypeId)
    return { category: spec.associationCategory ?? 'HUBSPOT_DEFINED', typeId: spec.associationTypeId };
  const cache = typeCache.get(ctx.client) ?? new Map<string, { category: string; typeId: number }>();
  typeCache.set(ctx.client, cache);
  const key = `${from}|${spec.toObject}`;
  const cached = cache.get(key);
  if (cached) return cached;
  const raw = await ctx.call(`association types ${from} -> ${spec.toObject}`, () =>
    ctx.client.crm.associations.v4.schema.definitionsApi.getAllWithHttpInfo(from, spec.toObject),
  );
  const types = parseReply(LabelsResponse, raw, `GET /crm/v4/associations/${from}/${spec.toObject}/labels`).results;
  const unlabeled = types.find((t) => !t.label && t.category === 'HUBSPOT_DEFINED') ?? types.find((t) => !t.label);
  if (!unlabeled)
    throw new HubSpotError(
      `HubSpot has no default association type from ${from} to ${spec.toObject}; give associationTypeId`,
    );
  const found = { category: unlabeled.category, typeId: unlabeled.typeId };
  cache.set(key, found);
  return found;
}

/** Parent keys -> HubSpot record IDs, by `batch/read` on the parent's key property (100 keys a call); unknown keys are absent. */
export async function resolveParents(
  ctx: AssociationContext,
  spec: ParentAssociation,
  keys: string[],
  known: Map<string, string>,
): Promise<Map<string, string>> {
  const wanted = [...new Set(keys)].filter((k) => !known.has(k));
  for (let i = 0; i < wanted.length; i += 100) {
    const chunk = wanted.slice(i, i + 100);
    const raw = await ctx.call(`read ${spec.toObject} parents by ${spec.toKeyProperty}`, () =>
      ctx.client.crm.objects.batchApi.readWithHttpInfo(spec.toObject, {
        idProperty: spec.toKeyProperty,
        inputs: chunk.map((id) => ({ id })),
        properties: [spec.toKeyProperty],
        propertiesWithHistory: [],
      }),
    );
    for (const parent of parseReply(BatchReadByKey, raw, `POST /crm/v3/objects/${spec.toObject}/batch/read`).results) {
      const key = parent.properties[spec.toKeyProperty];
      if (key) known.set(key, parent.id);
    }
  }
  return known;
}

/** The parent key a record names under `spec.keyFrom`, or null when it names none. */
export function parentKeyOf(record: UpsertInput, spec: ParentAssociation): string | null {
  const value = record.properties[spec.keyFrom];
  return value === undefined || value === null || value === '' ? null : String(value);
}

/**
 * Creates the associations of written records (`from id -> parent id`) with v4 `batch/create` (up to 2,000 a call)
 * and marks each record whose association HubSpot refused as failed, saying it was written.
 */
export async function associate(
  ctx: AssociationContext,
  from: string,
  spec: ParentAssociation,
  links: Array<{ result: UpsertResult; parentId: string; parentKey: string }>,
): Promise<void> {
  if (links.length === 0) return;
  const type = await associationType(ctx, from, spec);
  for (let i = 0; i < links.length; i += 2000) {
    const chunk = links.slice(i, i + 2000);
    const inputs = chunk.map((l) => ({
      _from: { id: l.result.id! },
      to: { id: l.parentId },
      types: [{ associationCategory: type.category, associationTypeId: type.typeId }],
    }));
    const failWith = (l: (typeof chunk)[number], message: string) => {
      l.result.error = `written as ${from} ${l.result.id} (${l.result.status}), but not associated with ${spec.toObject} ${spec.toKeyProperty}=${l.parentKey}: ${message}`;
      l.result.status = 'failed';
    };
    let raw: unknown;
    try {
      raw = await ctx.call(`associate ${from} -> ${spec.toObject}`, () =>
        ctx.client.crm.associations.v4.batchApi.createWithHttpInfo(from, spec.toObject, { inputs } as never),
      );
    } catch (error) {
      const status = (error as HubSpotError).status;
      if (status === 401 || status === 403) throw error;
      for (const l of chunk) failWith(l, (error as Error).message);
      continue;
    }
    for (const err of parseReply(CreateResponse, raw, `POST /crm/v4/associations/${from}/${spec.toObject}/batch/create`)
      .errors ?? []) {
      const ids = new Set(err.context?.fromObjectId ?? []);
      for (const l of chunk) if (ids.has(l.result.id!)) failWith(l, err.message);
    }
  }
}

/** The IDs of the `to` records associated with each record (every requested ID is a key; none -> empty list). */
export async function readAssociations(
  ctx: AssociationContext,
  from: string,
  ids: string[],
  to: string,
): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>(ids.map((id) => [id, []]));
  let pending: Array<{ id: string; after?: string }> = [...new Set(ids)].map((id) => ({ id }));
  while (pending.length) {
    const chunk = pending.slice(0, 1000);
    pending = pending.slice(1000);
    const raw = await ctx.call(`read ${from} -> ${to} associations`, () =>
      ctx.client.crm.associations.v4.batchApi.getPageWithHttpInfo(from, to, { inputs: chunk }),
    );
    for (const r of parseReply(ReadResponse, raw, `POST /crm/v4/associations/${from}/${to}/batch/read`).results) {
      out.get(r._from.id)?.push(...r.to.map((t) => String(t.toObjectId)));
      const after = r.paging?.next?.after;
      if (after) pending.push({ id: r._from.id, after });
    }
  }
  return out;
}
