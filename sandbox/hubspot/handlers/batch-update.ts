import type { Reply } from '../http';
import { hubspotError } from '../http';
import type { Faults } from '../faults';
import type { HubSpotStore } from '../store';
import { propertyProblems, publicRecord } from './common';

interface UpdateBody {
  inputs?: Array<{ id?: string; idProperty?: string; properties?: Record<string, string | null> }>;
}

/**
 * POST /crm/v3/objects/{objectType}/batch/update: each input names an existing record by ID (or a unique property).
 * 200 when all succeed; 207 with per-record errors (an ID that does not exist, an invalid value) otherwise.
 */
export function batchUpdate(store: HubSpotStore, faults: Faults, object: string, body: UpdateBody): Reply {
  const inputs = body?.inputs;
  if (!Array.isArray(inputs)) return hubspotError(400, 'VALIDATION_ERROR', 'Invalid input JSON: inputs is required');
  if (inputs.length > 100)
    return hubspotError(400, 'VALIDATION_ERROR', `Batch input size ${inputs.length} exceeds the limit of 100`);
  if (new Set(inputs.map((i) => `${i.idProperty ?? ''}\n${i.id}`)).size !== inputs.length) {
    return hubspotError(400, 'VALIDATION_ERROR', 'Duplicate IDs found in batch input');
  }
  const defs = store.properties(object)!;
  const startedAt = new Date().toISOString();
  const results: Record<string, unknown>[] = [];
  const errors: Record<string, unknown>[] = [];
  const fail = (id: string, category: string, message: string) =>
    errors.push({ status: 'error', category, message, context: { ids: [id] }, errors: [], links: {} });
  for (const input of inputs) {
    const id = String(input.id ?? '');
    const idProperty = input.idProperty ?? 'hs_object_id';
    const record = id ? store.findBy(object, idProperty, id) : undefined;
    if (!record || record.archived) {
      fail(id, 'OBJECT_NOT_FOUND', `Object not found. objectId are usually numeric.`);
      continue;
    }
    const injected = faults.recordFailure(object, id);
    if (injected) {
      fail(id, 'VALIDATION_ERROR', injected);
      continue;
    }
    const problems = propertyProblems(defs, input.properties ?? {}, (def, name, value) => {
      const holder = def.hasUniqueValue && value ? store.findBy(object, name, value) : undefined;
      return holder && holder !== record
        ? `A ${object} record with ${name}=${value} already exists. Existing ID: ${holder.id}`
        : null;
    });
    if (problems.length) {
      fail(id, 'VALIDATION_ERROR', problems.join('; '));
      continue;
    }
    store.update(record, input.properties ?? {});
    results.push(
      publicRecord(object, record, [
        ...new Set([...Object.keys(input.properties ?? {}), 'hs_object_id', 'createdate', 'hs_lastmodifieddate']),
      ]),
    );
  }
  const completedAt = new Date().toISOString();
  if (errors.length === 0) return { status: 200, body: { status: 'COMPLETE', results, startedAt, completedAt } };
  return {
    status: 207,
    body: { status: 'COMPLETE', results, numErrors: errors.length, errors, startedAt, completedAt },
  };
}

interface ArchiveBody {
  inputs?: Array<{ id?: string }>;
}

/** POST /crm/v3/objects/{objectType}/batch/archive: 204, no body; IDs already archived or unknown are ignored. */
export function batchArchive(store: HubSpotStore, object: string, body: ArchiveBody): Reply {
  const inputs = body?.inputs;
  if (!Array.isArray(inputs)) return hubspotError(400, 'VALIDATION_ERROR', 'Invalid input JSON: inputs is required');
  if (inputs.length > 100)
    return hubspotError(400, 'VALIDATION_ERROR', `Batch input size ${inputs.length} exceeds the limit of 100`);
  for (const input of inputs) store.archive(object, String(input.id ?? ''));
  return { status: 204, body: undefined };
}
