import type { FieldFormat, FieldSchema, FieldType } from '../../connectors/connector';

/** What a vendor's type name means here: the kind of value, and what it holds when the vendor says so. */
interface Kind {
  type: FieldType;
  format?: FieldFormat;
  multiValue?: boolean;
}

const k = (type: FieldType, format?: FieldFormat, multiValue?: boolean): Kind => ({
  type,
  ...(format ? { format } : {}),
  ...(multiValue ? { multiValue } : {}),
});

/**
 * Type names as each CRM writes them in its own describe output, so a schema file copied from Salesforce's describe,
 * HubSpot's properties API, Pipedrive's field list or Dataverse's attribute metadata is taken as it is. Where vendors use one word for two things
 * (Pipedrive's `text` is a long text, HubSpot's `text` field type a single line), the plainer reading wins.
 */
const KINDS: Record<string, Kind> = {
  // Ours (connector.ts FieldType).
  string: k('string'),
  number: k('number'),
  integer: k('integer'),
  boolean: k('boolean'),
  date: k('date'),
  datetime: k('datetime'),
  enum: k('enum'),
  unknown: k('unknown'),
  // HubSpot property `type` and `fieldType`.
  enumeration: k('enum'),
  bool: k('boolean'),
  phone_number: k('string', 'phone'),
  phonenumber: k('string', 'phone'),
  select: k('enum'),
  radio: k('enum'),
  checkbox: k('enum', undefined, true),
  booleancheckbox: k('boolean'),
  calculation_equation: k('number'),
  html: k('string', 'textarea'),
  file: k('string', 'url'),
  json: k('string'),
  object_coordinates: k('string', 'reference'),
  // Salesforce describe `type`.
  picklist: k('enum'),
  multipicklist: k('enum', undefined, true),
  double: k('number'),
  currency: k('number', 'currency'),
  percent: k('number', 'percent'),
  int: k('integer'),
  long: k('integer'),
  email: k('string', 'email'),
  phone: k('string', 'phone'),
  url: k('string', 'url'),
  textarea: k('string', 'textarea'),
  reference: k('string', 'reference'),
  id: k('string', 'reference'),
  combobox: k('string'),
  encryptedstring: k('string'),
  base64: k('string'),
  time: k('string'),
  address: k('string'),
  location: k('string'),
  anytype: k('unknown'),
  // Pipedrive field_type.
  varchar: k('string'),
  varchar_auto: k('string'),
  text: k('string'),
  monetary: k('number', 'currency'),
  set: k('enum', undefined, true),
  daterange: k('date'),
  timerange: k('string'),
  user: k('integer', 'reference'),
  org: k('integer', 'reference'),
  people: k('integer', 'reference'),
  stage: k('integer', 'reference'),
  status: k('enum'),
  varchar_options: k('enum'),
  // Dynamics 365 / Dataverse attribute metadata `AttributeType` (String, Integer, Boolean, DateTime, Decimal, Double,
  // BigInt, Picklist and Status are above).
  memo: k('string', 'textarea'),
  money: k('number', 'currency'),
  lookup: k('string', 'reference'),
  customer: k('string', 'reference'),
  owner: k('string', 'reference'),
  partylist: k('string', 'reference', true),
  uniqueidentifier: k('string'),
  state: k('enum'),
  multiselectpicklist: k('enum', undefined, true),
  entityname: k('string'),
  // Common database and spreadsheet words.
  str: k('string'),
  char: k('string'),
  'character varying': k('string'),
  bigint: k('integer'),
  smallint: k('integer'),
  float: k('number'),
  decimal: k('number'),
  numeric: k('number'),
  real: k('number'),
  'double precision': k('number'),
  timestamp: k('datetime'),
  timestamptz: k('datetime'),
  'timestamp with time zone': k('datetime'),
  picklist_value: k('enum'),
};

/** The kind of a vendor's type name, or undefined when the name is not one we know. */
export function kindOfType(name: string): Kind | undefined {
  return KINDS[name.trim().toLowerCase()];
}

/**
 * A field as given (with the vendor's type name) in our terms. An unknown type is kept as `unknown`, with the name
 * it had in `vendorType`, so the field is still compared by its name and samples rather than refused. A format or
 * multi-value flag given explicitly wins over what the type name implies.
 */
export function normaliseField<F extends Omit<FieldSchema, 'type'> & { type: string; vendorType?: string }>(
  field: F,
): Omit<F, 'type'> & { type: FieldType; vendorType?: string } {
  const kind = kindOfType(field.type);
  const { type, ...rest } = field;
  const vendorType = field.vendorType ?? (kind && kind.type === type ? undefined : type);
  return {
    ...rest,
    type: kind?.type ?? 'unknown',
    ...(vendorType !== undefined ? { vendorType } : {}),
    ...(field.format === undefined && kind?.format ? { format: kind.format } : {}),
    ...(field.multiValue === undefined && kind?.multiValue ? { multiValue: true } : {}),
  };
}

/** One line per field whose type we did not know, for the result's notes. */
export function unknownTypeNotes(
  object: string,
  fields: ReadonlyArray<{ name: string; type: string; vendorType?: string }>,
): string[] {
  return fields
    .filter((f) => f.type === 'unknown' && f.vendorType !== undefined)
    .map(
      (f) =>
        `${object}.${f.name}: type "${f.vendorType}" is not one we know; it is compared by its name and sample values only`,
    );
}
