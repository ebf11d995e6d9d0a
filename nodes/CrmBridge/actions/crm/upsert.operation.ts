import {
  NodeOperationError,
  type IDataObject,
  type IExecuteFunctions,
  type INodeExecutionData,
  type INodeProperties,
} from 'n8n-workflow';
import type { UpsertInput, UpsertResult } from '../../../../core/connectors/connector';
import { redactSecrets } from '../../../../core/db/redact';
import { describeError } from '../../../../core/errors';
import type { OperationContext } from '../context';
import { openCrm } from './connection';

const show = { resource: ['crm'], operation: ['upsert'] };

export const description: INodeProperties[] = [
  {
    displayName: 'Key Property',
    name: 'keyProperty',
    type: 'string',
    default: '',
    required: true,
    placeholder: 'legacy_company_id',
    description:
      'External-ID property that identifies each record (a unique property in HubSpot, an External ID field in Salesforce, a custom field (name or key) in Pipedrive, an alternate key column in Dynamics 365)',
    displayOptions: { show },
  },
];

const asValue = (v: unknown): string | null =>
  v === null || v === undefined ? null : typeof v === 'object' ? JSON.stringify(v) : String(v);

/** Every input item is a record (its fields are the properties); one item out per input with its result. */
export async function executeAll(this: IExecuteFunctions, _context: OperationContext): Promise<INodeExecutionData[]> {
  const items = this.getInputData();
  const keyProperty = (this.getNodeParameter('keyProperty', 0) as string).trim();
  const object = (this.getNodeParameter('crmObject', 0) as string).trim();
  const results: Array<UpsertResult | undefined> = new Array(items.length);
  const inputs: Array<{ index: number; record: UpsertInput }> = [];
  items.forEach((item, index) => {
    const key = asValue(item.json[keyProperty])?.trim();
    if (!key) {
      results[index] = { key: '', status: 'failed', error: `no value for the key property "${keyProperty}"` };
      return;
    }
    const properties: Record<string, string | null> = {};
    for (const [k, v] of Object.entries(item.json)) properties[k] = asValue(v);
    inputs.push({ index, record: { key, properties } });
  });
  let secrets: string[] = [];
  try {
    const opened = await openCrm(this);
    secrets = opened.secrets;
    if (!opened.connector.upsert) throw new Error(`${opened.connector.system} cannot be written to`);
    if (inputs.length) {
      const out = await opened.connector.upsert(
        object,
        inputs.map((x) => x.record),
        { keyProperty },
      );
      // Results come back in input order; match by key as well in case a connector does not keep it.
      inputs.forEach((x, n) => {
        const r = out[n]?.key === x.record.key ? out[n] : out.find((o) => o.key === x.record.key);
        results[x.index] = r
          ? { ...r, ...(r.error ? { error: redactSecrets(r.error, secrets) } : {}) }
          : { key: x.record.key, status: 'failed', error: 'no result from the CRM' };
      });
    }
  } catch (error) {
    const message = redactSecrets(describeError(error), secrets);
    if (!this.continueOnFail()) throw new NodeOperationError(this.getNode(), message);
    for (const x of inputs) results[x.index] = { key: x.record.key, status: 'failed', error: message };
  }
  return items.map((item, i) => {
    const r = results[i]!;
    return {
      json: {
        key: r.key,
        status: r.status,
        id: r.id ?? null,
        error: r.error ?? null,
        record: item.json,
      } as IDataObject,
      pairedItem: { item: i },
    };
  });
}
