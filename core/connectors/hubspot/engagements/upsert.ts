import { z } from 'zod';
import type { UpsertInput, Value } from '../../connector';
import type { AssociationContext } from '../associations';
import { HubSpotError } from '../errors';
import { parseReply } from '../schemas';
import type { HubSpotUpsertOptions } from '../upsert-options';
import { moveEngagements, finishMoves, type Move, type Leftover } from './move';
import { ownValues, toNative } from './translate';
import {
  ENGAGEMENT_TYPES,
  ENGAGEMENTS,
  isEngagementType,
  MEETING_END,
  MEETING_START,
  OBJECT_OF,
  UNIFIED,
  type EngagementType,
} from './types';
import type { Carrier, EngagementUpsertResult, UpsertContext } from './contracts';
import { pushTo } from './group';

const ByKey = z.object({
  results: z.array(z.object({ id: z.string(), properties: z.record(z.string(), z.string().nullable()) })),
});
const blank = (v: Value | undefined) => v === undefined || v === null || v === '';

/**
 * The engagements of these keys, in every type: key -> the records carrying it (none, one, or several when a
 * type was changed by hand or a move was interrupted). One `batch/read` by the key per 100 keys and type; meetings
 * also bring their times, which an update of the start or the duration needs.
 */
async function locate(ctx: AssociationContext, keyProperty: string, keys: string[]): Promise<Map<string, Carrier[]>> {
  const out = new Map<string, Carrier[]>();
  const unique = [...new Set(keys)];
  await Promise.all(
    ENGAGEMENT_TYPES.map(async (type) => {
      const object = OBJECT_OF[type];
      const properties = [keyProperty, UNIFIED.timestamp, ...(type === 'MEETING' ? [MEETING_START, MEETING_END] : [])];
      for (let i = 0; i < unique.length; i += 100) {
        const chunk = unique.slice(i, i + 100);
        const raw = await ctx.call(`find ${object} by ${keyProperty}`, () =>
          ctx.client.crm.objects.batchApi.readWithHttpInfo(object, {
            idProperty: keyProperty,
            inputs: chunk.map((id) => ({ id })),
            properties,
            propertiesWithHistory: [],
          }),
        );
        for (const r of parseReply(ByKey, raw, `POST /crm/v3/objects/${object}/batch/read`).results) {
          const key = r.properties[keyProperty];
          if (key) pushTo(out, key, { type, id: r.id, properties: r.properties });
        }
      }
    }),
  );
  return out;
}

/**
 * Upserts engagements by a key unique on every type. Each record goes to the type it already lives in, or, when
 * HubSpot has none under its key, to the type its `hs_engagement_type` names; a record with neither fails alone, as
 * does one with a value the view cannot place (an unknown type, a property the view lacks, a value with no home on
 * its type). Writes are the connector's per-type upserts (parents, unchanged detection and all), 100 per call.
 */
