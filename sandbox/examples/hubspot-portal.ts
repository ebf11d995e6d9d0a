import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { MIRROR_TABLES, type MirrorColumnType, type MirrorTableName } from '../../demo/mirror-schema';
import { PACKAGE_ROOT } from '../../core/version';
import type { HubSpotEmulator } from '../hubspot';
import type { PropertyDef } from '../hubspot/schema';
import { seedEngagements, type SeededEngagements } from './hubspot-engagements';

export const EXAMPLE_MIRROR_DIR = path.join(PACKAGE_ROOT, 'examples', 'hubspot-mirror');

const TYPES: Record<MirrorColumnType, [PropertyDef['type'], string]> = {
  bigint: ['number', 'number'], integer: ['number', 'number'], numeric: ['number', 'number'],
  date: ['date', 'date'], timestamptz: ['datetime', 'date'], text: ['string', 'text'],
};

/** Columns the mirror derives from HubSpot's own bookkeeping rather than from a property a user writes. */
const SYSTEM_COLUMNS = new Set(['hs_object_id', 'createdate', 'hs_lastmodifieddate', 'lastmodifieddate']);

export interface SeededPortal {
  records: Record<string, number>;
  /** Contacts and deals associated with the parents their legacy keys name. */
  associations?: number;
  propertiesCreated: Record<string, string[]>;
  /** With `engagements`: how the mirror's engagements were spread over calls, emails, meetings, notes and tasks. */
  engagements?: SeededEngagements;
}

/**
 * Fills an emulated HubSpot portal with the records the example mirror holds (the portal the mirror was taken from),
 * with the same IDs and times, and defines the custom properties they use: the legacy-ID properties unique, as a
 * migration needs them. Options of HubSpot's own picklists are widened to the values the records carry. Engagements go
 * to their types' objects (see `seedEngagements`), after the other objects so they can be associated with them.
 */
export function seedHubSpotPortal(
  emulator: HubSpotEmulator,
  options: { dir?: string; objects?: MirrorTableName[]; firstRows?: number } = {},
): SeededPortal {
  const dir = options.dir ?? EXAMPLE_MIRROR_DIR;
  const seeded: SeededPortal = { records: {}, propertiesCreated: {} };
  const objects = options.objects ?? (['companies', 'contacts', 'deals'] as const);
  for (const object of [...objects.filter((o) => o !== 'engagements'), ...objects.filter((o) => o === 'engagements')]) {
    const spec = MIRROR_TABLES[object];
    // firstRows: tests that need the portal's shapes rather than its volume take the first rows of each file.
    const rows = (
      parse(readFileSync(path.join(dir, `${object}.csv`)), { columns: true, bom: true, skip_empty_lines: true }) as Array<
        Record<string, string>
      >
    ).slice(0, options.firstRows);
    if (object === 'engagements') {
      seeded.engagements = seedEngagements(emulator, rows);
      seeded.propertiesCreated[object] = [...new Set(Object.values(seeded.engagements.propertiesCreated).flat())];
      seeded.records[object] = rows.length;
      continue;
    }
    seeded.propertiesCreated[object] = defineMirrorProperties(emulator, object, rows);
    const modified = spec.columns.some((c) => c.name === 'lastmodifieddate') ? 'lastmodifieddate' : 'hs_lastmodifieddate';
    const sorted = [...rows].sort((a, b) => Number(a.hs_object_id) - Number(b.hs_object_id));
    for (const row of sorted) {
      const properties: Record<string, string | null> = {};
      for (const [k, v] of Object.entries(row)) if (!SYSTEM_COLUMNS.has(k)) properties[k] = v === '' ? null : v;
      emulator.store.seed(object, row.hs_object_id!, properties, Date.parse(row.createdate!), Date.parse(row[modified]!));
    }
    seeded.records[object] = rows.length;
  }
  seeded.associations = associateFromKeys(emulator, objects);
  return seeded;
}

/** The parent links the mirror's records carry as legacy IDs (a contact's legacy_company_id names its company). */
const RECORD_PARENTS: Array<[child: MirrorTableName, column: string, parent: MirrorTableName]> = [
  ['contacts', 'legacy_company_id', 'companies'],
  ['deals', 'legacy_company_id', 'companies'],
  ['deals', 'legacy_person_id', 'contacts'],
];

/**
 * Associates seeded contacts and deals with the parents their legacy keys name, as the portal the mirror was taken
 * from had them: a migration assumes a record in agreement is associated already. Returns the associations made.
 */
function associateFromKeys(emulator: HubSpotEmulator, objects: readonly MirrorTableName[]): number {
  let made = 0;
  for (const [child, column, parent] of RECORD_PARENTS) {
    if (!objects.includes(child) || !objects.includes(parent)) continue;
    for (const record of emulator.store.records(child)) {
      const key = record.properties[column];
      const found = key ? emulator.store.findBy(parent, column, key) : undefined;
      if (found && emulator.store.associations.add(child, record.id, parent, found.id)) made++;
    }
  }
  return made;
}

/**
 * Defines the properties of the mirror's columns the portal lacks (the legacy-ID property unique), and widens the
 * options of HubSpot's own picklists to the values `rows` carry. Returns the properties created.
 */
export function defineMirrorProperties(emulator: HubSpotEmulator, object: MirrorTableName, rows: Array<Record<string, string>> = []): string[] {
  const spec = MIRROR_TABLES[object];
  const defs = emulator.store.properties(object)!;
  const created: string[] = [];
  for (const column of spec.columns) {
    if (SYSTEM_COLUMNS.has(column.name)) continue;
    const existing = defs.get(column.name);
    if (existing) {
      if (existing.type === 'enumeration' && existing.options.length > 0) widenOptions(existing, rows.map((r) => r[column.name] ?? ''));
      continue;
    }
    const [type, fieldType] = TYPES[column.type];
    emulator.store.addProperty(object, {
      name: column.name, label: column.name.replace(/_/g, ' '), type, fieldType, groupName: column.name.startsWith('legacy_') ? 'legacy' : 'migration',
      options: [], hasUniqueValue: column.name === spec.legacyIdColumn,
      modificationMetadata: { readOnlyValue: false, readOnlyDefinition: false, archivable: true },
      calculated: false, hidden: false, formField: true, description: '',
    });
    created.push(column.name);
  }
  return created;
}

function widenOptions(def: PropertyDef, values: string[]): void {
  const known = new Set(def.options.map((o) => o.value));
  for (const value of values) {
    if (!value || known.has(value)) continue;
    known.add(value);
    def.options.push({ label: value.replace(/_/g, ' ').toLowerCase(), value, displayOrder: def.options.length, hidden: false });
  }
}
