import {
  NodeOperationError,
  type IExecuteFunctions,
  type INodeExecutionData,
  type INodeProperties,
} from 'n8n-workflow';
import { applyStaging, type ApplyTarget } from '../../../../core/apply/apply';
import { ApplyInputSchema } from '../../../../core/apply/schemas';
import { loadMapping } from '../../../../core/mapping/load-mapping';
import { connectorFromCredential, CRM_CREDENTIALS } from '../crm/connection';
import type { OperationContext } from '../context';
import { mappingFileProperty, objectProperty } from '../common';

const OPERATIONS = ['planApply', 'apply'];
const show = (operation: string[] = OPERATIONS) => ({ show: { resource: ['staging'], operation } });

export const description: INodeProperties[] = [
  objectProperty('planApply'),
  objectProperty('apply'),
  {
    displayName: 'CRM',
    name: 'crm',
    type: 'options',
    options: [{ name: 'HubSpot', value: 'hubspot' }],
    default: 'hubspot',
    description: 'The CRM the mirror and mapping describe; choose its credential below',
    displayOptions: show(),
  },
  {
    displayName: 'Limit',
    name: 'limit',
    type: 'number',
    typeOptions: { minValue: 0 },
    default: 0,
    description: 'Write at most this many records in this run (0: all)',
    displayOptions: show(['apply']),
  },
  {
    displayName: 'Plan Lines',
    name: 'planLimit',
    type: 'number',
    typeOptions: { minValue: 0 },
    default: 1000,
    description: 'Plan lines to return (the counts cover every record)',
    displayOptions: show(['planApply']),
  },
  {
    displayName: 'Output Plan Lines as Items',
    name: 'planItems',
    type: 'boolean',
    default: false,
    description: 'Whether to return one item per plan line after the report item',
    displayOptions: show(['planApply']),
  },
  mappingFileProperty('planApply'),
  mappingFileProperty('apply'),
];

async function run(this: IExecuteFunctions, context: OperationContext, dryRun: boolean): Promise<INodeExecutionData[]> {
  const credential = await this.getCredentials(CRM_CREDENTIALS.hubspot);
  const target = (await connectorFromCredential('hubspot', credential)) as unknown as ApplyTarget;
  const limit = dryRun ? 0 : (this.getNodeParameter('limit', 0, 0) as number);
  const input = ApplyInputSchema.parse({
    object: this.getNodeParameter('object', 0),
    dryRun,
    ...(limit > 0 ? { limit } : {}),
    planLimit: dryRun ? (this.getNodeParameter('planLimit', 0, 1000) as number) : 0,
  });
  const mapping = loadMapping((this.getNodeParameter('mappingFile', 0, '') as string) || undefined);
  const report = await applyStaging(await context.db(), { ...input, mapping, target });
  if (!dryRun && report.status === 'failed' && !this.continueOnFail()) {
    throw new NodeOperationError(
      this.getNode(),
      `HubSpot refused every record it was sent (${report.counts.failed}), e.g. ${report.failures[0]?.legacyId}: ${report.failures[0]?.error}`,
    );
  }
  const { plan, ...summary } = report;
  const items: INodeExecutionData[] = [
    { json: { ...summary, ...(dryRun && !this.getNodeParameter('planItems', 0, false) ? { plan } : {}) } },
  ];
  if (dryRun && this.getNodeParameter('planItems', 0, false))
    items.push(...plan.map((line) => ({ json: { object: report.object, ...line } })));
  return items;
}

/** Staging › Plan Apply: what apply would write (nothing is written). Staging › Apply: write it. */
export const planApply = {
  executeAll(this: IExecuteFunctions, context: OperationContext) {
    return run.call(this, context, true);
  },
};
export const apply = {
  executeAll(this: IExecuteFunctions, context: OperationContext) {
    return run.call(this, context, false);
  },
};
