import type { ILoadOptionsFunctions, ResourceMapperField, ResourceMapperFields } from 'n8n-workflow';
import type { FieldSchema, ObjectSchema } from '../../../core/connectors/connector';
import { redactSecrets } from '../../../core/db/redact';
import { sampleRecords, suggestMappings, type FieldSuggestion } from '../../../core/mapping/suggest';
import { current, openSyncEnd, propertyName } from './syncEnds';

const SAMPLE_SIZE = 20;

const without = (schema: ObjectSchema, names: string[]): ObjectSchema => ({
  ...schema,
  fields: schema.fields.filter((f) => !names.includes(f.name)),
});

/** A target field of the mapping: its name, and the suggestion with its reasons, since n8n fields have no hint. */
function mapperField(f: FieldSchema, suggestion: FieldSuggestion | undefined): ResourceMapperField {
  const id = propertyName(f);
  const name = f.label && f.label !== id ? `${f.label} (${id})` : id;
  const why = suggestion ? ` ← ${suggestion.source}: ${suggestion.confidence}% (${suggestion.reasons.join('; ')})` : '';
  return {
    id,
    displayName: `${name}${f.required ? ' [required]' : ''}${why}`,
    required: false,
    defaultMatch: false,
    canBeUsedToMatch: false,
    display: true,
    // Cells hold field names, templates or quoted constants, whatever the target field's type.
    type: 'string',
    ...(suggestion ? { defaultValue: suggestion.source } : {}),
  };
}

/**
 * The target fields of a stream for n8n's field-mapping UI, each with core's mapping suggestion (source field,
 * confidence, reasons) filled in; suggested fields come first. The source ID and the external-ID key are left out:
 * the engine writes the one into the other. Never throws: the UI shows the notice.
 */
export async function getSyncFieldMapping(this: ILoadOptionsFunctions): Promise<ResourceMapperFields> {
  const secrets: string[] = [];
  try {
    const sourceObject = current(this, '&sourceObject');
    const targetObject = current(this, '&targetObject');
    const key = current(this, '&key');
    if (typeof sourceObject !== 'string' || !sourceObject || typeof targetObject !== 'string' || !targetObject)
      return { fields: [], emptyFieldsNotice: "Choose this stream's source and target objects first" };
    const source = (await openSyncEnd(this, 'source', secrets)).connector;
    const target = (await openSyncEnd(this, 'target', secrets)).connector;
    const sourceSchema = await source.describe(sourceObject);
    const targetSchema = await target.describe(targetObject);
    const samples = {
      source: await sampleRecords(source, sourceObject, SAMPLE_SIZE),
      target: await sampleRecords(target, targetObject, SAMPLE_SIZE),
    };
    const writable = {
      ...targetSchema,
      fields: targetSchema.fields.filter(
        (f) => !f.readOnly && f.name !== targetSchema.idField && f.name !== key && propertyName(f) !== key,
      ),
    };
    const result = suggestMappings(without(sourceSchema, [sourceSchema.idField]), writable, samples);
    const byTarget = new Map(result.suggestions.filter((s) => s.target !== null).map((s) => [s.target!, s]));
    const fields = writable.fields.map((f) => mapperField(f, byTarget.get(f.name)));
    return { fields: [...fields.filter((f) => f.defaultValue), ...fields.filter((f) => !f.defaultValue)] };
  } catch (error) {
    return {
      fields: [],
      emptyFieldsNotice: `Cannot read the stream's objects: ${redactSecrets((error as Error).message, secrets)}`,
    };
  }
}
