import type { AttributeDef, EntityDef } from './entities';
import { CODES, DataverseFault } from './errors';
import type { StoredRow } from './store';
import { shownValue } from './values';

const isLookup = (a: AttributeDef) => a.type === 'Lookup' || a.type === 'Customer';

/** The name a column has in records: `_parentcustomerid_value` for lookups, else its logical name. */
export const wireName = (a: AttributeDef): string => (isLookup(a) ? `_${a.logicalName}_value` : a.logicalName);

/** The columns of `$select` (every column when absent), refusing names the table does not have. */
export function selected(def: EntityDef, select: string | null): AttributeDef[] {
  if (!select) return def.attributes;
  return select.split(',').map((name) => {
    const attr = def.attributes.find((a) => wireName(a) === name.trim());
    if (!attr)
      throw new DataverseFault(
        400,
        CODES.badRequest,
        `Could not find a property named '${name.trim()}' on type 'Microsoft.Dynamics.CRM.${def.logicalName}'.`,
      );
    return attr;
  });
}

/** A row as the Web API writes it: its ETag, the primary ID, and the selected columns (times to the second). */
export function render(def: EntityDef, row: StoredRow, columns: AttributeDef[]): Record<string, unknown> {
  const out: Record<string, unknown> = { '@odata.etag': `W/"${row.version}"` };
  for (const attr of columns) {
    const name = wireName(attr);
    out[name] = shownValue(attr, row.values[name]);
  }
  out[def.primaryId] = row.id;
  return out;
}

/** `@odata.context` of a collection answer. */
export const contextOf = (base: string, def: EntityDef, select: string | null): string =>
  `${base}$metadata#${def.entitySetName}${select ? `(${select})` : ''}`;
