import type { FieldFormat, FieldSchema, FieldType, ObjectSchema } from '../connector';
import type { PipedriveClient } from './client';
import { PipedriveError } from './errors';
import { COST, type PipedriveObject } from './options';
import { FieldPage, parseReply, type RawField } from './schemas';

const CUSTOM_KEY = /^[0-9a-f]{40}$/;

/** A field as the connector uses it to read and write values. */
export interface FieldInfo {
  key: string;
  name: string;
  fieldType: string;
  custom: boolean;
  options: Map<string, number | string>;
}

const TYPES: Record<string, FieldType> = {
  varchar: 'string',
  varchar_auto: 'string',
  text: 'string',
  address: 'string',
  phone: 'string',
  time: 'string',
  timerange: 'string',
  double: 'number',
  monetary: 'number',
  int: 'integer',
  user: 'integer',
  org: 'integer',
  people: 'integer',
  stage: 'integer',
  date: 'date',
  daterange: 'date',
  enum: 'enum',
  set: 'enum',
  status: 'enum',
  varchar_options: 'enum',
};

/** The v1 path of an object's field definitions. */
const FIELDS_PATH: Record<PipedriveObject, string> = {
  persons: '/v1/personFields',
  deals: '/v1/dealFields',
  organizations: '/v1/organizationFields',
  activities: '/v1/activityFields',
};

function formatOf(key: string, fieldType: string): FieldFormat | undefined {
  if (fieldType === 'phone' || key === 'phone') return 'phone';
  if (key === 'email') return 'email';
  if (fieldType === 'monetary') return 'currency';
  if (fieldType === 'text') return 'textarea';
  if (['user', 'org', 'people', 'stage'].includes(fieldType) || key.endsWith('_id'))
    return key === 'id' ? undefined : 'reference';
  return undefined;
}

/** Resolves a property name (API key, or the field's name as shown in Pipedrive) to its field. */
export function findField(fields: Map<string, FieldInfo>, name: string): FieldInfo | undefined {
  return (
    fields.get(name) ??
    [...fields.values()].find((f) => f.name === name) ??
    [...fields.values()].find((f) => f.name.toLowerCase() === name.toLowerCase())
  );
}

/** The fields to read: all (by API key), or those asked for by key or by name (keyed as asked). */
export function selectFields(
  object: PipedriveObject,
  fields: Map<string, FieldInfo>,
  wanted: string[] | undefined,
): Array<[string, FieldInfo]> {
  if (!wanted) return [...fields];
  return wanted.map((name) => {
    const f = findField(fields, name);
    if (!f) throw new PipedriveError(`Unknown ${object} field "${name}"`);
    return [name, f] as [string, FieldInfo];
  });
}

/** Object schemas from v1 `/{object}Fields`, fetched once per object for the connector's life. */
export class PipedriveFields {
  private readonly fieldCache = new Map<PipedriveObject, Map<string, FieldInfo>>();
  private readonly describeCache = new Map<PipedriveObject, ObjectSchema>();

  constructor(private readonly client: PipedriveClient) {}

  /** v1 field definitions of an object, every page. */
  private async rawFields(object: PipedriveObject): Promise<RawField[]> {
    const { apis } = this.client;
    const out: RawField[] = [];
    let start = 0;
    for (;;) {
      const reply = await this.client.call(
        `describe ${object}`,
        () => {
          const limit = 500;
          if (object === 'persons') return apis.personFields.getPersonFields({ start, limit });
          if (object === 'deals') return apis.dealFields.getDealFields({ start, limit });
          if (object === 'activities') return apis.activityFields.getActivityFields();
          return apis.organizationFields.getOrganizationFields({ start, limit });
        },
        COST.v1,
      );
      const page = parseReply(FieldPage, reply, `GET ${FIELDS_PATH[object]}`);
      out.push(...(page.data ?? []));
      const p = page.additional_data?.pagination;
      if (!p?.more_items_in_collection || p.next_start === undefined || p.next_start === null) return out;
      start = p.next_start;
    }
  }

  /** The object's fields by API key. */
  async infos(object: PipedriveObject): Promise<Map<string, FieldInfo>> {
    await this.describe(object);
    return this.fieldCache.get(object)!;
  }

  /** Fields from v1 `/{object}Fields`: `name` is the API key (a 40-hex hash for custom fields), `label` the name shown in Pipedrive. */
  async describe(o: PipedriveObject): Promise<ObjectSchema> {
    const cached = this.describeCache.get(o);
    if (cached) return cached;
    const raw = await this.rawFields(o);
    const infos = new Map<string, FieldInfo>();
    const fields: FieldSchema[] = raw.map((f) => {
      const custom = CUSTOM_KEY.test(f.key);
      const options = new Map<string, number | string>((f.options ?? []).map((opt) => [opt.label, opt.id]));
      infos.set(f.key, { key: f.key, name: f.name, fieldType: f.field_type, custom, options });
      const field: FieldSchema = {
        name: f.key,
        label: f.name,
        type: TYPES[f.field_type] ?? 'unknown',
        required: !!f.mandatory_flag,
        readOnly: f.edit_flag === false,
      };
      if (f.options && f.options.length > 0) field.options = f.options.map((opt) => opt.label);
      if (f.field_type === 'set') field.multiValue = true;
      const format = formatOf(f.key, f.field_type);
      if (format) field.format = format;
      if (custom) field.description = `custom field "${f.name}"`;
      return field;
    });
    const schema: ObjectSchema = { object: o, idField: 'id', fields };
    this.fieldCache.set(o, infos);
    this.describeCache.set(o, schema);
    return schema;
  }
}
