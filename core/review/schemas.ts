import { z } from 'zod';
import { IdSchema, LegacyIdSchema } from '../input/ids';
import { ObjectNameInputSchema } from '../mapping/mapping-config';

export const ReviewListInputSchema = z
  .object({
    object: ObjectNameInputSchema.describe('Object, as named in the mapping (companies, contacts, deals, engagements)'),
    kind: z.enum(['fuzzy_match', 'conflict', 'all']).default('all').describe('Fuzzy matches, conflicts, or both'),
    undecidedOnly: z.boolean().default(false).describe('Leave out items that carry a decision still valid'),
    limit: z.number().int().min(1).max(500).default(50),
    cursor: z.string().max(300).optional().describe("The previous page's nextCursor, passed back unchanged"),
    after: IdSchema.optional().describe('The same as cursor (its older name)'),
  })
  .strict();
export type ReviewListInput = z.input<typeof ReviewListInputSchema>;

const Side = z.object({ id: z.string(), properties: z.record(z.string(), z.string().nullable()) });

export const ReviewDecisionSchema = z.object({
  decision: z.enum(['approve', 'reject', 'choose']),
  targetId: z.string().nullable(),
  decidedBy: z.string(),
  decidedAt: z.string(),
  reason: z.string().nullable(),
  /** The legacy or the target record changed since: the decision no longer applies and the item waits again. */
  stale: z.boolean(),
});
export type ReviewDecision = z.infer<typeof ReviewDecisionSchema>;

export const ReviewItemSchema = z.object({
  legacyId: z.string(),
  status: z.enum(['fuzzy_match', 'conflict']),
  confidence: z.number().nullable(),
  /** For a fuzzy match: how each compared field agreed; for a conflict: the ranking note. */
  reasons: z.array(z.string()),
  /** Mapped property -> the export's value and each candidate target's, side by side. */
  comparison: z.array(
    z.object({
      property: z.string(),
      legacy: z.string().nullable(),
      targets: z.record(z.string(), z.string().nullable()),
    }),
  ),
  targets: z.array(Side),
  decision: ReviewDecisionSchema.nullable(),
});
export type ReviewItem = z.infer<typeof ReviewItemSchema>;

export const ReviewListSchema = z.object({
  object: z.string(),
  items: z.array(ReviewItemSchema),
  counts: z.object({ fuzzyMatch: z.number(), conflict: z.number(), decided: z.number(), stale: z.number() }),
  nextCursor: z.string().nullable(),
});
export type ReviewList = z.infer<typeof ReviewListSchema>;

export const DecideInputSchema = z
  .object({
    object: ObjectNameInputSchema,
    legacyIds: z.array(LegacyIdSchema).min(1, 'name at least one legacy ID').max(10_000),
    decision: z
      .enum(['approve', 'reject', 'choose'])
      .describe('approve or reject a fuzzy match; choose the surviving target record of a conflict'),
    targetId: IdSchema.optional().describe('For choose: the surviving target record'),
    decidedBy: z.string().trim().min(1).max(200).describe('Who decides (a name or e-mail)'),
    reason: z.string().max(2000).optional(),
  })
  .strict()
  .superRefine((d, ctx) => {
    if (d.decision === 'choose' && !d.targetId)
      ctx.addIssue({
        code: 'custom',
        path: ['targetId'],
        message: 'choose needs the surviving target record (targetId)',
      });
    if (d.decision !== 'choose' && d.targetId)
      ctx.addIssue({
        code: 'custom',
        path: ['targetId'],
        message: `${d.decision} takes no targetId: it applies to the fuzzy match's own target`,
      });
  });
export type DecideInput = z.input<typeof DecideInputSchema>;

export const DecideResultSchema = z.object({
  object: z.string(),
  decided: z.array(
    z.object({
      legacyId: z.string(),
      decision: z.enum(['approve', 'reject', 'choose']),
      targetId: z.string().nullable(),
    }),
  ),
  refused: z.array(z.object({ legacyId: z.string(), reason: z.string() })),
});
export type DecideResult = z.infer<typeof DecideResultSchema>;
