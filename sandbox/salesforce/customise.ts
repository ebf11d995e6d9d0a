import type { FieldDef } from './schema';
import { fieldMaps, type Store } from './store';

/** A customisation, as Setup would add it: a new field on an object; an external ID is indexed at once. */
export function addField(
  store: Store,
  object: string,
  field: Pick<FieldDef, 'name' | 'label' | 'type'> & Partial<FieldDef>,
): void {
  const table = store.table(object);
  if (table.def.fields.some((f) => f.name === field.name)) return;
  const def: FieldDef = {
    nillable: true,
    unique: false,
    externalId: false,
    updateable: true,
    createable: true,
    picklistValues: [],
    ...field,
  };
  table.def.fields.push(def);
  fieldMaps.delete(table.def);
  if (!def.externalId && !def.unique) return;
  table.unique.set(def.name, new Map());
  for (const rec of table.byId.values()) table.index(rec);
}
