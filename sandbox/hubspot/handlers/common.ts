import type { PropertyDef } from '../schema';
import type { HubSpotStore, StoredRecord } from '../store';

const DEFAULT_PROPERTIES: Record<string, string[]> = {
  contacts: ['createdate', 'email', 'firstname', 'lastname', 'hs_object_id', 'lastmodifieddate'],
  companies: ['createdate', 'domain', 'name', 'hs_object_id', 'hs_lastmodifieddate'],
  deals: [
    'amount',
    'closedate',
    'createdate',
    'dealname',
    'dealstage',
    'hs_lastmodifieddate',
    'hs_object_id',
    'pipeline',
  ],
};

/** A record as HubSpot's v3 object endpoints return it; only the requested (or default) properties. */
export function publicRecord(object: string, record: StoredRecord, requested?: string[]): Record<string, unknown> {
  const names =
    requested && requested.length
      ? requested
      : (DEFAULT_PROPERTIES[object] ?? ['hs_object_id', 'createdate', 'hs_lastmodifieddate']);
  const properties: Record<string, string | null> = {};
  for (const name of names) if (name in record.properties) properties[name] = record.properties[name] ?? null;
  return {
    id: record.id,
    properties,
    createdAt: new Date(record.createdAt).toISOString(),
    updatedAt: new Date(record.updatedAt).toISOString(),
    archived: record.archived,
    ...(record.archivedAt !== undefined ? { archivedAt: new Date(record.archivedAt).toISOString() } : {}),
  };
}

export function unknownObject(store: HubSpotStore, object: string): boolean {
  return !store.hasObject(object);
}

/**
 * HubSpot's messages for the properties of one record input: unknown, read-only or invalid values. `extra` adds a
 * check of a valid value (a unique value another record holds).
 */
export function propertyProblems(
  defs: Map<string, PropertyDef>,
  properties: Record<string, string | null>,
  extra?: (def: PropertyDef, name: string, value: string | null) => string | null,
): string[] {
  const problems: string[] = [];
  for (const [name, value] of Object.entries(properties)) {
    const def = defs.get(name);
    const problem = !def
      ? `Property "${name}" does not exist`
      : def.modificationMetadata.readOnlyValue
        ? `Property "${name}" is read-only`
        : (invalidValue(def, value) ?? extra?.(def, name, value) ?? null);
    if (problem) problems.push(problem);
  }
  return problems;
}

/** Validates one value against its property; returns HubSpot's message when it is invalid. */
export function invalidValue(def: PropertyDef, value: string | null): string | null {
  if (value === null || value === '') return null;
  switch (def.type) {
    case 'number':
      return /^-?\d+(\.\d+)?$/.test(value)
        ? null
        : `${JSON.stringify(value)} is not a valid number for property ${def.name}`;
    case 'bool':
      return value === 'true' || value === 'false'
        ? null
        : `${JSON.stringify(value)} is not a valid boolean for property ${def.name}`;
    case 'date':
    case 'datetime':
      return /^\d+$/.test(value) || !Number.isNaN(Date.parse(value))
        ? null
        : `${JSON.stringify(value)} is not a valid date for property ${def.name}`;
    case 'enumeration':
      if (def.options.length === 0 || def.options.some((o) => o.value === value)) return null;
      return `${value} was not one of the allowed options: [${def.options.map((o) => o.value).join(', ')}]`;
    default:
      return null;
  }
}

/** A time filter value: ms since epoch or ISO 8601. */
export function toMillis(value: string): number {
  return /^\d+$/.test(value) ? Number(value) : Date.parse(value);
}
