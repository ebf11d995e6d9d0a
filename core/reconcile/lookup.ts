import { UsageError } from '../errors';
import { z } from 'zod';
import type { Database } from '../db/database';
import type { LoadedMapping } from '../mapping/load-mapping';
import { LegacyIdSchema } from '../input/ids';
import { ObjectNameInputSchema } from '../mapping/mapping-config';
import { forgetMirrorIdTypes, readInOneStatement } from './lookup-one-statement';
import { assembleLookups, notFound, type LookupResult } from './lookup-result';
import { readStepwise } from './lookup-stepwise';

export { LookupResultSchema, type LookupResult } from './lookup-result';

export const LookupInputSchema = z
  .object({
    object: ObjectNameInputSchema.describe('Object, as named in the mapping (companies, contacts, deals, engagements)'),
    legacyId: LegacyIdSchema,
  })
  .strict();
export type LookupInput = z.infer<typeof LookupInputSchema>;

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

function requireObject(mapping: LoadedMapping, object: string): void {
  if (!mapping.config.objects[object]) {
    throw new UsageError(
      `Object "${object}" is not in the mapping config (it has: ${Object.keys(mapping.config.objects).join(', ')})`,
    );
  }
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
 * read in one statement whatever the batch size (step by step, one query per table, when the object was never
 * reconciled or has no mirror yet).
 */
export async function lookupManyByLegacyId(
  db: Database,
  mapping: LoadedMapping,
  input: LookupBatchInput,
): Promise<LookupResult[]> {
  const { object, legacyIds } = LookupBatchInputSchema.parse(input);
  requireObject(mapping, object);
  const ids = [...new Set(legacyIds)];
  const read = await db.withConnection(async (sql) => {
    try {
      const once = await readInOneStatement(db, sql, mapping, object, ids);
      if (once) return once;
    } catch {
      // Whatever stopped the one statement (no staging table yet, a mirror changed under us), the step-by-step read
      // meets it again and answers as it always has: "not reconciled yet", or a note on each row.
      forgetMirrorIdTypes(db);
    }
    return readStepwise(sql, mapping, object, ids);
  });
  if (!read)
    return legacyIds.map((id) => ({ ...notFound(object, id), notes: [`${object} has not been reconciled yet`] }));
  return assembleLookups(object, legacyIds, read);
}
