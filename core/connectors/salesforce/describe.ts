import type { FieldFormat, FieldSchema, FieldType, ObjectSchema } from '../connector';
import { checkName, type SalesforceClient } from './client';
import { DescribeGlobal, DescribeResult, parseReply } from './schemas';

/** A Salesforce field schema; `externalId` says the field can key an upsert. */
export interface SalesforceFieldSchema extends FieldSchema {
  externalId?: boolean;
  salesforceType: string;
}

const TYPES: Record<string, [FieldType, FieldFormat?]> = {
  id: ['string', 'reference'],
  reference: ['string', 'reference'],
  string: ['string'],
  textarea: ['string', 'textarea'],
  email: ['string', 'email'],
  phone: ['string', 'phone'],
  url: ['string', 'url'],
  combobox: ['string'],
  picklist: ['enum'],
  multipicklist: ['enum'],
  int: ['integer'],
  long: ['integer'],
  double: ['number'],
  currency: ['number', 'currency'],
  percent: ['number', 'percent'],
  boolean: ['boolean'],
  date: ['date'],
  datetime: ['datetime'],
  encryptedstring: ['string'],
};
/** Compound fields, which SOQL reads through their parts. */
export const COMPOUND = new Set(['address', 'location', 'base64']);

/** Objects and their fields, each object described once per connector. */
export class SalesforceDescribe {
  private readonly describes = new Map<string, Promise<DescribeResult>>();

  constructor(private readonly client: SalesforceClient) {}

  async listObjects(): Promise<string[]> {
    const { client } = this;
    const reply = await client.call('Salesforce describeGlobal', (c) =>
      c.request<unknown>('/sobjects', client.requestOptions),
    );
    const global = parseReply(DescribeGlobal, reply, `GET ${client.apiRoot}/sobjects`);
    return global.sobjects.filter((o) => o.queryable !== false).map((o) => o.name);
  }

  /** `GET /sobjects/{object}/describe`, as Salesforce answers it. */
  raw(object: string): Promise<DescribeResult> {
    checkName(object, 'object');
    const { client } = this;
    let d = this.describes.get(object);
    if (!d) {
      d = client
        .call(`Salesforce describe ${object}`, (c) =>
          c.request<unknown>(`/sobjects/${object}/describe`, client.requestOptions),
        )
        .then((reply) => parseReply(DescribeResult, reply, `GET ${client.apiRoot}/sobjects/${object}/describe`));
      d.catch(() => this.describes.delete(object));
      this.describes.set(object, d);
    }
    return d;
  }

  async describe(object: string): Promise<ObjectSchema> {
    const d = await this.raw(object);
    const fields = d.fields.map((f): SalesforceFieldSchema => {
      const [type, format] = TYPES[f.type] ?? ['unknown'];
      const options = f.picklistValues?.filter((p) => p.active !== false).map((p) => p.value);
      return {
        name: f.name,
        ...(f.label ? { label: f.label } : {}),
        type,
        salesforceType: f.type,
        required: f.nillable === false && f.createable !== false && !f.defaultedOnCreate,
        unique: !!f.unique,
        externalId: !!f.externalId,
        readOnly: f.updateable === false,
        ...(format ? { format } : {}),
        ...(options?.length ? { options } : {}),
        ...(f.type === 'multipicklist' ? { multiValue: true } : {}),
        ...(f.inlineHelpText ? { description: f.inlineHelpText } : {}),
      };
    });
    return { object: d.name, idField: 'Id', fields };
  }
}
