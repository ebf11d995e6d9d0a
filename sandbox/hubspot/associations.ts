/** One association type between two object types, as `GET /crm/v4/associations/{from}/{to}/labels` lists it. */
export interface AssociationType {
  category: 'HUBSPOT_DEFINED' | 'USER_DEFINED';
  typeId: number;
  label: string | null;
}

interface PairTypes {
  /** The unlabeled type HubSpot uses for "default" associations. */
  defaultType: number;
  /** The type of the same association seen from the other side. */
  inverse: number;
  types: AssociationType[];
}

// HubSpot's published HUBSPOT_DEFINED type IDs for the standard objects (default and "Primary") and the engagements.
const TYPES: Record<string, PairTypes> = {
  ...bothWays('contacts', 'companies', [279, 280], [1, 2]),
  ...bothWays('deals', 'contacts', [3, 4]),
  ...bothWays('deals', 'companies', [341, 342], [5, 6]),
  ...engagementPairs(),
};

/**
 * A pair of object types in both directions: `a -> b` and `b -> a` with their unlabeled default types (each the
 * other's inverse) and, where HubSpot has one, the "Primary" labeled types.
 */
function bothWays(a: string, b: string, defaults: [number, number], primary?: [number, number]) {
  const direction = (i: 0 | 1): PairTypes => ({
    defaultType: defaults[i],
    inverse: defaults[1 - i]!,
    types: [
      { category: 'HUBSPOT_DEFINED', typeId: defaults[i], label: null },
      ...(primary ? [{ category: 'HUBSPOT_DEFINED' as const, typeId: primary[i], label: 'Primary' }] : []),
    ],
  });
  return { [`${a}|${b}`]: direction(0), [`${b}|${a}`]: direction(1) };
}

/**
 * Each engagement type with contacts, companies and deals: HubSpot's unlabeled default type IDs in both directions
 * (e.g. call -> contact 194, contact -> call 193), as listed by `GET /crm/v4/associations/{from}/{to}/labels`.
 */
function engagementPairs(): Record<string, PairTypes> {
  // [engagement -> contact, -> company, -> deal]; each inverse is the ID just below.
  const ids: Record<string, [number, number, number]> = {
    calls: [194, 182, 206],
    emails: [198, 186, 210],
    meetings: [200, 188, 212],
    notes: [202, 190, 214],
    tasks: [204, 192, 216],
  };
  const pairs: Record<string, PairTypes> = {};
  for (const [engagement, forward] of Object.entries(ids))
    (['contacts', 'companies', 'deals'] as const).forEach((other, i) =>
      Object.assign(pairs, bothWays(engagement, other, [forward[i]!, forward[i]! - 1])),
    );
  return pairs;
}

const inverseOf = (from: string, to: string, typeId: number): number => {
  const pair = TYPES[`${from}|${to}`]!;
  if (typeId === pair.defaultType) return pair.inverse;
  // A labeled type's inverse is the other side's type at the same position.
  const position = pair.types.findIndex((t) => t.typeId === typeId);
  return TYPES[`${to}|${from}`]!.types[position]?.typeId ?? TYPES[`${to}|${from}`]!.defaultType;
};

/**
 * Associations between records, kept in both directions as HubSpot does: associating a contact with a company also
 * associates the company with the contact (with the inverse type).
 */
export class AssociationStore {
  /** `from|to` -> from id -> to id -> type ids */
  private readonly links = new Map<string, Map<string, Map<string, Set<number>>>>();

  types(from: string, to: string): AssociationType[] | undefined {
    return TYPES[`${from}|${to}`]?.types;
  }

  defaultType(from: string, to: string): number | undefined {
    return TYPES[`${from}|${to}`]?.defaultType;
  }

  /** Links two records with one type (the default when absent); returns false for an unknown type. */
  add(from: string, fromId: string, to: string, toId: string, typeId?: number): boolean {
    const pair = TYPES[`${from}|${to}`];
    const type = typeId ?? pair?.defaultType;
    if (!pair || type === undefined || !pair.types.some((t) => t.typeId === type)) return false;
    this.link(from, fromId, to, toId, type);
    this.link(to, toId, from, fromId, inverseOf(from, to, type));
    return true;
  }

  private link(from: string, fromId: string, to: string, toId: string, typeId: number): void {
    const key = `${from}|${to}`;
    const byFrom = this.links.get(key) ?? new Map<string, Map<string, Set<number>>>();
    this.links.set(key, byFrom);
    const byTo = byFrom.get(fromId) ?? new Map<string, Set<number>>();
    byFrom.set(fromId, byTo);
    const set = byTo.get(toId) ?? new Set<number>();
    byTo.set(toId, set);
    set.add(typeId);
  }

  /** The records of `to` associated with one record, in id order, with their types. */
  of(from: string, fromId: string, to: string): Array<{ toObjectId: string; types: AssociationType[] }> {
    const byTo = this.links.get(`${from}|${to}`)?.get(fromId);
    if (!byTo) return [];
    const known = TYPES[`${from}|${to}`]?.types ?? [];
    return [...byTo.entries()]
      .sort(([a], [b]) => Number(a) - Number(b))
      .map(([toObjectId, set]) => ({
        toObjectId,
        types: [...set].map(
          (typeId) => known.find((t) => t.typeId === typeId) ?? { category: 'USER_DEFINED', typeId, label: null },
        ),
      }));
  }
}
