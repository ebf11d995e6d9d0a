import { z } from 'zod';
import { FIELD_KINDS } from './config';
import { EVIDENCE } from './evidence';

export const ReasonSchema = z.object({
  field: z.string(),
  /** The agreement level reached, e.g. "exact", "nickname", "typo: one digit or day/month swapped", "blank". */
  level: z.string(),
  outcome: z.enum(['agree', 'partial', 'disagree', 'missing']),
  /** Bits of evidence this field gave: positive for the same entity, negative against. */
  weight: z.number(),
});

export const DecisionSchema = z.enum(['auto-merge', 'review']);

export const PairSchema = z.object({
  left: z.string(),
  right: z.string(),
  /** Match probability in percent. */
  confidence: z.number().min(0).max(100),
  /** log2 odds of a match: the prior plus every field's weight. */
  matchWeight: z.number(),
  decision: DecisionSchema,
  /** Why a pair at or above the auto-merge threshold is still for review (nothing identifies it, or the data is too thin). */
  reviewReason: z.string().optional(),
  reasons: z.array(ReasonSchema).optional(),
});
export type MatchPair = z.infer<typeof PairSchema>;

export const ColumnUseSchema = z.object({
  field: z.string(),
  kind: z.enum(FIELD_KINDS),
  columns: z.array(z.string()),
  /** Link only: the columns read on the right-hand source when they differ. */
  rightColumns: z.array(z.string()).optional(),
});

export const QuarantineSchema = z.object({
  index: z.number().int(),
  source: z.enum(['left', 'right']).optional(),
  id: z.string().nullable(),
  reason: z.string(),
});

export const ModelSummarySchema = z.object({
  prior: z.number(),
  candidateMatchShare: z.number(),
  emIterations: z.number().int(),
  converged: z.boolean(),
  /** False when the data showed no duplicates to learn m from, and the defaults were used (see stats.evidence). */
  mFromData: z.boolean(),
  fields: z.array(
    z.object({
      name: z.string(),
      /** Identifying fields: the share of the likely duplicates that agree on this field, as the data showed it. */
      duplicateAgreement: z.number().optional(),
      levels: z.array(z.object({ label: z.string(), m: z.number(), u: z.number(), weight: z.number() })),
    }),
  ),
});

export const StatsSchema = z.object({
  records: z.number().int(),
  quarantined: z.number().int(),
  /** Pairs an exhaustive comparison would score, and the pairs blocking proposed instead. */
  allPairs: z.number(),
  candidatePairs: z.number().int(),
  blocking: z.array(
    z.object({
      rule: z.string(),
      blocks: z.number().int(),
      pairs: z.number().int(),
      oversizedBlocks: z.number().int(),
      recordsInOversizedBlocks: z.number().int(),
      pairsSkippedInOversizedBlocks: z.number(),
    }),
  ),
  reviewPairs: z.number().int(),
  autoMergePairs: z.number().int(),
  /** Pairs rated at or above the auto-merge threshold but kept for review: no identifying field agrees. */
  heldForReview: z.number().int(),
  /**
   * `insufficient` when the data did not show what its duplicates look like (none or too few, or the records that
   * look alike do not share identifying values, or no column identifies a record): then nothing is auto-merged.
   */
  evidence: z.enum(EVIDENCE),
  /** The evidence verdict in a sentence, with the figures behind it. */
  evidenceNote: z.string(),
  /** Multi-record entities found, and the records left on their own. */
  clusters: z.number().int(),
  singletons: z.number().int(),
  /** Pairs above the review threshold that clustering kept apart (weak bridges between groups). */
  splitPairs: z.number().int(),
  timingsMs: z.record(z.string(), z.number()),
});

export const DedupeClusterSchema = z.object({
  id: z.number().int(),
  records: z.array(z.string()).min(2),
  survivor: z.string(),
  /**
   * auto-merge when every pair inside the group is at autoMerge confidence or above and agrees on an identifying
   * field, and the data gave sufficient evidence (stats.evidence).
   */
  decision: DecisionSchema,
  /** The weakest link that joined this group, in percent. */
  minConfidence: z.number(),
});

export const LinkClusterSchema = z.object({
  id: z.number().int(),
  left: z.array(z.string()),
  right: z.array(z.string()),
  survivor: z.object({ source: z.enum(['left', 'right']), id: z.string() }),
  decision: DecisionSchema,
  minConfidence: z.number(),
});

const common = {
  pairs: z.array(PairSchema),
  columnsUsed: z.array(ColumnUseSchema),
  idColumn: z.string(),
  quarantine: z.array(QuarantineSchema),
  model: ModelSummarySchema,
  stats: StatsSchema,
};

export const DedupeResultSchema = z.object({
  mode: z.literal('dedupe'),
  clusters: z.array(DedupeClusterSchema),
  ...common,
});
export const LinkResultSchema = z.object({
  mode: z.literal('link'),
  clusters: z.array(LinkClusterSchema),
  rightIdColumn: z.string(),
  ...common,
});
export type DedupeResult = z.infer<typeof DedupeResultSchema>;
export type LinkResult = z.infer<typeof LinkResultSchema>;
