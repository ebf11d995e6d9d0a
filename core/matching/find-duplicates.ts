import { z } from 'zod';
import type { Database } from '../db/database';
import { ident } from '../db/sql';
import type { LoadedMapping } from '../mapping/load-mapping';
import { ObjectNameInputSchema } from '../mapping/mapping-config';
import { ObjectMapper } from '../mapping/object-mapper';
import { MatchConfigSchema } from './config';
import { FieldsSpecSchema, resolveFieldsSpec } from './field-spec';
import { choosePreset } from './presets';
import { DedupeResultSchema, type DedupeResult } from './result';
import { dedupe } from './run';

/** Records given inline, or the legacy records of a reconciled object; the same request for every surface. */
export const FindDuplicatesInputSchema = z
  .object({
    records: z
      .array(z.record(z.string(), z.unknown()))
      .max(50_000)
      .optional()
      .describe('Records to deduplicate (each with an ID column)'),
    object: ObjectNameInputSchema.optional().describe(
      'Or: a reconciled object whose legacy records (staging.<object>) are deduplicated',
    ),
    idColumn: z
      .string()
      .min(1)
      .optional()
      .describe('ID column of `records` (default: found as id, unique_id, rec_id, …)'),
    preset: z.enum(['contacts', 'companies']).optional().describe('Default: chosen from the column names'),
    fields: FieldsSpecSchema.optional(),
    defaultCountry: z
      .string()
      .regex(/^[A-Z]{2}$/)
      .optional(),
    limit: z.number().int().min(2).max(50_000).default(20_000).describe('Most staged records to read'),
    maxClusters: z.number().int().min(1).max(1000).default(50).describe('Most groups to return, weakest first'),
  })
  .strict()
  .superRefine((i, ctx) => {
    if ((i.records === undefined) === (i.object === undefined))
      ctx.addIssue({ code: 'custom', message: 'give either `records` or `object`' });
  });
export type FindDuplicatesInput = z.input<typeof FindDuplicatesInputSchema>;

export const FindDuplicatesResultSchema = z.object({
  groups: z.array(
    z.object({
      records: z.array(z.string()),
      survivor: z.string(),
      decision: z.string(),
      minConfidence: z.number(),
      pairs: DedupeResultSchema.shape.pairs,
    }),
  ),
  groupsFound: z.number().int(),
  columnsUsed: DedupeResultSchema.shape.columnsUsed,
  stats: DedupeResultSchema.shape.stats,
  quarantine: DedupeResultSchema.shape.quarantine,
});
export type FindDuplicatesResult = z.infer<typeof FindDuplicatesResultSchema>;

/**
 * The staged legacy records of an object, in the target's vocabulary: mapped and canonicalised the way they would be
 * written (a legacy `Comp_Name` is HubSpot's `name`), which is also what the presets recognise.
 */
async function stagedRecords(
  db: Database,
  mapping: LoadedMapping,
  object: string,
  limit: number,
): Promise<Array<Record<string, unknown>>> {
  const mapper = new ObjectMapper(mapping.config, object);
  const { rows } = await db.pool.query<{ legacy_id: string; legacy_properties: Record<string, string | null> }>(
    `SELECT legacy_id, legacy_properties FROM staging.${ident(object, 'object name')} WHERE legacy_properties IS NOT NULL ORDER BY legacy_id LIMIT $1`,
    [limit],
  );
  return rows.map((r) => ({ ...mapper.map(r.legacy_properties).values, __legacy_id: r.legacy_id }));
}

/**
 * Groups of records that are one entity, weakest groups first (those most need a person), with per-field reasons.
 * `stats.evidence` says whether the data showed its duplicates well enough for any group to be auto-merged.
 */
export async function findDuplicates(
  db: () => Promise<Database>,
  mapping: LoadedMapping,
  input: FindDuplicatesInput,
  options: { signal?: AbortSignal; onRecords?(count: number): void } = {},
): Promise<FindDuplicatesResult> {
  const i = FindDuplicatesInputSchema.parse(input);
  const records = i.records ?? (await stagedRecords(await db(), mapping, i.object!, i.limit));
  // Matching runs in one go (on worker threads the caller waits for), so a stop is honoured before it starts.
  options.signal?.throwIfAborted();
  options.onRecords?.(records.length);
  const idColumn = i.records ? i.idColumn : '__legacy_id';
  const columns = Object.keys(records[0] ?? {});
  const fields = i.fields === undefined ? undefined : resolveFieldsSpec(i.fields);
  const config = MatchConfigSchema.parse({
    ...(idColumn ? { idColumn } : {}),
    ...(fields ? { fields } : { preset: i.preset ?? choosePreset(columns, new Set(idColumn ? [idColumn] : [])) }),
    includeReasons: true,
    ...(i.defaultCountry ? { defaultCountry: i.defaultCountry } : {}),
  });
  const result: DedupeResult = dedupe(records, config);
  const pairsOf = (ids: Set<string>) => result.pairs.filter((p) => ids.has(p.left) && ids.has(p.right));
  const groups = [...result.clusters]
    .sort((a, b) => a.minConfidence - b.minConfidence)
    .slice(0, i.maxClusters)
    .map((c) => ({
      records: c.records,
      survivor: c.survivor,
      decision: c.decision,
      minConfidence: c.minConfidence,
      pairs: pairsOf(new Set(c.records)),
    }));
  return {
    groups,
    groupsFound: result.clusters.length,
    columnsUsed: result.columnsUsed,
    stats: result.stats,
    quarantine: result.quarantine,
  };
}
