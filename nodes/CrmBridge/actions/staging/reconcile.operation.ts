import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import type { OperationContext } from '../context';
import { loadMapping } from '../../../../core/mapping/load-mapping';
import { reconcile } from '../../../../core/reconcile/reconcile';
import { ReconcileInputSchema } from '../../../../core/reconcile/summary';
import { mappingFileProperty, objectProperty } from '../common';

export const description: INodeProperties[] = [
  objectProperty('reconcile'),
  {
    displayName: 'Legacy Export Path',
    name: 'legacyPath',
    type: 'string',
    default: '',
    required: true,
    placeholder: '/data/legacy-export',
    description: 'Folder with one CSV per legacy table (Company.csv, Person.csv, …), or a single CSV file',
    displayOptions: { show: { resource: ['staging'], operation: ['reconcile'] } },
  },
  mappingFileProperty('reconcile'),
];

export async function execute(this: IExecuteFunctions, context: OperationContext, i: number): Promise<INodeExecutionData> {
  const db = await context.db();
  const input = ReconcileInputSchema.parse({
    object: this.getNodeParameter('object', i),
    legacyPath: this.getNodeParameter('legacyPath', i),
    mappingFile: (this.getNodeParameter('mappingFile', i, '') as string) || undefined,
  });
  const summary = await reconcile(db, { object: input.object, legacyPath: input.legacyPath, mapping: loadMapping(input.mappingFile) });
  return { json: summary, pairedItem: { item: i } };
}
