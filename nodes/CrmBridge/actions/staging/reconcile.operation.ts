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
  {
    displayName: 'Accept Shrink',
    name: 'acceptShrink',
    type: 'boolean',
    default: false,
    description:
      'Whether to reconcile an export that has no readable row, or fewer rows than the shrink threshold allows against the last successful run. Off, such a run fails and staging is left as it was.',
    displayOptions: { show: { resource: ['staging'], operation: ['reconcile'] } },
  },
  {
    displayName: 'Shrink Threshold',
    name: 'shrinkThreshold',
    type: 'number',
    default: 0.5,
    typeOptions: { minValue: 0, maxValue: 1, numberPrecision: 2 },
    description:
      'An export with fewer readable rows than this fraction of the last successful run is refused (unless Accept Shrink is on)',
    displayOptions: { show: { resource: ['staging'], operation: ['reconcile'] } },
  },
];

export async function execute(
  this: IExecuteFunctions,
  context: OperationContext,
  i: number,
): Promise<INodeExecutionData> {
  const db = await context.db();
  const input = ReconcileInputSchema.parse({
    object: this.getNodeParameter('object', i),
    legacyPath: this.getNodeParameter('legacyPath', i),
    mappingFile: (this.getNodeParameter('mappingFile', i, '') as string) || undefined,
    acceptShrink: this.getNodeParameter('acceptShrink', i, false) as boolean,
    shrinkThreshold: this.getNodeParameter('shrinkThreshold', i, 0.5) as number,
  });
  const summary = await reconcile(db, {
    object: input.object,
    legacyPath: input.legacyPath,
    mapping: loadMapping(input.mappingFile),
    acceptShrink: input.acceptShrink,
    shrinkThreshold: input.shrinkThreshold,
  });
  return { json: summary, pairedItem: { item: i } };
}
