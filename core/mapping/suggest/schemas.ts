import { z } from 'zod';
import { normaliseField } from './field-types';

/** Zod twins of `FieldSchema`/`ObjectSchema` in core/connectors/connector.ts, for inputs from the CLI, n8n and MCP. */
export const FieldTypeSchema = z.enum([
  'string',
  'number',
  'integer',
  'boolean',
  'date',
  'datetime',
  'enum',
  'unknown',
]);
export const FieldFormatSchema = z.enum([
  'email',
  'phone',
  'url',
  'domain',
  'currency',
  'percent',
  'reference',
  'textarea',
]);

/**
 * A field as a schema file or a tool call gives it. `type` is ours (string, number, integer, boolean, date, datetime,
 * enum) or any CRM's own type name (HubSpot `enumeration`, Salesforce `picklist`, Pipedrive `monetary`, …), turned into
 * ours by `normaliseField`; a name nobody knows becomes `unknown` with a note instead of a refusal.
 */
export const FieldSchemaSchema = z
  .object({
    name: z.string().min(1),
    label: z.string().optional(),
    type: z
      .string()
      .min(1)
      .describe(
        `${FieldTypeSchema.options.join(', ')}, or a CRM's own type name (HubSpot enumeration, bool, phone_number; Salesforce picklist, double, currency, reference; Pipedrive varchar, monetary, enum, set, …)`,
      ),
    required: z.boolean().optional(),
    unique: z.boolean().optional(),
    options: z.array(z.string()).optional(),
    sample: z.array(z.string()).optional(),
    format: FieldFormatSchema.optional(),
    readOnly: z.boolean().optional(),
    multiValue: z.boolean().optional(),
    description: z.string().optional(),
    /** The type name as the CRM wrote it, when it is not ours (set by the transform; accepted so a parsed field parses again). */
    vendorType: z.string().optional(),
  })
  .strict()
  .transform(normaliseField);

/** Field names are unique within an object. */
export function refineUniqueFields(s: { fields: ReadonlyArray<{ name: string }> }, ctx: z.RefinementCtx): void {
  const seen = new Set<string>();
  s.fields.forEach((f, i) => {
    if (seen.has(f.name))
      ctx.addIssue({ code: 'custom', path: ['fields', i, 'name'], message: `field "${f.name}" is listed twice` });
    seen.add(f.name);
  });
}

export const objectSchemaShape = {
  object: z.string().min(1),
  idField: z.string().min(1),
  fields: z.array(FieldSchemaSchema).min(1),
  // What describe_schema adds around the fields, accepted so that its result can be passed on as it is.
  crm: z.string().min(1).optional(),
  fieldCount: z.number().int().nonnegative().optional(),
};

export const ObjectSchemaSchema = z.object(objectSchemaShape).strict().superRefine(refineUniqueFields);

const SampleRecords = z.array(z.record(z.string(), z.string().nullable()));

/** Example records of either side; their values join each field's `sample`. */
export const SuggestSamplesSchema = z
  .object({ source: SampleRecords.optional(), target: SampleRecords.optional() })
  .strict();

export const SuggestOptionsSchema = z
  .object({
    /** Below this confidence (0-100) a source field gets "no match" rather than a weak guess. */
    threshold: z.number().min(0).max(100).default(50),
    /** Candidates listed per source field. */
    maxCandidates: z.number().int().min(1).max(50).default(5),
    /** More synonym groups (concept -> phrases), e.g. a company's own vocabulary: `{ "customer_no": ["customer number", "kdnr"] }`. */
    synonyms: z.record(z.string(), z.array(z.string().min(1))).default({}),
    /** Also propose target fields the system computes itself (they cannot be written). */
    includeReadOnly: z.boolean().default(false),
  })
  .strict();

export const SuggestInputSchema = z
  .object({
    source: ObjectSchemaSchema,
    target: ObjectSchemaSchema,
    samples: SuggestSamplesSchema.optional(),
    options: SuggestOptionsSchema.optional(),
  })
  .strict();

export const CandidateSchema = z.object({
  target: z.string(),
  confidence: z.number().int().min(0).max(100),
  reasons: z.array(z.string()),
  /** The source field this target went to in the one-to-one assignment, if another one. */
  assignedTo: z.string().optional(),
});

export const FieldSuggestionSchema = z.object({
  source: z.string(),
  /** null: no target is good enough ("no match" is an answer). */
  target: z.string().nullable(),
  confidence: z.number().int().min(0).max(100),
  reasons: z.array(z.string()),
  /** Ranked alternatives, the suggestion first. */
  candidates: z.array(CandidateSchema),
});

export const SuggestResultSchema = z.object({
  sourceObject: z.string(),
  targetObject: z.string(),
  threshold: z.number(),
  suggestions: z.array(FieldSuggestionSchema),
  /** Writable target fields nothing was mapped to. */
  unmatchedTargets: z.array(z.string()),
  /** What the caller should know about the input, e.g. a field type that is not known (it was compared without it). */
  notes: z.array(z.string()).optional(),
});

export type SuggestSamples = z.infer<typeof SuggestSamplesSchema>;
export type SuggestOptions = z.input<typeof SuggestOptionsSchema>;
export type MappingCandidate = z.infer<typeof CandidateSchema>;
export type FieldSuggestion = z.infer<typeof FieldSuggestionSchema>;
export type SuggestResult = z.infer<typeof SuggestResultSchema>;
