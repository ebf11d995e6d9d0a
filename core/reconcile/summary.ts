import { z } from 'zod';
import { ObjectNameSchema } from '../mapping/mapping-config';

/** Input of a reconcile, as every surface (CLI, MCP tool, n8n operation) accepts it. */
export const ReconcileInputSchema = z
  .object({
    object: ObjectNameSchema.describe('Object to reconcile, as named in the mapping (companies, contacts, deals, engagements)'),
    legacyPath: z.string().min(1).describe('Folder of the legacy export (one CSV per table) or a single CSV file'),
    mappingFile: z.string().min(1).optional().describe('Property mapping config (JSON); the built-in legacy -> HubSpot mapping when absent'),
    batchSize: z.number().int().min(10).max(50_000).optional().describe('Rows per database statement (bounds memory)'),
    fuzzy: z.boolean().optional().describe('Link companies and contacts that no target carries the legacy ID of by resemblance (status fuzzy_match); default true'),
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
  fuzzyMatch: count.describe('Records no target carries the legacy ID of, linked to a target record by resemblance (status fuzzy_match, to confirm)'),
  new: count,
  conflict: count,
  orphan: count,
  quarantined: count.describe('Rows of the export set aside as unreadable (see staging.quarantine)'),
  fieldIssues: count.describe('Values that could not be converted; their records are still reconciled without them'),
  updatesPending: count.describe('Matched records with at least one property to update'),
  rowsInserted: count,
  rowsUpdated: count,
  rowsDeleted: count,
  durationMs: count,
});
export type ReconcileSummary = z.infer<typeof ReconcileSummarySchema>;
