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
  'contacts|companies': {
    defaultType: 279,
    inverse: 280,
    types: [
      { category: 'HUBSPOT_DEFINED', typeId: 279, label: null },
      { category: 'HUBSPOT_DEFINED', typeId: 1, label: 'Primary' },
    ],
  },
  'companies|contacts': {
    defaultType: 280,
    inverse: 279,
    types: [
      { category: 'HUBSPOT_DEFINED', typeId: 280, label: null },
      { category: 'HUBSPOT_DEFINED', typeId: 2, label: 'Primary' },
    ],
  },
  'deals|contacts': { defaultType: 3, inverse: 4, types: [{ category: 'HUBSPOT_DEFINED', typeId: 3, label: null }] },
  'contacts|deals': { defaultType: 4, inverse: 3, types: [{ category: 'HUBSPOT_DEFINED', typeId: 4, label: null }] },
  'deals|companies': {
    defaultType: 341,
    inverse: 342,
    types: [
      { category: 'HUBSPOT_DEFINED', typeId: 341, label: null },
      { category: 'HUBSPOT_DEFINED', typeId: 5, label: 'Primary' },
    ],
  },
  'companies|deals': {
    defaultType: 342,
    inverse: 341,
    types: [
      { category: 'HUBSPOT_DEFINED', typeId: 342, label: null },
      { category: 'HUBSPOT_DEFINED', typeId: 6, label: 'Primary' },
    ],
  },
  ...engagementPairs(),
};

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
  const unlabeled = (typeId: number): AssociationType[] => [{ category: 'HUBSPOT_DEFINED', typeId, label: null }];
  for (const [engagement, forward] of Object.entries(ids)) {
    (['contacts', 'companies', 'deals'] as const).forEach((other, i) => {
      const out = forward[i]!;
      pairs[`${engagement}|${other}`] = { defaultType: out, inverse: out - 1, types: unlabeled(out) };
      pairs[`${other}|${engagement}`] = { defaultType: out - 1, inverse: out, types: unlabeled(out - 1) };
    });
  }
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
