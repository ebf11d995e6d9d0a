import { z } from 'zod';
import { DATE_ORDERS } from '../mapping/dates';

/** What a field holds decides how it is normalised, compared and blocked on. */
export const FIELD_KINDS = [
  'givenName',
  'familyName',
  'fullName',
  'companyName',
  'email',
  'phone',
  'domain',
  'address',
  'postcode',
  'city',
  'region',
  'date',
  'identifier',
  'number',
  'text',
] as const;
export type FieldKind = (typeof FIELD_KINDS)[number];

export const FieldConfigSchema = z
  .object({
    /** The name reported in reasons, e.g. "surname". */
    name: z.string().min(1),
    kind: z.enum(FIELD_KINDS),
    /** Source columns; several are joined with a space in the order given (street number, then street). */
    columns: z.array(z.string().min(1)).min(1),
    /** Link only: the right-hand source's columns for this field, when they are named differently. */
    rightColumns: z.array(z.string().min(1)).min(1).optional(),
    /** Whether this field contributes blocking keys (default: the kind's usual choice). */
    block: z.boolean().optional(),
    /**
     * Whether agreeing on this field identifies a record (default: by kind: e-mail, phone, date, identifier). A
     * reference such as an employer's ID is an identifier that colleagues share: give false.
     */
    identifying: z.boolean().optional(),
  })
  .strict();
export type FieldConfig = z.infer<typeof FieldConfigSchema>;

export const PRESETS = ['contacts', 'companies'] as const;
export type PresetName = (typeof PRESETS)[number];

export const MatchConfigSchema = z
  .object({
    /** Recognise the usual columns of people or organisations by their names. */
    preset: z.enum(PRESETS).optional(),
    /** Explicit fields: replace what the preset would recognise. */
    fields: z.array(FieldConfigSchema).min(1).optional(),
    /** The record ID column; found among id/unique_id/rec_id/record_id when omitted. */
    idColumn: z.string().min(1).optional(),
    /** Link only: the right-hand source's ID column, when it differs from idColumn. */
    rightIdColumn: z.string().min(1).optional(),
    /** A column telling when the record last changed; the most recent complete record survives a merge. */
    recencyColumn: z.string().min(1).optional(),
    /** For phones written without an international prefix. */
    defaultCountry: z
      .string()
      .regex(/^[A-Z]{2}$/, 'a two-letter ISO country code such as GB or US')
      .default('US'),
    /** How to read ambiguous dates such as 03/04/1990. */
    dateOrder: z.enum(DATE_ORDERS).default('YMD'),
    thresholds: z
      .object({
        /** Confidence (0-100) from which a pair is merged without asking. */
        autoMerge: z.number().min(0).max(100).default(90),
        /** Confidence from which a pair is reported and may join a cluster, pending review below autoMerge. */
        review: z.number().min(0).max(100).default(50),
      })
      .strict()
      .refine((t) => t.review <= t.autoMerge, { message: 'thresholds.review must not exceed thresholds.autoMerge' })
      .default({ autoMerge: 90, review: 50 }),
    clustering: z
      .object({
        /**
         * Confidence (0-100) below which a single pair between two groups vetoes joining them: two records that
         * contradict each other this plainly (other birth date, other email, other name) never share an entity.
         */
        vetoBelow: z.number().min(0).max(100).default(0.1),
        /** Confidence (0-100) the pairs between two groups must average for them to join. */
        minAverage: z.number().min(0).max(100).default(10),
        maxChecksPerJoin: z.number().int().min(1).default(64),
      })
      .strict()
      .default({ vetoBelow: 0.1, minAverage: 10, maxChecksPerJoin: 64 }),
    blocking: z
      .object({
        /** Blocks with more records are not compared all-to-all but through a sliding window. */
        maxBlockSize: z.number().int().min(2).default(100),
        /** Window width (neighbours on each side) used inside an oversized block. */
        window: z.number().int().min(1).default(10),
      })
      .strict()
      .default({ maxBlockSize: 100, window: 10 }),
    model: z
      .object({
        /** Random record pairs sampled to learn how often non-matches agree by chance (the u probabilities). */
        randomPairs: z.number().int().min(1000).default(200_000),
        emIterations: z.number().int().min(1).max(500).default(40),
        seed: z.number().int().default(1),
      })
      .strict()
      .default({ randomPairs: 200_000, emIterations: 40, seed: 1 }),
    /** More given-name short forms: { "margaret": ["gretchen"] }. */
    extraNicknames: z.record(z.string(), z.array(z.string())).optional(),
    /** Leave per-field reasons out of the pairs (large runs that only need clusters). */
    includeReasons: z.boolean().default(true),
  })
  .strict()
  .refine((c) => c.preset !== undefined || c.fields !== undefined, {
    message: 'give a preset ("contacts" or "companies") or a list of fields',
  });
export type MatchConfigInput = z.input<typeof MatchConfigSchema>;
export type MatchConfig = z.output<typeof MatchConfigSchema>;
