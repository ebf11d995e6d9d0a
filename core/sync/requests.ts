import { z } from 'zod';
import { SyncJobSchema } from './job';
import { StreamCountsSchema } from './outcome';

/**
 * What CLI, n8n and MCP callers send to plan or apply a sync: the job inline or as a file, optionally only some
 * streams. Connections never travel in a request: each surface takes them from its own credentials.
 */
export const SyncRequestSchema = z
  .object({
    job: SyncJobSchema.optional().describe('the sync job itself (source, target, streams, mapping, filters)'),
    jobFile: z
      .string()
      .min(1)
      .optional()
      .describe('or a path to a sync job JSON file (inside the folders the server may read)'),
    streams: z.array(z.string().min(1)).optional().describe('only these streams'),
    full: z
      .boolean()
      .optional()
      .describe(
        'read every source record from the beginning and check every linked record in the target (costs a read of the whole source)',
      ),
    planLimit: z.number().int().min(0).max(10_000).optional().describe('plan lines to return (default 200)'),
    allowMassDelete: z
      .boolean()
      .optional()
      .describe(
        "let deletes through even where a stream would delete more than its maxDeleteShare of its linked records (the mass-delete guard); only after checking the plan's deletes",
      ),
  })
  .strict()
  .refine((r) => (r.job === undefined) !== (r.jobFile === undefined), 'give either job or jobFile');
export type SyncRequest = z.infer<typeof SyncRequestSchema>;

const ProblemSchema = z.object({
  kind: z.enum(['failed', 'rejected', 'deferred']),
  count: z.number(),
  reason: z.string(),
  example: z.string(),
});

const ValueSchema = z.string().nullable();

export const SyncReportSchema = z.object({
  runId: z.string(),
  job: z.string(),
  dryRun: z.boolean(),
  full: z.boolean(),
  status: z.enum(['succeeded', 'partial', 'failed']).describe('succeeded only when every record taken up went through'),
  headline: z.string().describe('the status and the first reasons, in one line'),
  streams: z.array(
    z.object({
      stream: z.string(),
      status: z.enum(['succeeded', 'partial', 'failed', 'busy']),
      counts: StreamCountsSchema,
      error: z.string().optional(),
      errorKind: z.enum(['usage', 'input', 'database', 'crm', 'failure']).optional(),
      problems: z.array(ProblemSchema),
    }),
  ),
  plan: z.array(
    z.object({
      stream: z.string(),
      sourceId: z.string(),
      action: z.enum(['create', 'update', 'unchanged', 'skip', 'defer', 'reject', 'delete', 'flag']),
      targetKey: z.string().optional(),
      targetId: z.string().nullable().optional(),
      changes: z.array(z.object({ field: z.string(), old: ValueSchema.optional(), new: ValueSchema })).optional(),
      reason: z.string().optional(),
    }),
  ),
  planOmitted: z.number(),
  totals: StreamCountsSchema,
});
