import { z } from 'zod';
import { STATUSES } from '../staging/staging-row';

/** classifyFuzzy writes one note per compared field with this prefix. */
const FUZZY_REASON = 'fuzzy: ';

const Properties = z.record(z.string(), z.string().nullable());

export const LookupResultSchema = z.object({
  found: z.boolean(),
  object: z.string(),
  legacyId: z.string(),
  status: z.enum(STATUSES).nullable(),
  targetId: z.string().nullable().describe('The target (HubSpot) record ID when exactly one record matches'),
  targetIds: z.array(z.string()),
  matchConfidence: z.number().int().min(0).max(100).nullable(),
  fuzzyReasons: z
    .array(z.string())
    .describe('For a fuzzy_match: how each compared field agreed, with its weight of evidence'),
  propertiesToUpdate: Properties.nullable(),
  notes: z.array(z.string()),
  legacyProperties: Properties.nullable(),
  /** The live target record(s) from the mirror, read at lookup time. */
  targetRecords: z.array(z.object({ id: z.string(), properties: Properties })),
  quarantine: z.array(
    z.object({ source: z.string(), line: z.number().nullable(), field: z.string().nullable(), reason: z.string() }),
  ),
  changedAt: z.string().nullable().describe('When this staging row last changed'),
  lastRunAt: z.string().nullable().describe('When the object was last reconciled successfully'),
});
export type LookupResult = z.infer<typeof LookupResultSchema>;

export type TargetRecord = LookupResult['targetRecords'][number];
export type QuarantineEntry = LookupResult['quarantine'][number];

/** The staging columns a lookup shows, as node-postgres and PGlite both return them. */
export interface StagingRowFound {
  legacy_id: string;
  target_id: string | null;
  target_ids: string[];
  status: LookupResult['status'];
  match_confidence: number | null;
  properties_to_update: LookupResult['propertiesToUpdate'];
  notes: string[];
  legacy_properties: LookupResult['legacyProperties'];
  updated_at: Date;
}

export const STAGING_COLUMNS =
  'legacy_id, target_id, target_ids, status, match_confidence, properties_to_update, notes, legacy_properties, updated_at';

/** What one read found for a set of distinct legacy IDs, however many statements it took. */
export interface LookupRead {
  lastRunAt: string | null;
  staged: Map<string, StagingRowFound>;
  quarantine: Map<string, QuarantineEntry[]>;
  targets: Map<string, TargetRecord>;
  /** Why the mirror could not be read (the lookup still answers, with this note on each staged row). */
  targetProblem: string | null;
}

/** A mirror row as `to_jsonb` gives it, with every value shown as text (numbers and dates as their JSON). */
export function targetRecord(id: string, properties: Record<string, unknown>): TargetRecord {
  return {
    id,
    properties: Object.fromEntries(
      Object.entries(properties).map(([k, v]) => [
        k,
        v === null ? null : typeof v === 'string' ? v : JSON.stringify(v),
      ]),
    ),
  };
}

export function notFound(object: string, legacyId: string): LookupResult {
  return {
    found: false,
    object,
    legacyId,
    status: null,
    targetId: null,
    targetIds: [],
    matchConfidence: null,
    fuzzyReasons: [],
    propertiesToUpdate: null,
    notes: [],
    legacyProperties: null,
    targetRecords: [],
    quarantine: [],
    changedAt: null,
    lastRunAt: null,
  };
}

/** The answers, in input order (a repeated ID is answered each time), from what the read found. */
export function assembleLookups(object: string, legacyIds: string[], read: LookupRead): LookupResult[] {
  const { lastRunAt, staged, quarantine, targets, targetProblem } = read;
  return legacyIds.map((legacyId): LookupResult => {
    const row = staged.get(legacyId);
    const quarantined = quarantine.get(legacyId) ?? [];
    if (!row) {
      const notes = quarantined.length
        ? ['the record was quarantined: see quarantine']
        : ['no record with this legacy ID in the last reconciliation'];
      return { ...notFound(object, legacyId), quarantine: quarantined, notes, lastRunAt };
    }
    return {
      found: true,
      object,
      legacyId,
      status: row.status,
      targetId: row.target_id,
      targetIds: row.target_ids,
      matchConfidence: row.match_confidence,
      fuzzyReasons: row.notes.filter((n) => n.startsWith(FUZZY_REASON)).map((n) => n.slice(FUZZY_REASON.length)),
      propertiesToUpdate: row.properties_to_update,
      notes: targetProblem ? [...row.notes, targetProblem] : [...row.notes],
      legacyProperties: row.legacy_properties,
      targetRecords: row.target_ids.flatMap((id) => targets.get(id) ?? []),
      quarantine: quarantined,
      changedAt: row.updated_at.toISOString(),
      lastRunAt,
    };
  });
}