export async function upsertEngagements(
  u: UpsertContext,
  records: UpsertInput[],
  options: HubSpotUpsertOptions,
): Promise<EngagementUpsertResult[]> {
  const { schema, defined } = await u.view.unified();
  const keyProperty = options.keyProperty;
  const keyField = schema.fields.find((f) => f.name === keyProperty);
  if (!keyField?.unique) {
    throw new HubSpotError(
      `Cannot upsert ${ENGAGEMENTS} by ${keyProperty}: it must be a property with unique values on each of ${ENGAGEMENT_TYPES.map((t) => OBJECT_OF[t]).join(', ')}`,
    );
  }
  const fields = new Map(schema.fields.map((f) => [f.name, f]));
  const virtual = new Set((options.associations ?? []).map((a) => a.keyFrom));
  const results: Array<EngagementUpsertResult | undefined> = new Array(records.length);
  const fail = (i: number, reason: string) =>
    (results[i] = {
      key: records[i]!.key,
      status: 'failed',
      error: `engagement ${keyProperty}=${records[i]!.key}: ${reason}`,
    });

  const declared = records.map((r, i) => {
    const problem = invalidInput(r, fields, virtual, keyProperty);
    if (problem) fail(i, problem);
    const type = r.properties[UNIFIED.type];
    return problem || blank(type) ? undefined : (type as EngagementType);
  });
  const live = records.flatMap((r, i) => (results[i] ? [] : [r.key]));
  const located = live.length ? await locate(u.ctx, keyProperty, live) : new Map<string, Carrier[]>();

  const writes = new Map<EngagementType, Array<{ index: number; input: UpsertInput }>>();
  const moves: Move[] = [];
  const leftovers: Leftover[] = [];
  const route = (i: number, type: EngagementType, carrier?: Carrier) => {
    const { properties, problems } = toNative(type, ownValues(records[i]!, virtual), {
      current: carrier?.properties,
      defined: defined[type],
    });
    if (problems.length) return fail(i, problems.join('; '));
    const parents = Object.fromEntries(Object.entries(records[i]!.properties).filter(([k]) => virtual.has(k)));
    if (carrier && Object.keys(properties).length === 0 && Object.values(parents).every(blank)) {
      results[i] = { key: records[i]!.key, status: 'unchanged', id: carrier.id, object: OBJECT_OF[type] };
      return;
    }
    pushTo(writes, type, { index: i, input: { key: records[i]!.key, properties: { ...properties, ...parents } } });
  };

  records.forEach((r, i) => {
    if (results[i]) return;
    const carriers = located.get(r.key) ?? [];
    for (const c of carriers) u.view.remember(c.id, c.type);
    const type = declared[i];
    if (carriers.length === 0) {
      if (!type)
        return fail(
          i,
          `it has no ${UNIFIED.type}, and no engagement in HubSpot carries ${keyProperty}=${r.key}, so it cannot be told whether it is a call, email, meeting, note or task`,
        );
      if (blank(r.properties[UNIFIED.timestamp]))
        return fail(i, `HubSpot needs ${UNIFIED.timestamp} to create an engagement, and it has none`);
      return route(i, type);
    }
    const inType = carriers.filter((c) => c.type === type);
    if (carriers.length > 1 && !(type && inType.length === 1)) {
      return fail(
        i,
        `${carriers.length} engagements carry it (${carriers.map((c) => `${OBJECT_OF[c.type]} ${c.id}`).join(', ')}): settle which one it is (reconcile lists it as a conflict) before writing it`,
      );
    }
    if (carriers.length > 1) {
      // One in the named type and the others elsewhere: what an interrupted move leaves. The move is finished.
      leftovers.push({ index: i, keep: inType[0]!, others: carriers.filter((c) => c !== inType[0]) });
      return route(i, type!, inType[0]);
    }
    const carrier = carriers[0]!;
    if (!type || type === carrier.type) return route(i, carrier.type, carrier);
    if (u.retype === 'refuse') {
      return fail(
        i,
        `it is a ${carrier.type} in HubSpot (${OBJECT_OF[carrier.type]} ${carrier.id}) and the input makes it a ${type}: HubSpot cannot change an engagement's type (with the connector option engagementRetype: 'move' it is re-created as a ${type} and the ${carrier.type} archived)`,
      );
    }
    moves.push({ index: i, from: carrier, to: type });
  });

  await Promise.all(
    [...writes].map(async ([type, list]) => {
      const answers = await u.base.upsert(
        OBJECT_OF[type],
        list.map((l) => l.input),
        options,
      );
      answers.forEach((a, n) => {
        results[list[n]!.index] = { ...a, object: OBJECT_OF[type] };
        if (a.id) u.view.remember(a.id, type);
      });
    }),
  );
  if (moves.length) await moveEngagements(u, records, moves, options, results, defined);
  if (leftovers.length) await finishMoves(u, leftovers, results);
  return results.map((r, i) => r ?? { key: records[i]!.key, status: 'failed', error: 'no result for this record' });
}

/** Why an input cannot be written as given, or null: an unknown type, a property not in the view, a read-only one, a value outside a picklist. */
function invalidInput(
  record: UpsertInput,
  fields: Map<string, { readOnly?: boolean; type: string; options?: string[] }>,
  virtual: Set<string>,
  keyProperty: string,
): string | null {
  const type = record.properties[UNIFIED.type];
  if (!blank(type) && !isEngagementType(type!))
    return `${UNIFIED.type} ${JSON.stringify(type)} is not one of ${ENGAGEMENT_TYPES.join(', ')}`;
  for (const [name, value] of Object.entries(record.properties)) {
    if (virtual.has(name) || name === keyProperty) continue;
    const field = fields.get(name);
    if (!field) return `${name} is not a property of the ${ENGAGEMENTS} view (it is not on all five engagement types)`;
    if (field.readOnly) return `${name} is read-only`;
    if (
      name !== UNIFIED.type &&
      field.type === 'enum' &&
      field.options?.length &&
      !blank(value) &&
      !field.options.includes(value!)
    ) {
      return `${name} ${JSON.stringify(value)} is not one of ${field.options.join(', ')}`;
    }
  }
  return null;
}
