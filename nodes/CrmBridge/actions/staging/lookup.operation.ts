import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import type { OperationContext } from '../context';
import { loadMapping } from '../../../../core/mapping/load-mapping';
import { lookupByLegacyId, LookupInputSchema } from '../../../../core/reconcile/lookup';
import { mappingFileProperty, objectProperty } from '../common';

export const description: INodeProperties[] = [
  objectProperty('lookup'),
  {
    displayName: 'Legacy ID',
    name: 'legacyId',
    type: 'string',
    default: '',
    required: true,
    description: 'ID of the record in the legacy CRM',
    displayOptions: { show: { resource: ['staging'], operation: ['lookup'] } },
  },
  mappingFileProperty('lookup'),
];

export async function execute(
  this: IExecuteFunctions,
  context: OperationContext,
  i: number,
): Promise<INodeExecutionData> {
  const db = await context.db();
  const input = LookupInputSchema.parse({
    object: this.getNodeParameter('object', i),
    legacyId: String(this.getNodeParameter('legacyId', i)),
  });
  const result = await lookupByLegacyId(
    db,
    loadMapping((this.getNodeParameter('mappingFile', i, '') as string) || undefined),
    input,
  );
  return { json: result, pairedItem: { item: i } };
}
