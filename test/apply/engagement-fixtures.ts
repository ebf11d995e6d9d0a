import type { HubSpotConnector } from '../../core/connectors/hubspot';
import type { LoadedMapping } from '../../core/mapping/load-mapping';
import { ObjectMapper } from '../../core/mapping/object-mapper';
import type { HubSpotEmulator } from '../../sandbox/hubspot';
import type { StagedRow } from './fixtures';

export const ENGAGEMENT_OBJECTS = ['calls', 'emails', 'meetings', 'notes', 'tasks'];

/** The engagements HubSpot holds, as the connector's view reads them (all five types, unified names), by legacy ID. */
export async function engagementsByLegacyId(hubspot: HubSpotConnector, property: string): Promise<Map<string, Array<{ id: string; properties: Record<string, string | null> }>>> {
  const out = new Map<string, Array<{ id: string; properties: Record<string, string | null> }>>();
  for await (const item of hubspot.read('engagements')) {
    if (item.type !== 'record') continue;
    const key = item.record.properties[property];
    if (key) out.set(key, [...(out.get(key) ?? []), { id: item.record.id, properties: item.record.properties }]);
  }
  return out;
}

/**
 * `differences` (fixtures.ts) through the engagements view: every engagement that should be in HubSpot is there once,
 * in the type its legacy record maps to (`hs_engagement_type` is its object), with each mapped value equal (blanks in
 * the export never count). `refused` legacy IDs may be absent; orphans are never written.
 */
export async function engagementDifferences(hubspot: HubSpotConnector, mapping: LoadedMapping, rows: StagedRow[], refused: Set<string>): Promise<string[]> {
  const mapper = new ObjectMapper(mapping.config, 'engagements');
  const property = mapper.spec.target.legacyIdColumn;
  const inHubSpot = await engagementsByLegacyId(hubspot, property);
  const problems: string[] = [];
  const orphans = new Map(rows.filter((r) => r.status === 'orphan').map((r) => [r.legacy_id, r.target_ids]));
  for (const [legacyId, records] of inHubSpot) {
    const ids = records.map((r) => r.id);
    const untouched = orphans.has(legacyId) && [...ids].sort().join() === [...orphans.get(legacyId)!].sort().join();
    if (ids.length > 1 && !untouched) problems.push(`${legacyId}: ${ids.length} engagements carry it (${ids.join(', ')})`);
  }
  for (const r of rows) {
    if (r.status === 'orphan' || refused.has(r.legacy_id)) continue;
    const records = inHubSpot.get(r.legacy_id) ?? [];
    if (records.length !== 1) {
      if (records.length === 0) problems.push(`${r.legacy_id}: not in HubSpot`);
      continue;
    }
    for (const [p, value] of Object.entries(mapper.map(r.legacy_properties!).values)) {
      if (value === null) continue;
      const there = mapper.normaliseTarget(p, records[0]!.properties[p] ?? null);
      if (!mapper.sameValue(p, value, there)) problems.push(`${r.legacy_id}.${p}: export ${JSON.stringify(value)}, HubSpot ${JSON.stringify(there)}`);
    }
  }
  return problems;
}

export interface MissingAssociation {
  legacyId: string;
  object: string;
  id: string;
  parent: string;
  parentId: string;
  column: string;
  parentKey: string;
}

/**
 * Engagements not associated with a parent their legacy record names although HubSpot has that parent (found by its
 * legacy ID): `legacy_company_id` -> companies, `legacy_person_id` -> contacts, `legacy_opportunity_id` -> deals.
 */
export function missingAssociations(emulator: HubSpotEmulator, mapping: LoadedMapping, rows: StagedRow[], refused: Set<string>): { checked: number; missing: MissingAssociation[] } {
  const mapper = new ObjectMapper(mapping.config, 'engagements');
  const key = mapper.spec.target.legacyIdColumn;
  const where = new Map<string, [string, string]>();
  for (const object of ENGAGEMENT_OBJECTS) for (const r of emulator.store.records(object)) if (r.properties[key]) where.set(r.properties[key]!, [object, r.id]);
  const missing: MissingAssociation[] = [];
  let checked = 0;
  for (const r of rows) {
    if (r.status === 'orphan' || refused.has(r.legacy_id) || !where.has(r.legacy_id)) continue;
    const [object, id] = where.get(r.legacy_id)!;
    const values = mapper.map(r.legacy_properties!).values;
    for (const [column, parent] of PARENT_COLUMNS) {
      const parentKey = values[column];
      const parentRecord = parentKey ? emulator.store.findBy(parent, column, parentKey) : undefined;
      if (!parentRecord) continue;
      checked++;
      if (!emulator.store.associations.of(object, id, parent).some((a) => a.toObjectId === parentRecord.id)) {
        missing.push({ legacyId: r.legacy_id, object, id, parent, parentId: parentRecord.id, column, parentKey: parentKey! });
      }
    }
  }
  return { checked, missing };
}

export const PARENT_COLUMNS = [['legacy_company_id', 'companies'], ['legacy_person_id', 'contacts'], ['legacy_opportunity_id', 'deals']] as const;

/** Which record carries each parent legacy ID now: parent object -> legacy ID -> record ID. */
export function parentCarriers(emulator: HubSpotEmulator): Record<string, Map<string, string>> {
  return Object.fromEntries(PARENT_COLUMNS.map(([column, parent]) => [parent, new Map(emulator.store.records(parent).filter((r) => r.properties[column]).map((r) => [r.properties[column]!, r.id]))]));
}
