import type { FieldFormat, FieldSchema, FieldType, ObjectSchema } from '../connector';
import type { DynamicsClient } from './client';
import { DynamicsError } from './errors';
import { AttributesReply, EntityList, EntityReply, parseReply, PicklistReply, type RawAttribute } from './schemas';

/** A column as the connector reads and writes it. */
export interface ColumnInfo {
  logicalName: string;
  /** The name in records: `_parentcustomerid_value` for lookups. */
  wireName: string;
  type: string;
  custom: boolean;
  writable: boolean;
  /** Choice columns: label -> value, and value -> label. */
  options: Map<string, number>;
  labels: Map<number, string>;
  /** Lookups: the tables it can point at. */
  targets: string[];
}

export interface TableInfo {
  logicalName: string;
  entitySetName: string;
  primaryId: string;
  changeTracking: boolean;
  columns: Map<string, ColumnInfo>;
  /** Attributes of each active alternate key. */
  keys: string[][];
  schema: ObjectSchema;
}

const LOOKUPS = new Set(['Lookup', 'Customer', 'Owner']);
const CHOICES = new Set(['Picklist', 'State', 'Status']);

const TYPES: Record<string, FieldType> = {
  String: 'string',
  Memo: 'string',
  Uniqueidentifier: 'string',
  Integer: 'integer',
  BigInt: 'integer',
  Decimal: 'number',
  Double: 'number',
  Money: 'number',
  Boolean: 'boolean',
  DateTime: 'datetime',
  Picklist: 'enum',
  State: 'enum',
  Status: 'enum',
  MultiSelectPicklist: 'enum',
  Lookup: 'string',
  Customer: 'string',
  Owner: 'string',
};

function formatOf(a: RawAttribute): FieldFormat | undefined {
  if (LOOKUPS.has(a.AttributeType)) return 'reference';
  if (a.AttributeType === 'Money') return 'currency';
  if (a.AttributeType === 'Memo' || a.Format === 'TextArea') return 'textarea';
  return ({ Email: 'email', Phone: 'phone', Url: 'url' } as Record<string, FieldFormat>)[a.Format ?? ''];
}

/** Table metadata (entity, attributes, choices with labels, alternate keys), fetched once per table. */
export class DynamicsTables {
  private readonly cache = new Map<string, Promise<TableInfo>>();
  private names: Promise<Map<string, string>> | null = null;

  constructor(private readonly client: DynamicsClient) {}

  /** A table by logical name (`account`) or entity set name (`accounts`). */
  table(object: string): Promise<TableInfo> {
    const wanted = object.trim();
    let entry = this.cache.get(wanted);
    if (!entry) {
      entry = this.load(wanted);
      entry.catch(() => this.cache.delete(wanted));
      this.cache.set(wanted, entry);
    }
    return entry;
  }

  /** Logical names by entity set name, from one listing of EntityDefinitions. */
  private async logicalName(object: string): Promise<string> {
    this.names ??= this.client
      .call('list tables', (api) => api.retrieveEntities({ select: ['LogicalName', 'EntitySetName'] }))
      .then((reply) => {
        const page = parseReply(EntityList, reply, `GET ${this.client.apiPath}/EntityDefinitions`);
        return new Map(
          page.value.flatMap((e) => [
            [e.LogicalName, e.LogicalName] as const,
            [e.EntitySetName, e.LogicalName] as const,
          ]),
        );
      });
    const names = await this.names.catch((error: unknown) => {
      this.names = null;
      throw error;
    });
    const found = names.get(object) ?? names.get(object.toLowerCase());
    if (!found)
      throw new DynamicsError(
        `Dynamics has no table "${object}" (give its logical name, e.g. account, or its entity set name, e.g. accounts)`,
      );
    return found;
  }

