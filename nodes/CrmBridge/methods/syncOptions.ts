import { NodeOperationError, type ILoadOptionsFunctions, type INodePropertyOptions } from 'n8n-workflow';
import type { FieldSchema } from '../../../core/connectors/connector';
import { redactSecrets } from '../../../core/db/redact';
import { current, describeAll, openSyncEnd, propertyName, streamObjects, type Side } from './syncEnds';

/** Runs a loader; a failure shows under the field in the editor, with the credentials' secrets taken out. */
async function loading(
  fns: ILoadOptionsFunctions,
  what: string,
  load: (secrets: string[]) => Promise<INodePropertyOptions[]>,
): Promise<INodePropertyOptions[]> {
  const secrets: string[] = [];
  try {
    return await load(secrets);
  } catch (error) {
    throw new NodeOperationError(
      fns.getNode(),
      `Cannot list ${what}: ${redactSecrets((error as Error).message, secrets)}`,
    );
  }
}

const fieldOption = (f: FieldSchema, objects?: string[]): INodePropertyOptions => ({
  name: f.label && f.label !== propertyName(f) ? `${f.label} (${propertyName(f)})` : propertyName(f),
  value: propertyName(f),
  description: [
    f.type,
    f.required ? 'required' : '',
    f.unique ? 'unique' : '',
    f.readOnly ? 'read-only' : '',
    objects ? `in ${objects.join(', ')}` : '',
  ]
    .filter(Boolean)
    .join(', '),
});

async function objectsOf(fns: ILoadOptionsFunctions, side: Side): Promise<INodePropertyOptions[]> {
  return loading(fns, `the ${side} CRM's objects`, async (secrets) => {
    const { connector } = await openSyncEnd(fns, side, secrets);
    return (await connector.listObjects()).map((o) => ({ name: o, value: o }));
  });
}

/** Fields of every object the streams name on one side, each once, saying which objects have it. */
async function fieldsOf(fns: ILoadOptionsFunctions, side: Side): Promise<INodePropertyOptions[]> {
  return loading(fns, `the ${side} fields`, async (secrets) => {
    const objects = streamObjects(fns, side);
    if (objects.length === 0) return [];
    const { connector } = await openSyncEnd(fns, side, secrets);
    const byName = new Map<string, { field: FieldSchema; objects: string[] }>();
    for (const schema of await describeAll(connector, objects))
      for (const field of schema.fields) {
        const seen = byName.get(propertyName(field));
        if (seen) seen.objects.push(schema.object);
        else byName.set(propertyName(field), { field, objects: [schema.object] });
      }
    return [...byName.values()].map((f) => fieldOption(f.field, f.objects));
  });
}

export async function getSyncSourceObjects(this: ILoadOptionsFunctions): Promise<INodePropertyOptions[]> {
  return objectsOf(this, 'source');
}

export async function getSyncTargetObjects(this: ILoadOptionsFunctions): Promise<INodePropertyOptions[]> {
  return objectsOf(this, 'target');
}

export async function getSyncSourceFields(this: ILoadOptionsFunctions): Promise<INodePropertyOptions[]> {
  return fieldsOf(this, 'source');
}

export async function getSyncTargetFields(this: ILoadOptionsFunctions): Promise<INodePropertyOptions[]> {
  return fieldsOf(this, 'target');
}

/**
 * Target fields that can hold the source ID, likeliest first: unique ones (an external-ID field is made for it), then
 * those named after the source CRM (`Salesforce ID`), then other ID fields; never the target's own ID.
 */
export async function getSyncKeyFields(this: ILoadOptionsFunctions): Promise<INodePropertyOptions[]> {
  return loading(this, 'the key fields', async (secrets) => {
    const object = current(this, '&targetObject');
    if (typeof object !== 'string' || !object) return [];
    const { connector } = await openSyncEnd(this, 'target', secrets);
    const sourceCrm = String(current(this, 'sourceCrm') ?? '').toLowerCase();
    const schema = await connector.describe(object);
    const rank = (f: FieldSchema) => {
      const name = propertyName(f).toLowerCase();
      if (f.unique) return 0;
      if (sourceCrm && name.includes(sourceCrm)) return 1;
      return /(^|[^a-z])id$/.test(name) && f.type === 'string' ? 2 : 3;
    };
    const writable = schema.fields.filter((f) => !f.readOnly && f.name !== schema.idField && f.type !== 'enum');
    return writable
      .map((f, i) => ({ f, i }))
      .sort((a, b) => rank(a.f) - rank(b.f) || a.i - b.i)
      .map(({ f }) => fieldOption(f));
  });
}
