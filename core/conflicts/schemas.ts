import { z } from 'zod';
import { parseDateTime } from '../mapping/dates';
import { TransformDefaultsSchema, TransformSpecSchema } from '../mapping/transforms';

/** A property value as CRMs hand them over: text, a number, a yes/no, a list (multi-select, several emails), or blank. */
export const FieldValueSchema = z.union([
  z.string(),
  z.number(),
  z.boolean(),
  z.null(),
  z.array(z.union([z.string(), z.number()])),
]);
export type FieldValue = z.infer<typeof FieldValueSchema>;

export const RecordValuesSchema = z.record(z.string(), FieldValueSchema);
export type RecordValues = z.infer<typeof RecordValuesSchema>;

export type Timestamp = string | number;

/** An ISO time (any offset), `YYYY-MM-DD HH:MM[:SS]`, or epoch milliseconds. */
export const TimestampSchema: z.ZodType<Timestamp> = z.union([
  z.number().finite(),
  z
    .string()
    .refine((s) => toEpochMs(s) !== null, { message: 'not a date and time (use ISO 8601, e.g. 2024-05-01T10:00:00Z)' }),
]);

export function toEpochMs(t: Timestamp | undefined): number | null {
  if (t === undefined) return null;
  if (typeof t === 'number') return Number.isFinite(t) ? t : null;
  const iso = parseDateTime(t, 'YMD');
  return iso === null ? null : Date.parse(iso);
}

export const ConflictCandidateSchema = z
  .object({
    /** Which system (or connector instance) the record comes from, e.g. `hubspot`, `salesforce`. */
    source: z.string().min(1),
    record: RecordValuesSchema,
    /** When the record last changed in its system. */
    modifiedAt: TimestampSchema.optional(),
    /** Per-field change times, when the system keeps them (HubSpot property history, Salesforce field history). */
    fieldModifiedAt: z.record(z.string(), TimestampSchema).optional(),
  })
  .strict();
export type ConflictCandidate = z.infer<typeof ConflictCandidateSchema>;

const common = {
  /**
   * Whether a blank value may win and clear a value (off by default: a blank never overwrites a value). On, a newer
   * blank wins under last-write-wins, a blank from the first source wins under source priority.
   */
  allowBlank: z.boolean().optional(),
  /**
   * Canonicalisers (the mapping transforms) applied before values are compared and to the value written: `number`
   * makes `1,200` and 1200 one value, `{ type: "date", order: "DMY" }` makes `14/03/2019` and `2019-03-14` one.
   */
  transform: z.array(TransformSpecSchema).optional(),
};

const SourceList = z.array(z.string().min(1));

export const StrategySchema = z.discriminatedUnion('strategy', [
  z
    .object({
      strategy: z.literal('lastWriteWins'),
      /**
       * Clock resolution in milliseconds: times are compared after truncating to it. Default 1000, because many
       * systems keep whole seconds; two changes within the same second are a tie, broken by source priority and then
       * by source name.
       */
      precisionMs: z.number().int().min(1).default(1000),
      ...common,
    })
    .strict(),
  z.object({ strategy: z.literal('sourcePriority'), order: SourceList.optional(), ...common }).strict(),
  z
    .object({
      strategy: z.literal('mostComplete'),
      /** Fields that count towards completeness (default: all fields of the record). */
      fields: z.array(z.string()).optional(),
      ...common,
    })
    .strict(),
  z
    .object({
      strategy: z.literal('union'),
      /** Separator of multi-value text (`;` for Salesforce and HubSpot multi-selects). */
      separator: z.string().min(1).default(';'),
      /** How items are compared: `text` ignores case and extra spaces, `exact` does not. */
      compare: z.enum(['text', 'exact']).default('text'),
      ...common,
    })
    .strict(),
  z
    .object({
      strategy: z.literal('custom'),
      /** Name of a function passed in `options.custom`. */
      name: z.string().min(1),
      ...common,
    })
    .strict(),
]);
export type Strategy = z.infer<typeof StrategySchema>;
export type StrategyName = Strategy['strategy'];

export const ConflictRulesSchema = z
  .object({
    /** The rule for fields without their own. */
    default: StrategySchema.default({ strategy: 'lastWriteWins', precisionMs: 1000 }),
    /** Sources from most to least trusted: the source-priority order, and every tie-break. */
    sourcePriority: SourceList.default([]),
    /** A rule per field. */
    fields: z.record(z.string(), StrategySchema).default({}),
    /** Default for `allowBlank` of every rule. */
    allowBlank: z.boolean().default(false),
    /** Defaults of the transforms (phone country, date order, decimal mark). */
    transformDefaults: TransformDefaultsSchema.default({}),
  })
  .strict();
export type ConflictRules = z.infer<typeof ConflictRulesSchema>;
export type ConflictRulesInput = z.input<typeof ConflictRulesSchema>;

export const ResolveInputSchema = z
  .object({
    candidates: z.array(ConflictCandidateSchema).min(1, 'give at least one candidate record'),
    rules: ConflictRulesSchema,
    /** The record as it stands in the destination; the changes are computed against it. */
    current: RecordValuesSchema.optional(),
  })
  .strict()
  .superRefine((input, ctx) => {
    const seen = new Set<string>();
    input.candidates.forEach((c, i) => {
      if (seen.has(c.source))
        ctx.addIssue({
          code: 'custom',
          path: ['candidates', i, 'source'],
          message: `source "${c.source}" is given twice`,
        });
      seen.add(c.source);
    });
  });

/** What changes in the destination record: a discriminated diff in the shape of microdiff. */
export const DifferenceSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('CREATE'), path: z.array(z.string()), value: FieldValueSchema }),
  z.object({
    type: z.literal('CHANGE'),
    path: z.array(z.string()),
    value: FieldValueSchema,
    oldValue: FieldValueSchema,
  }),
  z.object({ type: z.literal('REMOVE'), path: z.array(z.string()), oldValue: FieldValueSchema }),
]);
export type Difference = z.infer<typeof DifferenceSchema>;

export const DecisionSchema = z.enum([
  'lastWriteWins',
  'sourcePriority',
  'mostComplete',
  'union',
  'custom',
  /** Every candidate was blank. */
  'allBlank',
  /** The winner was blank and blanks do not overwrite: the current value stays. */
  'neverOverwriteWithBlank',
]);

export const FieldProvenanceSchema = z.object({
  field: z.string(),
  value: FieldValueSchema,
  /** The source whose value won; null when the value is blank or combines several (see `sources`). */
  source: z.string().nullable(),
  /** Every source that contributed (several for a union). */
  sources: z.array(z.string()),
  rule: DecisionSchema,
  reason: z.string(),
  /** Whether the candidates disagreed (after canonicalising). */
  conflict: z.boolean(),
  /** Candidate values that lost. */
  overridden: z.array(z.object({ source: z.string(), value: FieldValueSchema })),
  /** What this did to the current record, if anything. */
  change: DifferenceSchema.nullable(),
});
export type FieldProvenance = z.infer<typeof FieldProvenanceSchema>;

export const ResolveResultSchema = z.object({
  record: RecordValuesSchema,
  provenance: z.record(z.string(), FieldProvenanceSchema),
  changes: z.array(DifferenceSchema),
});
export type ResolveResult = z.infer<typeof ResolveResultSchema>;
