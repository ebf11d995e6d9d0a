import { createHash } from 'node:crypto';
import type { AttributeDef, EntityDef } from '../entities';
import { CODES, DataverseFault } from '../errors';
import type { ApiReply, ApiRequest } from '../http';
import type { DataverseStore } from '../store';

/** A stable GUID for a metadata item, as Dataverse gives every entity, attribute and key a MetadataId. */
function metadataId(text: string): string {
  const h = createHash('sha1').update(text).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

const label = (text: string) => ({
  LocalizedLabels: [{ Label: text, LanguageCode: 1033 }],
  UserLocalizedLabel: { Label: text, LanguageCode: 1033 },
});

const TYPE_NAMES: Record<string, string> = {
  String: 'StringType',
  Memo: 'MemoType',
  Integer: 'IntegerType',
  Decimal: 'DecimalType',
  Double: 'DoubleType',
  Money: 'MoneyType',
  Boolean: 'BooleanType',
  DateTime: 'DateTimeType',
  Picklist: 'PicklistType',
  Lookup: 'LookupType',
  Customer: 'CustomerType',
  Uniqueidentifier: 'UniqueidentifierType',
};

function entityJson(def: EntityDef): Record<string, unknown> {
  return {
    MetadataId: metadataId(def.logicalName),
    LogicalName: def.logicalName,
    SchemaName: def.logicalName[0]!.toUpperCase() + def.logicalName.slice(1),
    EntitySetName: def.entitySetName,
    PrimaryIdAttribute: def.primaryId,
    PrimaryNameAttribute: def.primaryName,
    ChangeTrackingEnabled: def.changeTracking,
    IsCustomEntity: false,
    DisplayName: label(def.label),
  };
}

function attributeJson(def: EntityDef, a: AttributeDef): Record<string, unknown> {
  const out: Record<string, unknown> = {
    '@odata.type': `#Microsoft.Dynamics.CRM.${a.type === 'Customer' ? 'Lookup' : a.type}AttributeMetadata`,
    MetadataId: metadataId(`${def.logicalName}.${a.logicalName}`),
    LogicalName: a.logicalName,
    SchemaName: a.logicalName,
    EntityLogicalName: def.logicalName,
    AttributeType: a.type,
    AttributeTypeName: { Value: TYPE_NAMES[a.type] },
    IsCustomAttribute: !!a.custom,
    IsPrimaryId: a.logicalName === def.primaryId,
    IsPrimaryName: a.logicalName === def.primaryName,
    IsValidForCreate: !a.readOnly,
    IsValidForUpdate: !a.readOnly,
    IsValidForRead: true,
    RequiredLevel: { Value: a.required ? 'ApplicationRequired' : 'None', CanBeChanged: true },
    DisplayName: label(a.label),
    Description: label(''),
  };
  if (a.maxLength !== undefined) out.MaxLength = a.maxLength;
  if (a.format) out.Format = a.format;
  if (a.navigation) out.Targets = [...new Set(Object.values(a.navigation))];
  return out;
}

function optionSetJson(def: EntityDef, a: AttributeDef): Record<string, unknown> {
  return {
    MetadataId: metadataId(`${def.logicalName}.${a.logicalName}.options`),
    Name: `${def.logicalName}_${a.logicalName}`,
    IsGlobal: false,
    OptionSetType: 'Picklist',
    Options: (a.options ?? []).map((o) => ({ Value: o.value, Label: label(o.label), Description: label('') })),
  };
}

function keysJson(def: EntityDef): Array<Record<string, unknown>> {
  return def.keys.map((k) => ({
    MetadataId: metadataId(`${def.logicalName}.key.${k.logicalName}`),
    LogicalName: k.logicalName,
    SchemaName: k.logicalName,
    EntityLogicalName: def.logicalName,
    KeyAttributes: k.attributes,
    EntityKeyIndexStatus: 'Active',
    DisplayName: label(k.logicalName),
  }));
}

/** `$select` applied to a metadata object (metadata answers are not paged). */
function pick(obj: Record<string, unknown>, select: string | null): Record<string, unknown> {
  if (!select) return obj;
  const out: Record<string, unknown> = {};
  for (const name of select.split(',').map((s) => s.trim()))
    if (name in obj) out[name] = obj[name];
    else
      throw new DataverseFault(
        400,
        CODES.badRequest,
        `Could not find a property named '${name}' on type 'Microsoft.Dynamics.CRM.EntityMetadata'.`,
      );
  for (const k of ['@odata.type', 'MetadataId']) if (k in obj) out[k] = obj[k];
  return out;
}

/**
 * `EntityDefinitions`, `EntityDefinitions(LogicalName='x')` (with `$expand=Attributes,Keys`), its `/Attributes`,
 * `/Attributes/Microsoft.Dynamics.CRM.PicklistAttributeMetadata` (with `$expand=OptionSet`) and `/Keys`.
 */
export function metadata(store: DataverseStore, segments: string[], req: ApiRequest): ApiReply {
  const q = req.query;
  const ctx = `${req.base}$metadata#EntityDefinitions`;
  const head = /^EntityDefinitions(?:\((.*)\))?$/.exec(segments[0]!)!;
  if (head[1] === undefined) {
    if (segments.length > 1)
      throw new DataverseFault(404, CODES.badRequest, `Resource not found for the segment '${segments[1]}'.`);
    return {
      status: 200,
      body: {
        '@odata.context': ctx,
        value: [...store.entities.values()].map((e) => pick(entityJson(e), q.get('$select'))),
      },
    };
  }
  const name = /^LogicalName='(.+)'$/.exec(head[1])?.[1];
  const def = name
    ? store.entities.get(name)
    : [...store.entities.values()].find((e) => metadataId(e.logicalName) === head[1]);
  if (!def) throw new DataverseFault(404, '0x80040217', `Could not find entity with ${head[1]}.`);
  const rest = segments.slice(1);
  if (rest.length === 0) {
    const body: Record<string, unknown> = {
      '@odata.context': `${ctx}/$entity`,
      ...pick(entityJson(def), q.get('$select')),
    };
    const expand = (q.get('$expand') ?? '').split(',').map((s) => s.trim());
    if (expand.includes('Attributes')) body.Attributes = def.attributes.map((a) => attributeJson(def, a));
    if (expand.includes('Keys')) body.Keys = keysJson(def);
    return { status: 200, body };
  }
  if (rest[0] === 'Keys' && rest.length === 1)
    return { status: 200, body: { '@odata.context': `${ctx}('${def.logicalName}')/Keys`, value: keysJson(def) } };
  if (rest[0] !== 'Attributes')
    throw new DataverseFault(404, CODES.badRequest, `Resource not found for the segment '${rest[0]}'.`);
  let attributes = def.attributes;
  const cast = rest[1];
  if (cast) {
    const type = /^Microsoft\.Dynamics\.CRM\.(\w+)AttributeMetadata$/.exec(cast)?.[1];
    if (!type) throw new DataverseFault(404, CODES.badRequest, `Resource not found for the segment '${cast}'.`);
    attributes = attributes.filter((a) => a.type === type || (type === 'Lookup' && a.type === 'Customer'));
  }
  const withOptions = (q.get('$expand') ?? '').includes('OptionSet');
  const value = attributes.map((a) => {
    const json = pick(attributeJson(def, a), q.get('$select'));
    if (withOptions && a.options) json.OptionSet = optionSetJson(def, a);
    return json;
  });
  return { status: 200, body: { '@odata.context': `${ctx}('${def.logicalName}')/Attributes`, value } };
}
