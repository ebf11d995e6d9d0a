import type { FieldDef, PipedriveObject, PipedriveStore } from '../store';
import type { PipedriveFaults } from '../faults';
import { pdError, TYPE_OF, type Reply } from '../http';

export interface WriteContext {
  store: PipedriveStore;
  faults: PipedriveFaults;
  /** Writes applied, counted for tests and the bench. */
  writes: { created: number; updated: number };
}

const REQUIRED: Record<PipedriveObject, string> = {
  persons: 'name',
  deals: 'title',
  organizations: 'name',
  activities: 'subject',
};
const WRITABLE: Record<PipedriveObject, string[]> = {
  persons: ['name', 'first_name', 'last_name', 'emails', 'phones', 'org_id', 'owner_id', 'visible_to'],
  deals: [
    'title',
    'value',
    'currency',
    'status',
    'pipeline_id',
    'stage_id',
    'person_id',
    'org_id',
    'owner_id',
    'expected_close_date',
  ],
  organizations: ['name', 'address', 'owner_id', 'visible_to'],
  activities: [
    'subject',
    'type',
    'due_date',
    'due_time',
    'duration',
    'done',
    'deal_id',
    'person_id',
    'org_id',
    'owner_id',
    'note',
  ],
};

/** `POST /api/v2/{object}` (add) and `PATCH /api/v2/{object}/{id}` (update), with Pipedrive's validation. */
export function write(
  ctx: WriteContext,
  object: PipedriveObject,
  id: number | undefined,
  body: Record<string, unknown>,
): Reply {
  const existing = id === undefined ? undefined : ctx.store.get(object, id);
  if (id !== undefined && !existing) return pdError(404, `${TYPE_OF[object]} not found`);
  const values: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(body)) {
    if (k === 'custom_fields') continue;
    if (!WRITABLE[object].includes(k)) return pdError(400, `Validation failed: ${k}: Unknown or read-only field`);
    values[k] = v;
  }
  const required = REQUIRED[object];
  if (!existing && (typeof values[required] !== 'string' || !(values[required] as string).trim())) {
    return pdError(
      400,
      `Validation failed: ${required}: Required field is missing`,
      `The ${required} of a ${TYPE_OF[object]} is required.`,
    );
  }
  if (required in values && (typeof values[required] !== 'string' || !(values[required] as string).trim())) {
    return pdError(400, `Validation failed: ${required}: Must not be empty`);
  }
  if ('value' in values && values.value !== null && typeof values.value !== 'number')
    return pdError(400, 'Validation failed: value: Must be a number');
  const custom = (body.custom_fields ?? {}) as Record<string, unknown>;
  const defs = new Map(ctx.store.fieldsOf(object).map((d) => [d.key, d] as [string, FieldDef]));
  for (const [key, v] of Object.entries(custom)) {
    const def = defs.get(key);
    if (!def || !/^[0-9a-f]{40}$/.test(key))
      return pdError(400, `Validation failed: custom_fields.${key}: Unknown custom field`);
    if (v === null) continue;
    if (def.field_type === 'enum' && !def.options!.some((o) => o.id === v)) {
      return pdError(
        400,
        `Validation failed: custom_fields.${key}: Option ${JSON.stringify(v)} does not exist`,
        `Valid options of ${def.name}: ${def.options!.map((o) => `${o.id} (${o.label})`).join(', ')}`,
      );
    }
    if (def.field_type === 'double' && typeof v !== 'number')
      return pdError(400, `Validation failed: custom_fields.${key}: Must be a number`);
    const injected = ctx.faults.failures.get(String(v));
    if (injected) return pdError(400, injected);
  }
  if (object === 'deals' && values.stage_id !== undefined && !ctx.store.stages.some((s) => s.id === values.stage_id)) {
    return pdError(400, 'Validation failed: stage_id: Stage not found');
  }
  if (
    object === 'deals' &&
    values.person_id !== undefined &&
    values.person_id !== null &&
    !ctx.store.get('persons', Number(values.person_id))
  ) {
    return pdError(400, 'Validation failed: person_id: Person not found');
  }
  if (values.org_id !== undefined && values.org_id !== null && !ctx.store.get('organizations', Number(values.org_id))) {
    return pdError(400, 'Validation failed: org_id: Organization not found');
  }
  const record = existing
    ? ctx.store.update(object, existing.id, values, custom)!
    : ctx.store.create(object, values, custom);
  ctx.writes[existing ? 'updated' : 'created']++;
  return { status: 200, body: { success: true, data: record } };
}
