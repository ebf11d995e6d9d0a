import type { HubSpotConnector } from '../../core/connectors/hubspot';
import type { LoadedMapping } from '../../core/mapping/load-mapping';
import { ObjectMapper } from '../../core/mapping/object-mapper';
import type { Database } from '../../core/db/database';
import type { HubSpotEmulator } from '../../sandbox/hubspot';
import type { SeededEngagements } from '../../sandbox/examples/hubspot-engagements';
import { staged, type StagedRow } from './fixtures';

export const ENGAGEMENT_OBJECTS = ['calls', 'emails', 'meetings', 'notes', 'tasks'];

/** The engagements HubSpot holds, as the connector's view reads them (all five types, unified names), by legacy ID. */
export async function engagementsByLegacyId(
  hubspot: HubSpotConnector,
  property: string,
): Promise<Map<string, Array<{ id: string; properties: Record<string, string | null> }>>> {
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
export async function engagementDifferences(
  hubspot: HubSpotConnector,
  mapping: LoadedMapping,
  rows: StagedRow[],
  refused: Set<string>,
): Promise<string[]> {
  const mapper = new ObjectMapper(mapping.config, 'engagements');
  const property = mapper.spec.target.legacyIdColumn;
  const inHubSpot = await engagementsByLegacyId(hubspot, property);
  const problems: string[] = [];
  const orphans = new Map(rows.filter((r) => r.status === 'orphan').map((r) => [r.legacy_id, r.target_ids]));
  for (const [legacyId, records] of inHubSpot) {
    const ids = records.map((r) => r.id);
    const untouched = orphans.has(legacyId) && [...ids].sort().join() === [...orphans.get(legacyId)!].sort().join();
    if (ids.length > 1 && !untouched)
      problems.push(`${legacyId}: ${ids.length} engagements carry it (${ids.join(', ')})`);
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
      if (!mapper.sameValue(p, value, there))
        problems.push(`${r.legacy_id}.${p}: export ${JSON.stringify(value)}, HubSpot ${JSON.stringify(there)}`);
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
export function missingAssociations(
  emulator: HubSpotEmulator,
  mapping: LoadedMapping,
  rows: StagedRow[],
  refused: Set<string>,
): { checked: number; missing: MissingAssociation[] } {
  const mapper = new ObjectMapper(mapping.config, 'engagements');
  const key = mapper.spec.target.legacyIdColumn;
  const where = new Map<string, [string, string]>();
  for (const object of ENGAGEMENT_OBJECTS)
    for (const r of emulator.store.records(object))
      if (r.properties[key]) where.set(r.properties[key]!, [object, r.id]);
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
        missing.push({
          legacyId: r.legacy_id,
          object,
          id,
          parent,
          parentId: parentRecord.id,
          column,
          parentKey: parentKey!,
        });
      }
    }
  }
  return { checked, missing };
}

export const PARENT_COLUMNS = [
  ['legacy_company_id', 'companies'],
  ['legacy_person_id', 'contacts'],
  ['legacy_opportunity_id', 'deals'],
] as const;

/** Which record carries each parent legacy ID now: parent object -> legacy ID -> record ID. */
export function parentCarriers(emulator: HubSpotEmulator): Record<string, Map<string, string>> {
  return Object.fromEntries(
    PARENT_COLUMNS.map(([column, parent]) => [
      parent,
      new Map(
        emulator.store
          .records(parent)
          .filter((r) => r.properties[column])
          .map((r) => [r.properties[column]!, r.id]),
      ),
    ]),
  );
}

/** What applying the engagements did, for a test to assert on (see `checkAppliedEngagements`). */
export interface EngagementCheck {
  rows: StagedRow[];
  /** Legacy ID -> the reason of its refusal in this run. */
  refused: Map<string, string>;
  /** Refusals counted by kind; an unexpected reason is its own key. */
  byReason: Record<string, number>;
  /** Refusals the staging row contradicts (a record without type or time that HubSpot already has). */
  unexpectedRefusals: string[];
  /** Values not in HubSpot as the export has them, except those the seed reported it could not place. */
  differences: string[];
  /** Associations apply was asked for (audit `associate:*`), and what is missing that it asked for or the seed could make. */
  associations: { asked: number; checked: number; missing: number; unexplained: MissingAssociation[] };
  /** Untyped mirror rows (seeded as notes) the export gives another type: moved, and those moved or archived wrongly. */
  moves: { expected: string[]; moved: string[]; wrong: string[] };
}

