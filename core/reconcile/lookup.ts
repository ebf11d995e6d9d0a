import { UsageError } from '../errors';
import { z } from 'zod';
import type { Database } from '../db/database';
import { ident, qualified, type Sql } from '../db/sql';
import type { LoadedMapping } from '../mapping/load-mapping';
import { ObjectNameSchema } from '../mapping/mapping-config';
import { listQuarantine } from '../staging/quarantine';
import { STATUSES } from '../staging/staging-row';

export const LookupInputSchema = z
  .object({
    object: ObjectNameSchema.describe('Object, as named in the mapping (companies, contacts, deals, engagements)'),
    legacyId: z.string().trim().min(1).describe('ID of the record in the legacy CRM'),
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
    `SELECT ${ident(spec.target.idColumn)}::text AS id, to_jsonb(t) AS properties FROM ${table} t WHERE ${ident(spec.target.idColumn)}::text = ANY($1::text[])`,
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

/** Everything known about one legacy record: its staging row, the live target record(s), and quarantine entries. */
export async function lookupByLegacyId(
  db: Database,
  mapping: LoadedMapping,
  input: LookupInput,
): Promise<LookupResult> {
  const { object, legacyId } = LookupInputSchema.parse(input);
  if (!mapping.config.objects[object]) {
    throw new UsageError(
      `Object "${object}" is not in the mapping config (it has: ${Object.keys(mapping.config.objects).join(', ')})`,
    );
  }
  return db.withConnection(async (sql) => {
    const exists = await sql.query(
      'SELECT 1 FROM information_schema.tables WHERE table_schema = $1 AND table_name = $2',
      ['staging', object],
    );
    const empty: LookupResult = {
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
    if (exists.rows.length === 0) return { ...empty, notes: [`${object} has not been reconciled yet`] };
    const { rows } = await sql.query<{
      target_id: string | null;
      target_ids: string[];
      status: LookupResult['status'];
      match_confidence: number | null;
      properties_to_update: LookupResult['propertiesToUpdate'];
      notes: string[];
      legacy_properties: LookupResult['legacyProperties'];
      updated_at: Date;
    }>(
      `SELECT target_id, target_ids, status, match_confidence, properties_to_update, notes, legacy_properties, updated_at
         FROM staging.${ident(object)} WHERE legacy_id = $1`,
      [legacyId],
    );
    const lastRun = await sql.query<{ finished_at: Date }>(
      `SELECT finished_at FROM staging.reconciliation_log WHERE object = $1 AND status = 'succeeded' ORDER BY finished_at DESC LIMIT 1`,
      [object],
    );
    const lastRunAt = lastRun.rows[0]?.finished_at.toISOString() ?? null;
    const quarantine = (await listQuarantine(sql, object, { legacyId, limit: 50 })).map(
      ({ source, line, field, reason }) => ({ source, line, field, reason }),
    );
    const row = rows[0];
    if (!row) {
      const notes = quarantine.length
        ? ['the record was quarantined: see quarantine']
        : ['no record with this legacy ID in the last reconciliation'];
      return { ...empty, quarantine, notes, lastRunAt };
    }
    const notes = [...row.notes];
    let targetRecords: LookupResult['targetRecords'] = [];
    try {
      targetRecords = await readTargets(sql, mapping, object, row.target_ids);
    } catch (error) {
      notes.push(`target records could not be read from the mirror: ${(error as Error).message}`);
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
      notes,
      legacyProperties: row.legacy_properties,
      targetRecords,
      quarantine,
      changedAt: row.updated_at.toISOString(),
      lastRunAt,
    };
  });
}
