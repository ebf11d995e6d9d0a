import { z } from 'zod';
import { ObjectNameInputSchema } from '../mapping/mapping-config';

/** Input of a reconcile, as every surface (CLI, MCP tool, n8n operation) accepts it. */
export const ReconcileInputSchema = z
  .object({
    object: ObjectNameInputSchema.describe(
      'Object to reconcile, as named in the mapping (companies, contacts, deals, engagements)',
    ),
    legacyPath: z.string().min(1).describe('Folder of the legacy export (one CSV per table) or a single CSV file'),
    mappingFile: z
      .string()
      .min(1)
      .optional()
      .describe('Property mapping config (JSON); the built-in legacy -> HubSpot mapping when absent'),
    batchSize: z.number().int().min(10).max(50_000).optional().describe('Rows per database statement (bounds memory)'),
    fuzzy: z
      .boolean()
      .optional()
      .describe(
        'Link companies and contacts that no target carries the legacy ID of by resemblance (status fuzzy_match); default true',
      ),
    acceptShrink: z
      .boolean()
      .optional()
      .describe(
        'Reconcile an export with no readable row, or far fewer rows than the last successful run (see shrinkThreshold); without it such a run is refused and staging is left as it was',
      ),
    shrinkThreshold: z
      .number()
      .min(0)
      .max(1)
      .optional()
      .describe(
        'Refuse an export with fewer readable rows than this fraction of the last successful run (default 0.5)',
      ),
  })
  .strict();
export type ReconcileInput = z.infer<typeof ReconcileInputSchema>;

const count = z.number().int().min(0);

export const ReconcileSummarySchema = z.object({
  runId: z.string().uuid(),
  object: z.string(),
  source: z.string(),
  target: z.string(),
  legacyRows: count.describe('Legacy records read and reconciled (quarantined rows excluded)'),
  targetRows: count,
  targetUnlinked: count.describe('Target records without a legacy ID (only the fuzzy fallback links them)'),
  matched: count,
  fuzzyMatch: count.describe(
    'Records no target carries the legacy ID of, linked to a target record by resemblance (status fuzzy_match, to confirm)',
  ),
  new: count,
  conflict: count,
  orphan: count.describe('Target records whose legacy ID is not in the export at all'),
  unreadableInExport: count.describe(
    'Target records whose legacy ID the export has only in rows that could not be read (status unreadable_in_export), so not orphans',
  ),
  quarantined: count.describe('Rows of the export set aside as unreadable (see staging.quarantine)'),
  unreadableWithoutId: count.describe(
    'Set-aside rows that gave no legacy ID: any orphan may be the record of one of them',
  ),
  fieldIssues: count.describe('Values that could not be converted; their records are still reconciled without them'),
  updatesPending: count.describe('Matched records with at least one property to update'),
  rowsInserted: count,
  rowsUpdated: count,
  rowsDeleted: count,
  durationMs: count,
  warnings: z
    .array(z.string())
    .describe('What the counts alone do not say: unreadable rows that orphans may belong to, an accepted shrink'),
});
export type ReconcileSummary = z.infer<typeof ReconcileSummarySchema>;

/** The sentences a headline needs beside the counts, so no label is trusted further than the export allows. */
export function summaryWarnings(s: Omit<ReconcileSummary, 'warnings'>, shrinkWarning?: string): string[] {
  const warnings: string[] = [];
  if (shrinkWarning) warnings.push(shrinkWarning);
  if (s.unreadableWithoutId > 0) {
    const rows = s.unreadableWithoutId === 1 ? '1 row of the export' : `${s.unreadableWithoutId} rows of the export`;
    warnings.push(
      `${rows} could not be read and gave no legacy ID` +
        (s.orphan > 0
          ? `: the ${s.orphan === 1 ? 'orphan' : `${s.orphan} orphans`} may include ${s.unreadableWithoutId === 1 ? 'its record' : 'their records'}`
          : '') +
        ' (staging.quarantine lists them)',
    );
  }
  if (s.unreadableInExport > 0) {
    warnings.push(
      `${s.unreadableInExport} target record${s.unreadableInExport === 1 ? ' carries a legacy ID' : 's carry legacy IDs'} that the export has only in unreadable rows: ` +
        'status unreadable_in_export, not orphan',
    );
  }
  return warnings;
}
