import { z } from 'zod';
import { ObjectNameInputSchema } from '../mapping/mapping-config';

export const ApplyInputSchema = z
  .object({
    object: ObjectNameInputSchema.describe('Object, as named in the mapping (companies, contacts, deals)'),
    dryRun: z
      .boolean()
      .default(false)
      .describe('Plan only: what would be created, updated (old -> new) and held back; nothing is written'),
    limit: z.number().int().min(1).optional().describe('Write at most this many records in this run'),
    planLimit: z
      .number()
      .int()
      .min(0)
      .max(100_000)
      .default(1000)
      .describe('Plan lines to list (the counts cover every record)'),
  })
  .strict();
export type ApplyInput = z.input<typeof ApplyInputSchema>;

const Value = z.string().nullable();

export const PlanLineSchema = z.object({
  legacyId: z.string(),
  action: z.enum(['create', 'update', 'link', 'survivor', 'associate', 'held']),
  targetId: z.string().nullable(),
  changes: z.array(z.object({ property: z.string(), old: Value.optional(), new: Value })),
  associate: z.record(z.string(), z.string()),
  unlink: z.array(z.string()),
  reason: z.string().optional(),
});
export type PlanLine = z.infer<typeof PlanLineSchema>;

export const ApplyCountsSchema = z.object({
  creates: z.number().describe('Planned creates'),
  updates: z.number().describe('Planned updates of matched records'),
  links: z.number().describe('Approved fuzzy matches: the legacy ID is written onto the record, then its values'),
  survivors: z.number().describe('Settled conflicts: the chosen record is updated, the others lose the legacy ID'),
  associations: z.number().describe('Records in agreement to associate with a parent apply created or linked'),
  heldBack: z.number(),
  inAgreement: z.number().describe('Matched records with nothing to change'),
  orphans: z.number().describe('Target records whose legacy ID is not in the export: never written'),
  quarantined: z.number().describe('Export rows set aside by the latest reconcile: not in staging, so not applied'),
  created: z.number(),
  updated: z.number(),
  unchanged: z.number().describe('Sent before, and found already in place in the CRM (read back): not written again'),
  unlinked: z.number(),
  associated: z.number().describe('Associations made (records in agreement with a parent apply made)'),
  failed: z.number(),
});
export type ApplyCounts = z.infer<typeof ApplyCountsSchema>;

export const ApplyReportSchema = z.object({
  runId: z.string(),
  object: z.string(),
  target: z.string(),
  dryRun: z.boolean(),
  status: z.enum(['succeeded', 'partial', 'failed']),
  counts: ApplyCountsSchema,
  failures: z
    .array(z.object({ legacyId: z.string(), action: z.string(), error: z.string() }))
    .describe('The first 100 records the CRM refused, with its reason'),
  heldBackReasons: z.record(z.string(), z.number()).describe('Held-back records by reason kind'),
  plan: z.array(PlanLineSchema),
  planOmitted: z.number(),
  stoppedAtLimit: z.boolean(),
  durationMs: z.number(),
});
export type ApplyReport = z.infer<typeof ApplyReportSchema>;
