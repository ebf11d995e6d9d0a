import type { Reply } from '../http';
import { hubspotError } from '../http';
import type { Faults } from '../faults';
import type { HubSpotStore } from '../store';
import { invalidValue, propertyProblems, publicRecord } from './common';

interface UpsertBody {
  inputs?: Array<{ idProperty?: string; id?: string; properties?: Record<string, string | null> }>;
}

/** POST /crm/v3/objects/{objectType}/batch/upsert: 200 when every input succeeds, 207 with `errors` otherwise. */
export function batchUpsert(
  store: HubSpotStore,
  faults: Faults,
  object: string,
  body: UpsertBody,
  wholeBatch = false,
): Reply {
  const inputs = body?.inputs;
  if (!Array.isArray(inputs)) return hubspotError(400, 'VALIDATION_ERROR', 'Invalid input JSON: inputs is required');
  if (inputs.length > 100)
    return hubspotError(400, 'VALIDATION_ERROR', `Batch input size ${inputs.length} exceeds the limit of 100`);
  const defs = store.properties(object)!;
  if (wholeBatch) {
    // HubSpot's usual answer to invalid property values: the whole batch is refused, nothing is written.
    const problems = inputs.flatMap((input) =>
      Object.entries(input.properties ?? {}).flatMap(([name, value]) => {
        const def = defs.get(name);
        const reason = !def
          ? 'PROPERTY_DOESNT_EXIST'
          : def.modificationMetadata.readOnlyValue
            ? 'READ_ONLY_VALUE'
            : invalidValue(def, value)
              ? 'INVALID_OPTION'
              : null;
        return reason
          ? [
              {
                isValid: false,
                message: !def
                  ? `Property "${name}" does not exist`
                  : (invalidValue(def, value) ?? `Property "${name}" is read-only`),
                error: reason,
                name,
              },
            ]
          : [];
      }),
    );
    if (problems.length)
      return hubspotError(400, 'VALIDATION_ERROR', `Property values were not valid: ${JSON.stringify(problems)}`);
  }
  const startedAt = new Date().toISOString();
  const results: Record<string, unknown>[] = [];
  const errors: Record<string, unknown>[] = [];
  const fail = (key: string, category: string, message: string, extra: Record<string, unknown> = {}) =>
    errors.push({ status: 'error', category, message, context: { ids: [key] }, errors: [], links: {}, ...extra });
  for (const input of inputs) {
    const idProperty = input.idProperty ?? 'hs_object_id';
    const key = String(input.id ?? '');
    const props = input.properties ?? {};
    const keyDef = defs.get(idProperty);
    if (!keyDef) {
      fail(key, 'VALIDATION_ERROR', `Property "${idProperty}" does not exist`, {
        subCategory: 'PROPERTY_DOESNT_EXIST',
      });
      continue;
    }
    if (!keyDef.hasUniqueValue) {
      fail(key, 'VALIDATION_ERROR', `Property "${idProperty}" is not a unique identifier property`);
      continue;
    }
    if (!key) {
      fail(key, 'VALIDATION_ERROR', `Input is missing an id for idProperty ${idProperty}`);
      continue;
    }
    const injected = faults.recordFailure(object, key);
    if (injected) {
      fail(key, 'VALIDATION_ERROR', injected);
      continue;
    }
    const problems = propertyProblems(defs, props);
    if (problems.length) {
      fail(key, 'VALIDATION_ERROR', problems.join('; '), { subCategory: 'INVALID_PROPERTIES' });
      continue;
    }
    const existing = store.findBy(object, idProperty, key);
    // Another unique property (a contact's email) already held by a different record: HubSpot refuses the input.
    const taken = Object.entries(props).find(
      ([name, value]) =>
        name !== idProperty &&
        value &&
        defs.get(name)?.hasUniqueValue &&
        (store.findBy(object, name, value) ?? existing) !== existing,
    );
    if (taken) {
      const holder = store.findBy(object, taken[0], taken[1]!)!;
      fail(
        key,
        'CONFLICT',
        `A ${object.replace(/s$/, '')} with ${taken[0]} ${taken[1]} already exists. Existing ID: ${holder.id}`,
      );
      continue;
    }
    const record =
      existing ?? store.create(object, idProperty === 'hs_object_id' ? props : { ...props, [idProperty]: key });
    if (existing) store.update(existing, props);
    const names = [
      ...new Set([...Object.keys(props), idProperty, 'hs_object_id', 'createdate', 'hs_lastmodifieddate']),
    ];
    results.push({ ...publicRecord(object, record, names), new: !existing });
  }
  const completedAt = new Date().toISOString();
  if (errors.length === 0) return { status: 200, body: { status: 'COMPLETE', results, startedAt, completedAt } };
  return {
    status: 207,
    body: { status: 'COMPLETE', results, numErrors: errors.length, errors, startedAt, completedAt },
  };
}

interface ReadBody {
  idProperty?: string;
  inputs?: Array<{ id?: string }>;
  properties?: string[];
}

/** POST /crm/v3/objects/{objectType}/batch/read: 200, or 207 with OBJECT_NOT_FOUND for ids that do not exist. */
export function batchRead(store: HubSpotStore, object: string, body: ReadBody): Reply {
  const inputs = body?.inputs;
  if (!Array.isArray(inputs)) return hubspotError(400, 'VALIDATION_ERROR', 'Invalid input JSON: inputs is required');
  if (inputs.length > 100)
    return hubspotError(400, 'VALIDATION_ERROR', `Batch input size ${inputs.length} exceeds the limit of 100`);
  const idProperty = body.idProperty ?? 'hs_object_id';
  const def = store.properties(object)!.get(idProperty);
  if (!def || !def.hasUniqueValue)
    return hubspotError(400, 'VALIDATION_ERROR', `Property "${idProperty}" is not a unique identifier property`);
  const startedAt = new Date().toISOString();
  const results: Record<string, unknown>[] = [];
  const missing: string[] = [];
  for (const input of inputs) {
    const key = String(input.id ?? '');
    const record = store.findBy(object, idProperty, key);
    if (record) results.push(publicRecord(object, record, [...new Set([...(body.properties ?? []), idProperty])]));
    else missing.push(key);
  }
  const completedAt = new Date().toISOString();
  if (missing.length === 0) return { status: 200, body: { status: 'COMPLETE', results, startedAt, completedAt } };
  return {
    status: 207,
    body: {
      status: 'COMPLETE',
      results,
      numErrors: 1,
      startedAt,
      completedAt,
      errors: [
        {
          status: 'error',
          category: 'OBJECT_NOT_FOUND',
          message: `Could not get some ${object} objects, they may be deleted or not exist. Check that ids are valid.`,
          context: { ids: missing },
          errors: [],
          links: {},
        },
      ],
    },
  };
}
