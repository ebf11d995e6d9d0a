import { UsageError } from '../errors';
import { z } from 'zod';
import type { Database } from '../db/database';
import { ident, qualified, type Sql } from '../db/sql';
import type { LoadedMapping } from '../mapping/load-mapping';
import { LegacyIdSchema } from '../input/ids';
import { ObjectNameInputSchema } from '../mapping/mapping-config';
import { STATUSES } from '../staging/staging-row';

export const LookupInputSchema = z
  .object({
    object: ObjectNameInputSchema.describe('Object, as named in the mapping (companies, contacts, deals, engagements)'),
    legacyId: LegacyIdSchema,
  })
  .strict();
export type LookupInput = z.infer<typeof LookupInputSchema>;

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

async function readTargets(
  sql: Sql,
  mapping: LoadedMapping,
  object: string,
  ids: string[],
): Promise<LookupResult['targetRecords']> {
  const spec = mapping.config.objects[object];
  if (!spec || ids.length === 0) return [];
  const table = qualified(mapping.config.target.schema, spec.target.table);
  const { rows } = await sql.query<{ id: string; properties: Record<string, unknown> }>(
    // The IDs' type is left for Postgres to infer from the column (bigint in a HubSpot mirror): casting the column
    // to text instead would make every lookup read the whole mirror rather than its primary key.
    `SELECT ${ident(spec.target.idColumn)}::text AS id, to_jsonb(t) AS properties FROM ${table} t WHERE ${ident(spec.target.idColumn)} = ANY($1)`,
    [ids],
  );
  return rows.map((r) => ({
    id: r.id,
    properties: Object.fromEntries(
      Object.entries(r.properties).map(([k, v]) => [
        k,
        v === null ? null : typeof v === 'string' ? v : JSON.stringify(v),
      ]),
    ),
  }));
}

/** Not found is an answer, but not the one asked for: every surface says so in these words (CLI exit 3, 404, MCP). */
export const notFoundMessage = (r: Pick<LookupResult, 'object' | 'legacyId'>) =>
  `no ${r.object} record has legacy ID ${r.legacyId} in staging`;

/** Most legacy IDs one batch lookup takes (the HTTP API's POST, and the node's batch). */
export const MAX_LOOKUP_BATCH = 1000;

export const LookupBatchInputSchema = z
  .object({
    object: LookupInputSchema.shape.object,
    legacyIds: z
      .array(LegacyIdSchema)
      .min(1, 'name at least one legacy ID')
      .max(MAX_LOOKUP_BATCH, `at most ${MAX_LOOKUP_BATCH.toLocaleString('en')} legacy IDs per lookup`),
  })
  .strict();
export type LookupBatchInput = z.input<typeof LookupBatchInputSchema>;

interface StagingRowFound {
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

function requireObject(mapping: LoadedMapping, object: string): void {
  if (!mapping.config.objects[object]) {
    throw new UsageError(
      `Object "${object}" is not in the mapping config (it has: ${Object.keys(mapping.config.objects).join(', ')})`,
    );
  }
}

function notFound(object: string, legacyId: string): LookupResult {
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

/** Everything known about one legacy record: its staging row, the live target record(s), and quarantine entries. */
export async function lookupByLegacyId(
  db: Database,
  mapping: LoadedMapping,
  input: LookupInput,
): Promise<LookupResult> {
  const { object, legacyId } = LookupInputSchema.parse(input);
  const [result] = await lookupManyByLegacyId(db, mapping, { object, legacyIds: [legacyId] });
  return result!;
}

/**
 * The same answer as `lookupByLegacyId` for up to 1,000 IDs, in input order (a repeated ID is answered each time),
 * read with one query per table whatever the batch size.
 */
export async function lookupManyByLegacyId(
  db: Database,
  mapping: LoadedMapping,
  input: LookupBatchInput,
): Promise<LookupResult[]> {
  const { object, legacyIds } = LookupBatchInputSchema.parse(input);
  requireObject(mapping, object);
  return db.withConnection(async (sql) => {
    // One round trip for whether the object was ever reconciled and when it last succeeded: a lookup is a handful of
    // index reads, so round trips are most of its cost under load.
    const { rows: state } = await sql.query<{ reconciled: boolean; finished_at: Date | null }>(
      `SELECT to_regclass(format('staging.%I', $1::text)) IS NOT NULL AS reconciled,
              (SELECT finished_at FROM staging.reconciliation_log WHERE object = $1 AND status = 'succeeded'
                ORDER BY finished_at DESC LIMIT 1) AS finished_at`,
      [object],
    );
    if (!state[0]!.reconciled)
      return legacyIds.map((id) => ({ ...notFound(object, id), notes: [`${object} has not been reconciled yet`] }));
    const ids = [...new Set(legacyIds)];
    const { rows } = await sql.query<StagingRowFound>(
      `SELECT legacy_id, target_id, target_ids, status, match_confidence, properties_to_update, notes,
              legacy_properties, updated_at
         FROM staging.${ident(object)} WHERE legacy_id = ANY($1::text[])`,
      [ids],
    );
    const lastRunAt = state[0]!.finished_at?.toISOString() ?? null;
    const quarantine = await quarantineOf(sql, object, ids);
    const staged = new Map(rows.map((r) => [r.legacy_id, r]));
    const targets = new Map<string, LookupResult['targetRecords'][number]>();
    let targetProblem: string | null = null;
    try {
      for (const t of await readTargets(sql, mapping, object, [...new Set(rows.flatMap((r) => r.target_ids))]))
        targets.set(t.id, t);
    } catch (error) {
      targetProblem = `target records could not be read from the mirror: ${(error as Error).message}`;
    }
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
  });
}

/** Quarantine entries of the IDs, at most 50 per ID (as a single lookup shows). */
async function quarantineOf(sql: Sql, object: string, ids: string[]): Promise<Map<string, LookupResult['quarantine']>> {
  const { rows } = await sql.query<{
    legacy_id: string;
    source: string;
    line: number | null;
    field: string | null;
    reason: string;
  }>(
    `SELECT legacy_id, source, line, field, reason FROM (
       SELECT legacy_id, source, line, field, reason,
              row_number() OVER (PARTITION BY legacy_id ORDER BY source, line NULLS LAST, id) AS n
         FROM staging.quarantine WHERE object = $1 AND legacy_id = ANY($2::text[])) q
      WHERE n <= 50 ORDER BY legacy_id, n`,
    [object, ids],
  );
  const byId = new Map<string, LookupResult['quarantine']>();
  for (const { legacy_id, ...entry } of rows) {
    const list = byId.get(legacy_id) ?? [];
    list.push(entry);
    byId.set(legacy_id, list);
  }
  return byId;
}