/**
 * Checks an apply of `engagements` against the staging it applied: refusals, values, types, associations, moves.
 * `seededParents` are the parents' legacy IDs as the portal had them before apply (`parentCarriers` right after seeding).
 */
export async function checkAppliedEngagements(
  db: Database,
  mapping: LoadedMapping,
  emulator: HubSpotEmulator,
  hubspot: HubSpotConnector,
  runId: string,
  seeded: SeededEngagements,
  seededParents: Record<string, Map<string, string>>,
): Promise<EngagementCheck> {
  const rows = await staged(db, 'engagements');
  const { rows: audit } = await db.pool.query<{
    legacy_id: string;
    result: string;
    error: string | null;
    target_id: string | null;
    after: Record<string, string | null>;
  }>(
    `SELECT legacy_id, result, error, target_id, after FROM staging.apply_audit WHERE object = 'engagements' AND run_id = $1`,
    [runId],
  );
  const refused = new Map(audit.filter((a) => a.result === 'failed').map((a) => [a.legacy_id, a.error ?? '']));
  const mapper = new ObjectMapper(mapping.config, 'engagements');
  const mapped = (r: StagedRow) => mapper.map(r.legacy_properties!).values;
  const byRow = new Map(rows.map((r) => [r.legacy_id, r]));
  const byReason: Record<string, number> = {};
  const unexpectedRefusals: string[] = [];
  for (const [id, error] of refused) {
    const reason = /its parent in (companies|contacts|deals) .* does not exist in HubSpot/.test(error)
      ? 'parent missing'
      : /it has no hs_engagement_type, and no engagement in HubSpot carries/.test(error)
        ? 'no type'
        : /HubSpot needs hs_timestamp to create an engagement/.test(error)
          ? 'no time'
          : error;
    byReason[reason] = (byReason[reason] ?? 0) + 1;
    // Only records HubSpot does not have can lack a type or a time: the others go to the record they update.
    const row = byRow.get(id)!;
    if (reason === 'no type' && (row.status !== 'new' || mapped(row).hs_engagement_type !== null))
      unexpectedRefusals.push(`${id}: ${error}`);
    if (reason === 'no time' && (row.status !== 'new' || mapped(row).hs_timestamp !== null))
      unexpectedRefusals.push(`${id}: ${error}`);
  }
  const unplaced = new Set(seeded.unplaced.map((u) => u.key));
  const differences = (await engagementDifferences(hubspot, mapping, rows, new Set(refused.keys()))).filter(
    (d) => !(unplaced.has(d.slice(0, d.indexOf('.'))) && d.includes('.hs_duration_minutes: ')),
  );

  const asked = new Set(
    audit
      .filter((a) => a.result !== 'failed')
      .flatMap((a) =>
        Object.entries(a.after)
          .filter(([k, v]) => k.startsWith('associate:') && v)
          .map(([k, v]) => `${a.legacy_id}|${k.slice('associate:'.length)}|${v}`),
      ),
  );
  const found = missingAssociations(emulator, mapping, rows, new Set(refused.keys()));
  const unexplained = found.missing.filter(
    (m) =>
      asked.has(`${m.legacyId}|${m.parent}|${m.parentKey}`) || seededParents[m.parent]!.get(m.parentKey) === m.parentId,
  );

  const untyped = new Set(seeded.untyped);
  const matchedUntyped = rows.filter((r) => r.status === 'matched' && untyped.has(r.target_id!));
  const expected = matchedUntyped
    .filter((r) => !['NOTE', null].includes(mapped(r).hs_engagement_type ?? null))
    .map((r) => r.legacy_id);
  const movedTo = new Map(
    audit
      .filter((a) => a.result === 'updated' && a.target_id && a.target_id !== byRow.get(a.legacy_id)?.target_id)
      .map((a) => [a.legacy_id, a.target_id!]),
  );
  const wrong = matchedUntyped
    .filter((r) => emulator.store.get('notes', r.target_id!)!.archived !== expected.includes(r.legacy_id))
    .map((r) => r.legacy_id);
  return {
    rows,
    refused,
    byReason,
    unexpectedRefusals,
    differences,
    associations: { asked: asked.size, checked: found.checked, missing: found.missing.length, unexplained },
    moves: { expected, moved: expected.filter((id) => movedTo.has(id)), wrong },
  };
}
