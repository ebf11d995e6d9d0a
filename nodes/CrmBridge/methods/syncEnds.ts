import type { ILoadOptionsFunctions } from 'n8n-workflow';
import type { Connector, FieldSchema, ObjectSchema } from '../../../core/connectors/connector';
import { UsageError } from '../../../core/errors';
import { connectorFromCredential, credentialSecrets, CRM_CREDENTIALS, type CrmName } from '../actions/crm/connection';

export type Side = 'source' | 'target';

/** A parameter as the editor holds it now; `&name` is a sibling in the same stream row. */
export function current(fns: ILoadOptionsFunctions, name: string): unknown {
  const value = fns.getCurrentNodeParameter(name);
  return value === undefined && !name.startsWith('&') ? fns.getNodeParameter(name, undefined) : value;
}

/** The connector of the job's source or target CRM, opened through the credential chosen on the node. */
export async function openSyncEnd(
  fns: ILoadOptionsFunctions,
  side: Side,
  secrets: string[],
): Promise<{ crm: CrmName; connector: Connector }> {
  const crm = current(fns, `${side}Crm`) as CrmName;
  const type = CRM_CREDENTIALS[crm];
  if (!type) throw new UsageError(`Choose the ${side} CRM first`);
  const data = await fns.getCredentials(type);
  secrets.push(...credentialSecrets(data));
  return { crm, connector: await connectorFromCredential(crm, data) };
}

/** Objects the streams of the editor name on one side (nested rows cannot tell which stream they are in). */
export function streamObjects(fns: ILoadOptionsFunctions, side: Side): string[] {
  const streams = current(fns, 'editorStreams') as { stream?: Array<Record<string, unknown>> } | undefined;
  const key = side === 'source' ? 'sourceObject' : 'targetObject';
  const names = (streams?.stream ?? []).map((s) => s[key]).filter((v): v is string => typeof v === 'string' && !!v);
  return [...new Set(names)];
}

/**
 * The name a job gives a field: its API name, except Pipedrive's custom fields, whose API names are 40-hex hashes;
 * the connector takes their label as well (`Salesforce ID`), which is the name a person recognises.
 */
export function propertyName(f: FieldSchema): string {
  return /^[0-9a-f]{40}$/.test(f.name) && f.label ? f.label : f.name;
}

export async function describeAll(connector: Connector, objects: string[]): Promise<ObjectSchema[]> {
  const out: ObjectSchema[] = [];
  for (const object of objects) out.push(await connector.describe(object));
  return out;
}
