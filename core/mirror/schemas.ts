import { z } from 'zod';
import { ObjectNameInputSchema } from '../mapping/mapping-config';
import { SyncReportSchema } from '../sync/requests';

export const MirrorInputSchema = z
  .object({
    objects: z
      .array(ObjectNameInputSchema)
      .optional()
      .describe('Objects of the mapping to refresh (default: all of them)'),
    full: z
      .boolean()
      .default(false)
      .describe(
        'Read everything again and check every mirrored row, instead of only what changed since the last refresh',
      ),
    dryRun: z
      .boolean()
      .default(false)
      .describe('Plan only: what the refresh would write; nothing is created or written'),
  })
  .strict();
export type MirrorInput = z.input<typeof MirrorInputSchema>;

export const MirrorReportSchema = z.object({
  sync: SyncReportSchema.describe('The sync run that brought the mirror up to date (HubSpot -> the Postgres mirror)'),
  tables: z
    .record(z.string(), z.object({ created: z.boolean(), columnsAdded: z.array(z.string()) }))
    .describe('Per object: whether its mirror table was created, and the columns added'),
  removed: z.record(z.string(), z.number()).describe('Per object: rows removed because HubSpot archived the record'),
});
export type MirrorReport = z.infer<typeof MirrorReportSchema>;
