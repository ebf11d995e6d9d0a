import {
  NodeOperationError,
  type IDataObject,
  type IExecuteFunctions,
  type INodeExecutionData,
  type INodeProperties,
} from 'n8n-workflow';
import { redactSecrets } from '../../../../core/db/redact';
import { describeError } from '../../../../core/errors';
import { queryRecords } from '../../../../core/connectors/requests';
import type { OperationContext } from '../context';
import { openCrm } from './connection';

const show = { resource: ['crm'], operation: ['read'] };

export const description: INodeProperties[] = [
  {
    displayName: 'Since (Cursor)',
    name: 'since',
    type: 'string',
    default: '',
    description:
      'Only records changed after this: the `nextCursor` of an earlier read, or an ISO time. Empty reads from the beginning.',
    displayOptions: { show },
  },
  {
    displayName: 'Properties',
    name: 'properties',
    type: 'string',
    default: '',
    placeholder: 'name,domain',
    description: 'Comma-separated properties to read; empty reads all',
    displayOptions: { show },
  },
  {
    displayName: 'Limit',
    name: 'limit',
    type: 'number',
    typeOptions: { minValue: 1, maxValue: 100000 },
    default: 100,
    description: 'Max number of results to return',
    displayOptions: { show },
  },
];

/**
 * Once per input item (set "Execute Once" to read once): one item per record, oldest change first, with `id`,
 * `modifiedAt` and `properties`; the last record carries `nextCursor` when more follow (null when none do).
 */
export async function executeAll(this: IExecuteFunctions, _context: OperationContext): Promise<INodeExecutionData[]> {
  const out: INodeExecutionData[] = [];
  let secrets: string[] = [];
  const items = this.getInputData();
  for (let i = 0; i < Math.max(items.length, 1); i++) {
    try {
      const opened = await openCrm(this);
      secrets = opened.secrets;
      const since = (this.getNodeParameter('since', i, '') as string).trim();
      const properties = (this.getNodeParameter('properties', i, '') as string)
        .split(',')
        .map((p) => p.trim())
        .filter(Boolean);
      const limit = Math.max(1, Math.floor(Number(this.getNodeParameter('limit', i, 100))));
      const page = await queryRecords(opened.connector, {
        crm: this.getNodeParameter('crm', i) as string,
        object: (this.getNodeParameter('crmObject', i) as string).trim(),
        properties,
        limit,
        ...(since ? { cursor: since } : {}),
      });
      page.records.forEach((record, n) => {
        const last = n === page.records.length - 1;
        out.push({
          json: { ...record, ...(last ? { nextCursor: page.nextCursor } : {}) } as IDataObject,
          pairedItem: { item: i },
        });
      });
    } catch (error) {
      const message = redactSecrets(describeError(error), secrets);
      if (this.continueOnFail()) {
        out.push({ json: { error: message }, pairedItem: { item: i } });
        continue;
      }
      throw new NodeOperationError(this.getNode(), message, { itemIndex: i });
    }
  }
  return out;
}
