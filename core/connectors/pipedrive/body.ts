import type { UpsertInput } from '../connector';
import { findField, type FieldInfo } from './describe';
import { PipedriveError } from './errors';
import type { PipedriveObject } from './options';
import type { PipedrivePipelines } from './pipelines';

/** Standard fields holding an ID (Pipedrive types `pipeline_id` as `double`); pipeline and stage may also be given by name. */
const REFERENCES = ['org_id', 'owner_id', 'person_id', 'stage_id', 'pipeline_id'];

/** The body of an add or update; a stage and pipeline given by name are resolved to IDs (stages within the pipeline). */
export async function writeBody(
  object: PipedriveObject,
  fields: Map<string, FieldInfo>,
  key: FieldInfo,
  input: UpsertInput,
  pipelines: PipedrivePipelines,
): Promise<Record<string, unknown>> {
  const body: Record<string, unknown> = {};
  const custom: Record<string, unknown> = { [key.key]: input.key };
  for (const [name, value] of Object.entries(input.properties)) {
    const f = findField(fields, name);
    if (!f) throw new PipedriveError(`Unknown ${object} field "${name}"`);
    if (f.key === key.key) continue;
    let v: unknown = value;
    if (value !== null && ['double', 'monetary', 'int'].includes(f.fieldType) && !REFERENCES.includes(f.key)) {
      v = Number(value);
      if (!Number.isFinite(v)) throw new PipedriveError(`Field "${f.name}" needs a number, got "${value}"`);
    } else if (value !== null && f.custom && (f.fieldType === 'enum' || f.fieldType === 'set')) {
      const ids = value.split(';').map((label) => f.options.get(label.trim()) ?? label.trim());
      v = f.fieldType === 'enum' ? ids[0] : ids;
    }
    if (f.custom) custom[f.key] = v;
    else if (f.key === 'email') body.emails = v === null ? [] : [{ value: v, primary: true, label: 'work' }];
    else if (f.key === 'phone') body.phones = v === null ? [] : [{ value: v, primary: true, label: 'work' }];
    // person_id, org_id, owner_id: the Pipedrive ID of the record pointed at (e.g. a person upserted just before).
    else if (REFERENCES.includes(f.key) && v !== null) body[f.key] = /^\d+$/.test(String(v).trim()) ? Number(v) : v;
    else body[f.key] = v;
  }
  if (object === 'deals') await pipelines.resolveStage(body);
  body.custom_fields = custom;
  return body;
}
