import type { Reply } from '../http';
import { hubspotError } from '../http';
import type { PropertyDef } from '../schema';
import type { HubSpotStore } from '../store';

/** GET /crm/v3/properties/{objectType} */
export function listProperties(store: HubSpotStore, object: string): Reply {
  const defs = [...(store.properties(object)?.values() ?? [])];
  const now = new Date(0).toISOString();
  return {
    status: 200,
    body: { results: defs.map((d) => ({ ...d, createdAt: now, updatedAt: now, displayOrder: -1 })) },
  };
}

interface PropertyCreate {
  name?: string;
  label?: string;
  type?: string;
  fieldType?: string;
  groupName?: string;
  hasUniqueValue?: boolean;
  description?: string;
  options?: Array<{ label?: string; value?: string; displayOrder?: number; hidden?: boolean }>;
}

const TYPES = new Set(['string', 'number', 'date', 'datetime', 'enumeration', 'bool']);

/** POST /crm/v3/properties/{objectType}: 201 with the new property; 409 when the name is taken. */
export function createProperty(store: HubSpotStore, object: string, body: PropertyCreate): Reply {
  const { name, label, type, fieldType, groupName } = body ?? {};
  if (!name || !/^[a-z][a-z0-9_]*$/.test(name))
    return hubspotError(
      400,
      'VALIDATION_ERROR',
      `Property name "${name ?? ''}" is invalid: lower-case letters, digits and underscores, starting with a letter`,
    );
  if (!label || !type || !fieldType || !groupName)
    return hubspotError(400, 'VALIDATION_ERROR', 'name, label, type, fieldType and groupName are required');
  if (!TYPES.has(type)) return hubspotError(400, 'VALIDATION_ERROR', `Unknown property type "${type}"`);
  if (store.properties(object)!.has(name))
    return hubspotError(409, 'OBJECT_ALREADY_EXISTS', `A property named "${name}" already exists.`);
  const def: PropertyDef = {
    name,
    label,
    type: type as PropertyDef['type'],
    fieldType,
    groupName,
    options: (body.options ?? []).map((o, i) => ({
      label: o.label ?? o.value ?? '',
      value: o.value ?? '',
      displayOrder: o.displayOrder ?? i,
      hidden: o.hidden ?? false,
    })),
    hasUniqueValue: body.hasUniqueValue ?? false,
    modificationMetadata: { readOnlyValue: false, readOnlyDefinition: false, archivable: true },
    calculated: false,
    hidden: false,
    formField: true,
    description: body.description ?? '',
  };
  store.addProperty(object, def);
  const now = new Date().toISOString();
  return { status: 201, body: { ...def, createdAt: now, updatedAt: now, displayOrder: -1 } };
}
