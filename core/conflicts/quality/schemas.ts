import { z } from 'zod';
import { TransformDefaultsSchema } from '../../mapping/transforms';
import { FieldValueSchema, RecordValuesSchema } from '../schemas';

export const FORMATS = ['email', 'phone', 'url', 'domain', 'date', 'datetime', 'number', 'integer', 'boolean'] as const;

const validRegex = (s: string) => {
  try {
    new RegExp(s, 'u');
    return true;
  } catch {
    return false;
  }
};

/** What one field must satisfy. Every check except `required` skips blank values. */
export const FieldRuleSchema = z
  .object({
    required: z.boolean().default(false),
    /** Checked with the mapping's canonicalisers (libphonenumber for phones, the date parser for dates). */
    format: z.enum(FORMATS).optional(),
    /** Allowed values (a picklist). */
    enum: z.array(z.string()).min(1).optional(),
    caseInsensitive: z.boolean().default(true),
    minLength: z.number().int().min(0).optional(),
    maxLength: z.number().int().min(1).optional(),
    /** A regular expression (JavaScript syntax, `u` flag) the whole value must match. */
    pattern: z.string().refine(validRegex, { message: 'not a valid regular expression' }).optional(),
    /** Says what the pattern means, for the quarantine reason ("a UK VAT number"). */
    patternName: z.string().optional(),
    min: z.number().optional(),
    max: z.number().optional(),
    /** Multi-value text (`a@x.com;b@y.com`): checks apply to each item. */
    separator: z.string().min(1).optional(),
  })
  .strict()
  .refine((r) => r.minLength === undefined || r.maxLength === undefined || r.minLength <= r.maxLength, {
    message: 'minLength is greater than maxLength',
    path: ['minLength'],
  })
  .refine((r) => r.min === undefined || r.max === undefined || r.min <= r.max, {
    message: 'min is greater than max',
    path: ['min'],
  });
export type FieldRule = z.infer<typeof FieldRuleSchema>;

export const ObjectRulesSchema = z
  .object({
    /** The field that names a record in reasons; a record without it is quarantined. */
    idField: z.string().min(1).optional(),
    fields: z.record(z.string(), FieldRuleSchema),
  })
  .strict();

export const ValidationConfigSchema = z
  .object({
    version: z.literal(1).default(1),
    defaults: TransformDefaultsSchema.default({}),
    objects: z.record(z.string(), ObjectRulesSchema),
  })
  .strict();
export type ValidationConfig = z.infer<typeof ValidationConfigSchema>;
export type ValidationConfigInput = z.input<typeof ValidationConfigSchema>;

export const IssueRuleSchema = z.enum([
  'required',
  'format',
  'enum',
  'minLength',
  'maxLength',
  'pattern',
  'min',
  'max',
  'id',
]);

export const ValidationIssueSchema = z.object({
  recordId: z.string().nullable(),
  /** Position of the record in the input (0-based). */
  index: z.number().int(),
  field: z.string(),
  rule: IssueRuleSchema,
  value: FieldValueSchema,
  message: z.string(),
});
export type ValidationIssue = z.infer<typeof ValidationIssueSchema>;

export const QuarantinedRecordSchema = z.object({
  recordId: z.string().nullable(),
  index: z.number().int(),
  record: RecordValuesSchema,
  issues: z.array(ValidationIssueSchema).min(1),
});
export type QuarantinedRecord = z.infer<typeof QuarantinedRecordSchema>;

export const ValidationResultSchema = z.object({
  object: z.string(),
  valid: z.array(RecordValuesSchema),
  quarantined: z.array(QuarantinedRecordSchema),
  counts: z.object({
    total: z.number().int(),
    valid: z.number().int(),
    quarantined: z.number().int(),
    issues: z.number().int(),
    byField: z.record(z.string(), z.number().int()),
    byRule: z.record(z.string(), z.number().int()),
  }),
});
export type ValidationResult = z.infer<typeof ValidationResultSchema>;
