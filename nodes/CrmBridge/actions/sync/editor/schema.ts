import { z } from 'zod';
import { DATE_ORDERS } from '../../../../../core/mapping/dates';
import { TRANSFORM_NAMES } from '../../../../../core/mapping/transforms';
import { FilterConditionSchema, SyncSystemSchema } from '../../../../../core/sync/job';

/**
 * The editor's parameters as n8n hands them over: fixedCollections wrap their rows (`{ stream: [...] }`, absent or
 * `{}` when empty), unset text is `''`, and an options collection only holds what the user added. Parsed here, at
 * the edge, before they become a job; the job itself is checked by the one sync job schema.
 */
const Text = z.string().default('');
const rows = <T extends z.ZodType>(key: string, row: T) =>
  z
    .record(z.string(), z.array(row))
    .optional()
    .transform((v): Array<z.infer<T>> => v?.[key] ?? []);

export const EDITOR_TRANSFORMS = [...TRANSFORM_NAMES, 'map'] as const;
export const EDITOR_STRATEGIES = ['lastWriteWins', 'sourcePriority', 'mostComplete', 'union'] as const;
export const SOURCE_PRIORITIES = { 'source,target': ['source', 'target'], 'target,source': ['target', 'source'] };

export const FieldOptionSchema = z.object({
  field: Text,
  transforms: z.array(z.enum(EDITOR_TRANSFORMS)).default([]),
  phoneCountry: Text,
  decimal: z.enum(['', '.', ',']).default(''),
  dateOrder: z.enum(['', ...DATE_ORDERS]).default(''),
  valueMap: Text,
  mapUnknown: z.enum(['keep', 'blank', 'error']).default('error'),
  mapCaseInsensitive: z.boolean().default(true),
  conflictRule: z.enum(['', ...EDITOR_STRATEGIES]).default(''),
});
export type FieldOption = z.infer<typeof FieldOptionSchema>;

export const ConditionSchema = z.object({
  field: Text,
  op: FilterConditionSchema.shape.op,
  /** One value, or for `in` / `notIn` a comma-separated list. */
  value: Text,
});

export const ReferenceRowSchema = z.object({
  from: Text,
  stream: Text,
  to: Text,
  required: z.boolean().default(true),
});

const Cell = z.union([z.string(), z.number(), z.boolean(), z.null()]);

/** n8n's resourceMapper value; only `value` (target field -> cell) carries the mapping, the rest is UI state. */
export const ResourceMapperValueSchema = z
  .object({ mappingMode: z.string().optional(), value: z.record(z.string(), Cell).nullable().default({}) })
  .default({ value: {} });

export const StreamRowSchema = z.object({
  name: Text,
  sourceObject: Text,
  targetObject: Text,
  key: Text,
  scope: z.enum(['all', 'referenced']).default('all'),
  /** Two-way only: the source field that holds the target record's ID; blank leaves target-made records alone. */
  sourceKey: z.string().trim().default(''),
  mapping: ResourceMapperValueSchema,
  fieldOptions: rows('field', FieldOptionSchema),
  filter: rows('condition', ConditionSchema),
  references: rows('reference', ReferenceRowSchema),
  onDelete: z.enum(['nothing', 'delete', 'flag']).default('nothing'),
  deleteFlagField: z.string().default(''),
  /** Blank sets the flag field blank (null in a job file). */
  deleteFlagValue: z.string().default(''),
  maxDeleteShare: z.number().optional(),
});
export type StreamRow = z.infer<typeof StreamRowSchema>;

export const ValueMapRowSchema = z.object({
  name: Text,
  /** A blank target value means "blank the field" (null in a job file). */
  values: rows('pair', z.object({ from: Text, to: Text })),
});

export const JobOptionsSchema = z
  .object({
    direction: z.enum(['one-way', 'two-way']).optional(),
    batchSize: z.number().optional(),
    lookbackSeconds: z.number().optional(),
    maxAttempts: z.number().optional(),
    /** `crm-bridge sync --watch` only; 0 = no schedule. Kept so a job file survives the trip through the editor. */
    everySeconds: z.number().optional(),
    phoneCountry: z.string().optional(),
    dateOrder: z.enum(['', ...DATE_ORDERS]).optional(),
    decimal: z.enum(['', '.', ',']).optional(),
    conflictDefault: z.enum(['', ...EDITOR_STRATEGIES]).optional(),
    conflictSourcePriority: z.enum(['', 'source,target', 'target,source']).optional(),
    conflictAllowBlank: z.boolean().optional(),
  })
  .default({});
export type JobOptions = z.infer<typeof JobOptionsSchema>;

export const RateBudgetRowSchema = z.object({
  system: SyncSystemSchema,
  requests: z.number(),
  perMs: z.number(),
});

export const EditorParametersSchema = z.object({
  jobName: Text,
  sourceCrm: SyncSystemSchema,
  targetCrm: SyncSystemSchema,
  editorStreams: rows('stream', StreamRowSchema),
  valueMaps: rows('map', ValueMapRowSchema),
  jobOptions: JobOptionsSchema,
  rateBudgets: rows('budget', RateBudgetRowSchema),
});
export type EditorParameters = z.input<typeof EditorParametersSchema>;
export type ParsedEditorParameters = z.infer<typeof EditorParametersSchema>;

/** The parameter names the editor mode reads, in the node's order. */
export const EDITOR_PARAMETER_NAMES = [
  'jobName',
  'sourceCrm',
  'targetCrm',
  'editorStreams',
  'valueMaps',
  'jobOptions',
  'rateBudgets',
] as const;
