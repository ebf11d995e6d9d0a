import { z } from 'zod';
import { SyncJobSchema } from './job';

/**
 * What CLI, n8n and MCP callers send to plan or apply a sync: the job inline or as a file, optionally only some
 * streams. Connections never travel in a request: each surface takes them from its own credentials.
 */
export const SyncRequestSchema = z
  .object({
    job: SyncJobSchema.optional().describe('the sync job itself (source, target, streams, mapping, filters)'),
    jobFile: z.string().min(1).optional().describe('or a path to a sync job JSON file (inside the folders the server may read)'),
    streams: z.array(z.string().min(1)).optional().describe('only these streams'),
    planLimit: z.number().int().min(0).max(10_000).optional().describe('plan lines to return (default 200)'),
  })
  .strict()
  .refine((r) => (r.job === undefined) !== (r.jobFile === undefined), 'give either job or jobFile');
export type SyncRequest = z.infer<typeof SyncRequestSchema>;

const CountsSchema = z.object({
  read: z.number(), reread: z.number(), skipped: z.number(), created: z.number(), updated: z.number(), unchanged: z.number(), failed: z.number(),
  deferred: z.number(), rejected: z.number(), interrupted: z.number(), reverseUpdated: z.number(), echoes: z.number(), conflicts: z.number(), parentsFetched: z.number(), retried: z.number(),
});

const ValueSchema = z.string().nullable();

export const SyncReportSchema = z.object({
  runId: z.string(),
  job: z.string(),
  dryRun: z.boolean(),
  status: z.enum(['succeeded', 'partial', 'failed']),
  streams: z.array(z.object({ stream: z.string(), status: z.enum(['done', 'busy', 'failed']), counts: CountsSchema, error: z.string().optional() })),
  plan: z.array(
    z.object({
      stream: z.string(),
      sourceId: z.string(),
      action: z.enum(['create', 'update', 'unchanged', 'skip', 'defer', 'reject']),
      targetKey: z.string().optional(),
      targetId: z.string().nullable().optional(),
      changes: z.array(z.object({ field: z.string(), old: ValueSchema.optional(), new: ValueSchema })).optional(),
      reason: z.string().optional(),
    }),
  ),
  planOmitted: z.number(),
  totals: CountsSchema,
});
