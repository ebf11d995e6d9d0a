import { MIRROR_TABLES, type MirrorColumnType } from '../../demo/mirror-schema';
import { toNative } from '../../core/connectors/hubspot/engagements/translate';
import { ENGAGEMENT_TYPES, isEngagementType, OBJECT_OF, UNIFIED, viewPropertiesOf, type EngagementType } from '../../core/connectors/hubspot/engagements/types';
import type { HubSpotEmulator } from '../hubspot';
import type { PropertyDef } from '../hubspot/schema';

/** What seeding the engagements did: records per type, the mirror rows that had no type, associations made. */
export interface SeededEngagements {
  byType: Record<string, number>;
  /** IDs of mirror rows without `hs_engagement_type`, seeded as notes (see `seedEngagements`). */
  untyped: string[];
  propertiesCreated: Record<string, string[]>;
  associations: number;
  /**
   * Mirror rows with a value HubSpot could not hold as given, seeded without it: a meeting keeps its duration as an
   * end time, so a meeting row that lost its time cannot keep its duration (HubSpot itself never lacks the time).
   */
  unplaced: Array<{ id: string; key: string | null; problems: string[] }>;
}

const SYSTEM_COLUMNS = new Set(['hs_object_id', 'createdate', 'hs_lastmodifieddate']);
const TRANSLATED = new Set<string>(Object.values(UNIFIED));
const TYPES: Record<MirrorColumnType, [PropertyDef['type'], string]> = {
  bigint: ['number', 'number'], integer: ['number', 'number'], numeric: ['number', 'number'],
  date: ['date', 'date'], timestamptz: ['datetime', 'date'], text: ['string', 'text'],
};
/** The parent objects an engagement row names by legacy ID, and the parent's legacy-ID property. */
const PARENTS: Array<[column: string, object: string]> = [['legacy_company_id', 'companies'], ['legacy_person_id', 'contacts'], ['legacy_opportunity_id', 'deals']];

function property(name: string, label: string, type: PropertyDef['type'], fieldType: string, unique: boolean): PropertyDef {
  return {
    name, label, type, fieldType, groupName: name.startsWith('legacy_') ? 'legacy' : 'migration', options: [], hasUniqueValue: unique,
    modificationMetadata: { readOnlyValue: false, readOnlyDefinition: false, archivable: true }, calculated: false, hidden: false, formField: true, description: '',
  };
}

/**
 * Defines on each of the five engagement types the custom properties a migration of the mirror's engagements needs:
 * the mirror's own custom columns (`legacy_*`, the legacy-ID property unique on every type) and the view's homes for
 * values a type has no property of its own for (a note's subject, a call's legacy status …).
 */
export function defineEngagementProperties(emulator: HubSpotEmulator): Record<string, string[]> {
  const spec = MIRROR_TABLES.engagements;
  const created: Record<string, string[]> = {};
  for (const type of ENGAGEMENT_TYPES) {
    const object = OBJECT_OF[type];
    const defs = emulator.store.properties(object)!;
    const wanted: PropertyDef[] = [
      ...spec.columns.filter((c) => !SYSTEM_COLUMNS.has(c.name) && !TRANSLATED.has(c.name))
        .map((c) => property(c.name, c.name.replace(/_/g, ' '), ...TYPES[c.type], c.name === spec.legacyIdColumn)),
      ...viewPropertiesOf(type).map((p) => property(p.name, p.label, p.type, p.fieldType, false)),
    ];
    created[object] = [];
    for (const def of wanted) {
      if (defs.has(def.name)) continue;
      emulator.store.addProperty(object, def);
      created[object]!.push(def.name);
    }
  }
  return created;
}

/**
 * Puts each mirror engagement into its type's object, translated, with its ID and times, and associates it with the
 * company, contact and deal its legacy IDs name where the portal has them (seed those first). HubSpot keeps every
 * engagement as one of the five types, so a mirror row whose type the mirror lost (blank `hs_engagement_type`) has to
 * go somewhere: it is seeded as a note, the type that claims least, and its ID reported in `untyped`.
 */
export function seedEngagements(emulator: HubSpotEmulator, rows: Array<Record<string, string>>): SeededEngagements {
  const propertiesCreated = defineEngagementProperties(emulator);
  const out: SeededEngagements = { byType: {}, untyped: [], propertiesCreated, associations: 0, unplaced: [] };
  const sorted = [...rows].sort((a, b) => Number(a.hs_object_id) - Number(b.hs_object_id));
  for (const row of sorted) {
    const given = row[UNIFIED.type] ?? '';
    const type: EngagementType = isEngagementType(given) ? given : 'NOTE';
    if (!isEngagementType(given)) out.untyped.push(row.hs_object_id!);
    const unified: Record<string, string | null> = {};
    for (const [k, v] of Object.entries(row)) if (!SYSTEM_COLUMNS.has(k)) unified[k] = v === '' ? null : v;
    const { properties, problems } = toNative(type, unified);
    if (problems.length) out.unplaced.push({ id: row.hs_object_id!, key: row[MIRROR_TABLES.engagements.legacyIdColumn] || null, problems });
    const object = OBJECT_OF[type];
    emulator.store.seed(object, row.hs_object_id!, properties, Date.parse(row.createdate!), Date.parse(row.hs_lastmodifieddate!));
    out.byType[object] = (out.byType[object] ?? 0) + 1;
    for (const [column, parentObject] of PARENTS) {
      const key = row[column];
      const parent = key && emulator.store.hasObject(parentObject) ? emulator.store.findBy(parentObject, column, key) : undefined;
      if (parent && emulator.store.associations.add(object, row.hs_object_id!, parentObject, parent.id)) out.associations++;
    }
  }
  return out;
}
