import type { FieldFormat, FieldSchema, FieldType } from '../connector';
import type { RawProperty } from './schemas';

export type { RawProperty } from './schemas';

const TYPES: Record<string, FieldType> = {
  string: 'string',
  number: 'number',
  date: 'date',
  datetime: 'datetime',
  enumeration: 'enum',
  bool: 'boolean',
};

function formatOf(name: string, fieldType: string): FieldFormat | undefined {
  if (fieldType === 'phonenumber') return 'phone';
  if (fieldType === 'textarea') return 'textarea';
  if (name === 'email' || name.endsWith('_email')) return 'email';
  if (name === 'domain') return 'domain';
  if (name === 'website' || fieldType === 'url') return 'url';
  return undefined;
}

/** One HubSpot property in the connector contract's terms. */
export function toFieldSchema(p: RawProperty): FieldSchema {
  const field: FieldSchema = {
    name: p.name,
    label: p.label,
    type: TYPES[p.type] ?? 'unknown',
    unique: p.hasUniqueValue ?? false,
    readOnly: (p.modificationMetadata?.readOnlyValue ?? false) || (p.calculated ?? false),
  };
  const options = (p.options ?? []).filter((o) => !o.hidden).map((o) => o.value);
  if (field.type === 'enum') field.options = options;
  if (p.fieldType === 'checkbox' && p.type === 'enumeration') field.multiValue = true;
  const format = formatOf(p.name, p.fieldType);
  if (format) field.format = format;
  if (p.description) field.description = p.description;
  return field;
}