  private async load(object: string): Promise<TableInfo> {
    const logical = await this.logicalName(object);
    const key = `LogicalName='${logical}'`;
    const base = `${this.client.apiPath}/EntityDefinitions(${key})`;
    const entity = parseReply(
      EntityReply,
      await this.client.call(`describe ${logical}`, (api) =>
        api.retrieveEntity({
          key,
          select: [
            'LogicalName',
            'EntitySetName',
            'PrimaryIdAttribute',
            'PrimaryNameAttribute',
            'ChangeTrackingEnabled',
          ],
          expand: [{ property: 'Keys' }],
        }),
      ),
      `GET ${base}`,
    );
    const attributes = parseReply(
      AttributesReply,
      await this.client.call(`describe ${logical} columns`, (api) => api.retrieveAttributes({ entityKey: key })),
      `GET ${base}/Attributes`,
    ).value;
    const picklists = parseReply(
      PicklistReply,
      await this.client.call(`describe ${logical} choices`, (api) =>
        api.retrieveAttributes({
          entityKey: key,
          castType: 'Microsoft.Dynamics.CRM.PicklistAttributeMetadata',
          select: ['LogicalName'],
          expand: [{ property: 'OptionSet' }],
        }),
      ),
      `GET ${base}/Attributes/Microsoft.Dynamics.CRM.PicklistAttributeMetadata`,
    ).value;
    const optionsOf = new Map(
      picklists.map((p) => [
        p.LogicalName,
        (p.OptionSet?.Options ?? []).map((o) => ({
          value: o.Value,
          label: o.Label?.UserLocalizedLabel?.Label ?? String(o.Value),
        })),
      ]),
    );
    const keys = (entity.Keys ?? [])
      .filter((k) => (k.EntityKeyIndexStatus ?? 'Active') === 'Active')
      .map((k) => k.KeyAttributes);
    const columns = new Map<string, ColumnInfo>();
    const fields: FieldSchema[] = [];
    for (const a of attributes) {
      const options = optionsOf.get(a.LogicalName) ?? [];
      const lookup = LOOKUPS.has(a.AttributeType);
      columns.set(a.LogicalName, {
        logicalName: a.LogicalName,
        wireName: lookup ? `_${a.LogicalName}_value` : a.LogicalName,
        type: a.AttributeType,
        custom: !!a.IsCustomAttribute,
        writable: a.IsValidForCreate !== false || a.IsValidForUpdate !== false,
        options: new Map(options.map((o) => [o.label, o.value])),
        labels: new Map(options.map((o) => [o.value, o.label])),
        targets: a.Targets ?? [],
      });
      const label = a.DisplayName?.UserLocalizedLabel?.Label;
      const field: FieldSchema = { name: a.LogicalName, type: TYPES[a.AttributeType] ?? 'unknown' };
      if (label) field.label = label;
      if (['ApplicationRequired', 'SystemRequired'].includes(a.RequiredLevel?.Value ?? '')) field.required = true;
      if (keys.some((k) => k.length === 1 && k[0] === a.LogicalName) || a.IsPrimaryId) field.unique = true;
      if (CHOICES.has(a.AttributeType) && options.length) field.options = options.map((o) => o.label);
      const format = formatOf(a);
      if (format) field.format = format;
      if (a.IsValidForCreate === false && a.IsValidForUpdate === false) field.readOnly = true;
      const description = a.Description?.UserLocalizedLabel?.Label;
      if (a.IsCustomAttribute)
        field.description = `custom column "${label ?? a.LogicalName}"${description ? `: ${description}` : ''}`;
      else if (description) field.description = description;
      fields.push(field);
    }
    return {
      logicalName: entity.LogicalName,
      entitySetName: entity.EntitySetName,
      primaryId: entity.PrimaryIdAttribute,
      changeTracking: !!entity.ChangeTrackingEnabled,
      columns,
      keys,
      schema: { object: entity.LogicalName, idField: entity.PrimaryIdAttribute, fields },
    };
  }
}
