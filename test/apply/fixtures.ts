import { ident } from '../../core/db/sql';
import type { Database } from '../../core/db/database';
import type { LoadedMapping } from '../../core/mapping/load-mapping';
import { ObjectMapper } from '../../core/mapping/object-mapper';
import { parentLinks } from '../../core/apply/parents';
import { decideReviewItems } from '../../core/review/review';
import type { HubSpotEmulator } from '../../sandbox/hubspot';
import { truth } from '../helpers/example-data';

export interface StagedRow {
  legacy_id: string;
  status: string;
  target_id: string | null;
  target_ids: string[];
  legacy_properties: Record<string, string | null> | null;
}

export async function staged(db: Database, object: string): Promise<StagedRow[]> {
  return (
    await db.pool.query(
      `SELECT legacy_id, status, target_id, target_ids, legacy_properties FROM staging.${ident(object)} ORDER BY legacy_id`,
    )
  ).rows as never;
}

/**
 * A reviewer who knows the truth the generator planted (`expected`: each legacy ID's right record first): approves
 * the fuzzy matches that link the right record, rejects the others, and keeps the first-ranked record of each
 * conflict. Returns what was decided.
 */
export async function reviewWithTruth(
  db: Database,
  mapping: LoadedMapping,
  object: string,
  expected: Record<string, { targetIds: string[] }>,
): Promise<{ approved: string[]; rejected: string[]; chosen: string[] }> {
  const rows = await staged(db, object);
  const fuzzy = rows.filter((r) => r.status === 'fuzzy_match');
  const approved = fuzzy.filter((r) => expected[r.legacy_id]?.targetIds[0] === r.target_id).map((r) => r.legacy_id);
  const rejected = fuzzy.filter((r) => !approved.includes(r.legacy_id)).map((r) => r.legacy_id);
  const by = 'ana@example.test';
  if (approved.length)
    await decideReviewItems(db, mapping, {
      object,
      legacyIds: approved,
      decision: 'approve',
      decidedBy: by,
      reason: 'same record',
    });
  if (rejected.length)
    await decideReviewItems(db, mapping, { object, legacyIds: rejected, decision: 'reject', decidedBy: by });
  const conflicts = rows.filter((r) => r.status === 'conflict');
  for (const c of conflicts)
    await decideReviewItems(db, mapping, {
      object,
      legacyIds: [c.legacy_id],
      decision: 'choose',
      targetId: c.target_ids[0]!,
      decidedBy: by,
    });
  return { approved, rejected, chosen: conflicts.map((c) => c.legacy_id) };
}

/** `reviewWithTruth` on the shipped example, with its truth.json. */
export const reviewLikeAnExpert = (db: Database, mapping: LoadedMapping, object: string) =>
  reviewWithTruth(db, mapping, object, truth().objects[object]!.records);

/** HubSpot records (live) carrying a legacy ID, by legacy ID. */
export function byLegacyId(emulator: HubSpotEmulator, object: string, property: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const r of emulator.store.records(object)) {
    const key = r.properties[property];
    if (key) out.set(key, [...(out.get(key) ?? []), r.id]);
  }
  return out;
}

/**
 * What differs between staging and HubSpot for records that should be there: missing, twins, or a mapped value not
 * equal (blanks in the export never count: they do not overwrite). `refused` legacy IDs are allowed to be absent.
 * Orphans and `heldBack` rows are never written, so records the portal already held twice under such a legacy ID
 * stay as they were.
 */
export function differences(
  emulator: HubSpotEmulator,
  mapping: LoadedMapping,
  object: string,
  rows: StagedRow[],
  refused: Set<string>,
  heldBack = new Set<string>(),
): string[] {
  const mapper = new ObjectMapper(mapping.config, object);
  const property = mapper.spec.target.legacyIdColumn;
  const hubspot = byLegacyId(emulator, object, property);
  const problems: string[] = [];
  const orphans = new Map(rows.filter((r) => r.status === 'orphan').map((r) => [r.legacy_id, r.target_ids]));
  for (const [legacyId, ids] of hubspot) {
    if (heldBack.has(legacyId)) continue;
    const untouched = orphans.has(legacyId) && [...ids].sort().join() === [...orphans.get(legacyId)!].sort().join();
    if (ids.length > 1 && !untouched) problems.push(`${legacyId}: ${ids.length} records carry it (${ids.join(', ')})`);
  }
  for (const r of rows) {
    if (r.status === 'orphan' || refused.has(r.legacy_id) || heldBack.has(r.legacy_id)) continue;
    const ids = hubspot.get(r.legacy_id) ?? [];
    if (ids.length !== 1) {
      if (ids.length === 0) problems.push(`${r.legacy_id}: not in HubSpot`);
      continue;
    }
    const record = emulator.store.get(object, ids[0]!)!;
    for (const [p, value] of Object.entries(mapper.map(r.legacy_properties!).values)) {
      if (value === null) continue;
      const there = mapper.normaliseTarget(p, record.properties[p] ?? null);
      if (!mapper.sameValue(p, value, there))
        problems.push(`${r.legacy_id}.${p}: export ${JSON.stringify(value)}, HubSpot ${JSON.stringify(there)}`);
    }
  }
  return problems;
}

/**
 * Associations that should exist and do not: every staged record in HubSpot (not refused) whose mapped parent key
 * names a parent HubSpot has must be associated with it.
 */
export function missingAssociations(
  emulator: HubSpotEmulator,
  mapping: LoadedMapping,
  object: string,
  rows: StagedRow[],
  refused: Set<string>,
): string[] {
  const mapper = new ObjectMapper(mapping.config, object);
  const hubspot = byLegacyId(emulator, object, mapper.spec.target.legacyIdColumn);
  const problems: string[] = [];
  for (const link of parentLinks(mapping.config, object)) {
    const parents = byLegacyId(emulator, link.association.toObject, link.property);
    for (const r of rows) {
      if (r.status === 'orphan' || refused.has(r.legacy_id)) continue;
      const key = mapper.map(r.legacy_properties!).values[link.property];
      const parent = key ? parents.get(String(key)) : undefined;
      const ids = hubspot.get(r.legacy_id);
      if (!parent || parent.length !== 1 || !ids || ids.length !== 1) continue;
      const linked = emulator.store.associations
        .of(mapper.spec.target.table, ids[0]!, link.association.toObject)
        .map((a) => a.toObjectId);
      if (!linked.includes(parent[0]!))
        problems.push(`${object} ${r.legacy_id} is not associated with ${link.object} ${key} (${parent[0]})`);
    }
  }
  return problems;
}
