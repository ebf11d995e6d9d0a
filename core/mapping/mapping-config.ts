import { z } from 'zod';
import { parseTemplate } from './template';
import { TransformDefaultsSchema, TransformSpecSchema } from './transforms';

/** Object names become staging table names, so they are kept to plain lower-case identifiers. */
export const ObjectNameSchema = z
  .string()
  .regex(/^[a-z][a-z0-9_]{0,40}$/, 'object names are lower-case letters, digits and _ (e.g. companies)');

/**
 * An object named by a caller (CLI, n8n, MCP, HTTP): `Companies` and ` companies ` mean `companies`, since the
 * mapping's names are lower-case. Whether the mapping has it is checked where the mapping is at hand, with its list.
 */
export const ObjectNameInputSchema = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[a-z][a-z0-9_]{0,40}$/, 'an object name is letters, digits and _, as named in the mapping (e.g. companies)');

const ColumnName = z.string().min(1).max(63);

export const PropertyMappingSchema = z
  .object({
    /** Column of the legacy export. */
    from: ColumnName.optional(),
    /** Or several columns combined: `"{Pers_FirstName} {Pers_LastName}"` (plain substitution, never evaluated). */
    template: z.string().min(1).optional(),
    /** Or the same value for every record (e.g. the pipeline all synced loans go to). */
    value: z.string().optional(),
    /** Property (column) of the target CRM. */
    to: ColumnName,
    transform: z.array(TransformSpecSchema).default([]),
  })
  .strict()
  .superRefine((p, ctx) => {
    if ([p.from, p.template, p.value].filter((x) => x !== undefined).length !== 1) {
      ctx.addIssue({
        code: 'custom',
        message: 'give one of "from" (one column), "template" (several) or "value" (a constant)',
      });
    }
    if (p.template !== undefined) {
      try {
        parseTemplate(p.template);
      } catch (error) {
        ctx.addIssue({ code: 'custom', path: ['template'], message: (error as Error).message });
      }
    }
  });

export const ObjectMappingSchema = z
  .object({
    legacy: z
      .object({
        /** Export table name; the CSV file is `<file>.csv` (any case) inside the export folder. */
        file: z.string().min(1),
        idColumn: ColumnName,
      })
      .strict(),
    target: z
      .object({
        table: ColumnName,
        idColumn: ColumnName.default('hs_object_id'),
        /** The target property that holds the legacy ID. */
        legacyIdColumn: ColumnName,
        modifiedColumn: ColumnName.optional(),
      })
      .strict(),
    /** Target properties that should agree when a legacy ID matches; disagreement lowers the confidence. */
    identity: z.array(ColumnName).default([]),
    /** Whether a blank legacy value may clear a value in the target (off: blanks never overwrite). */
    overwriteWithBlank: z.boolean().default(false),
    properties: z.array(PropertyMappingSchema).min(1, 'map at least one property'),
  })
  .strict()
  .superRefine((obj, ctx) => {
    const seen = new Map<string, number>();
    obj.properties.forEach((p, i) => {
      const first = seen.get(p.to);
      if (first !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['properties', i, 'to'],
          message: `target property "${p.to}" is already mapped by properties[${first}]`,
        });
      } else seen.set(p.to, i);
      if (p.to === obj.target.legacyIdColumn || p.to === obj.target.idColumn) {
        ctx.addIssue({
          code: 'custom',
          path: ['properties', i, 'to'],
          message: `"${p.to}" is an ID column of the target; it is joined on, not mapped`,
        });
      }
    });
    obj.identity.forEach((name, i) => {
      if (!seen.has(name))
        ctx.addIssue({ code: 'custom', path: ['identity', i], message: `"${name}" is not a mapped target property` });
    });
  });

export const MappingConfigSchema = z
  .object({
    version: z.literal(1),
    target: z
      .object({
        system: z.string().min(1).default('hubspot'),
        /** Postgres schema of the CRM mirror. */
        schema: ColumnName.default('hubspot'),
      })
      .strict()
      .default({ system: 'hubspot', schema: 'hubspot' }),
    defaults: TransformDefaultsSchema.default({}),
    /** Value maps shared by several properties (e.g. legacy user IDs -> HubSpot owner IDs). */
    valueMaps: z.record(z.string(), z.record(z.string(), z.string().nullable())).default({}),
    objects: z.record(z.string(), ObjectMappingSchema).superRefine((objects, ctx) => {
      if (Object.keys(objects).length === 0) ctx.addIssue({ code: 'custom', message: 'define at least one object' });
      for (const name of Object.keys(objects)) {
        const result = ObjectNameSchema.safeParse(name);
        if (!result.success)
          ctx.addIssue({ code: 'custom', path: [name], message: `"${name}": ${result.error.issues[0]!.message}` });
      }
    }),
  })
  .strict()
  .superRefine((config, ctx) => {
    for (const [object, spec] of Object.entries(config.objects)) {
      spec.properties.forEach((p, i) =>
        p.transform.forEach((t, j) => {
          if (typeof t !== 'string' && t.type === 'map' && t.ref !== undefined && !(t.ref in config.valueMaps)) {
            ctx.addIssue({
              code: 'custom',
              path: ['objects', object, 'properties', i, 'transform', j, 'ref'],
              message: `value map "${t.ref}" is not defined in valueMaps (defined: ${Object.keys(config.valueMaps).join(', ') || 'none'})`,
            });
          }
        }),
      );
    }
  });

export type MappingConfig = z.infer<typeof MappingConfigSchema>;
export type ObjectMapping = z.infer<typeof ObjectMappingSchema>;
export type PropertyMapping = z.infer<typeof PropertyMappingSchema>;
