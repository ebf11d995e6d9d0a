import type { ParentAssociation } from '../connectors/hubspot/associations';
import type { MappingConfig } from '../mapping/mapping-config';

/** A parent an object's records point at through a legacy ID they carry (a contact's `legacy_company_id`). */
export interface ParentLink {
  /** The parent's object in the mapping, e.g. `companies`. */
  object: string;
  /** The property of this object's records holding the parent's legacy ID, which is also the parent's legacy-ID property. */
  property: string;
  association: ParentAssociation;
}

/**
 * The parents of an object, read from the mapping: a mapped property named like another object's legacy-ID property
 * is a link to that object (contacts.legacy_company_id -> companies). So associations follow the legacy links without
 * a second configuration to keep in step.
 */
export function parentLinks(config: MappingConfig, object: string): ParentLink[] {
  const spec = config.objects[object];
  if (!spec) return [];
  const mapped = new Set(spec.properties.map((p) => p.to));
  return Object.entries(config.objects).flatMap(([other, o]) => {
    const property = o.target.legacyIdColumn;
    if (other === object || property === spec.target.legacyIdColumn || !mapped.has(property)) return [];
    return [
      {
        object: other,
        property,
        association: { toObject: o.target.table, toKeyProperty: property, keyFrom: `__parent:${other}` },
      },
    ];
  });
}

/** The objects of a mapping, parents before children, so a company exists before the contact associated with it. */
export function applyOrder(config: MappingConfig, objects: string[] = Object.keys(config.objects)): string[] {
  const wanted = new Set(objects);
  const done = new Set<string>();
  const order: string[] = [];
  const visit = (object: string, path: string[]) => {
    if (done.has(object) || path.includes(object)) return;
    for (const parent of parentLinks(config, object))
      if (wanted.has(parent.object)) visit(parent.object, [...path, object]);
    done.add(object);
    order.push(object);
  };
  for (const object of objects) visit(object, []);
  return order;
}
