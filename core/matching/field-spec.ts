/**
 * The fields to compare, given by hand: as a list of field configs (JSON), or as the shorthand a command line takes,
 * `given_name=Pers_FirstName,surname=Pers_LastName,address=Addr_Address1+Addr_Address2`. One schema for the CLI,
 * the MCP tool and the n8n node.
 */
import { z } from 'zod';
import { FieldConfigSchema, type FieldConfig } from './config';
import { fieldForRole } from './presets';

const PERSON_ROLES = new Set(['givenName', 'familyName']);

/** Parses the shorthand; every problem is named in one readable line. */
export function parseFieldShorthand(text: string, ctx: z.RefinementCtx): FieldConfig[] {
  const entries = text
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean);
  const parsed = entries.map((entry) => {
    const at = entry.indexOf('=');
    return at < 0
      ? { entry, role: '', columns: [] as string[] }
      : {
          entry,
          role: entry.slice(0, at).trim(),
          columns: entry
            .slice(at + 1)
            .split('+')
            .map((c) => c.trim())
            .filter(Boolean),
        };
  });
  const personFields = parsed.some((p) => PERSON_ROLES.has(fieldForRole(p.role, false)?.kind ?? 'text'));
  const fields: FieldConfig[] = [];
  for (const p of parsed) {
    if (!p.role || p.columns.length === 0) {
      ctx.addIssue({
        code: 'custom',
        message: `"${p.entry}" is not field=column (e.g. given_name=Pers_FirstName, or address=Street+Number)`,
      });
      continue;
    }
    const field = fieldForRole(p.role, personFields);
    if (!field) {
      ctx.addIssue({
        code: 'custom',
        message: `"${p.role}" names no field: use a field kind (givenName, familyName, fullName, companyName, email, phone, domain, address, postcode, city, region, date, identifier, number, text) or a usual column name such as first_name, last_name, email, phone, company, website, zip`,
      });
      continue;
    }
    if (fields.some((f) => f.name === field.name)) {
      ctx.addIssue({
        code: 'custom',
        message: `field "${field.name}" is given twice (${p.role}); join several columns with + instead`,
      });
      continue;
    }
    fields.push({ ...field, columns: p.columns });
  }
  if (entries.length === 0) ctx.addIssue({ code: 'custom', message: 'no fields given' });
  return fields;
}

/** The shorthand alone, so that its problems are reported as they are (inside a union they read "Invalid input"). */
export const FieldShorthandSchema = z.string().min(1).transform(parseFieldShorthand);

export const FieldsSpecSchema = z
  .union([z.array(FieldConfigSchema).min(1), z.string().min(1)])
  .describe(
    'Fields to compare: field=column pairs such as "given_name=FirstName,surname=LastName,email=Mail", or a list of { name, kind, columns }',
  );
export type FieldsSpec = z.input<typeof FieldsSpecSchema>;

/** The field configs a spec names (validated: a ZodError names each problem). */
export function resolveFieldsSpec(spec: unknown): FieldConfig[] {
  return typeof spec === 'string' ? FieldShorthandSchema.parse(spec) : z.array(FieldConfigSchema).min(1).parse(spec);
}
