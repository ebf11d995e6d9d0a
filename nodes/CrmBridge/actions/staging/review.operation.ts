import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { loadMapping } from '../../../../core/mapping/load-mapping';
import { decideReviewItems, listReviewItems } from '../../../../core/review/review';
import { DecideInputSchema, ReviewListInputSchema } from '../../../../core/review/schemas';
import type { OperationContext } from '../context';
import { mappingFileProperty, objectProperty } from '../common';

const show = (extra: Record<string, unknown[]> = {}) => ({
  show: { resource: ['staging'], operation: ['review'], ...extra },
});

export const description: INodeProperties[] = [
  objectProperty('review'),
  {
    displayName: 'Action',
    name: 'reviewAction',
    type: 'options',
    noDataExpression: true,
    options: [
      {
        name: 'List',
        value: 'list',
        description: 'One item per fuzzy match or conflict waiting, both records side by side',
      },
      {
        name: 'Approve Fuzzy Match',
        value: 'approve',
        description: 'Apply will write the legacy ID onto the matched HubSpot record',
      },
      { name: 'Reject Fuzzy Match', value: 'reject', description: 'Apply will create a new record instead' },
      {
        name: 'Choose Survivor of a Conflict',
        value: 'choose',
        description: 'The chosen record keeps the legacy ID; the others lose it and are reported',
      },
    ],
    default: 'list',
    displayOptions: show(),
  },
  {
    displayName: 'Kind',
    name: 'reviewKind',
    type: 'options',
    options: [
      { name: 'All', value: 'all' },
      { name: 'Fuzzy Matches', value: 'fuzzy_match' },
      { name: 'Conflicts', value: 'conflict' },
    ],
    default: 'all',
    displayOptions: show({ reviewAction: ['list'] }),
  },
  {
    displayName: 'Undecided Only',
    name: 'undecidedOnly',
    type: 'boolean',
    default: true,
    displayOptions: show({ reviewAction: ['list'] }),
  },
  {
    displayName: 'Limit',
    name: 'limit',
    type: 'number',
    typeOptions: { minValue: 1, maxValue: 500 },
    default: 50,
    description: 'Max number of results to return',
    displayOptions: show({ reviewAction: ['list'] }),
  },
  {
    displayName: 'Legacy ID',
    name: 'legacyId',
    type: 'string',
    default: '',
    required: true,
    description: 'The legacy record decided on; one decision per input item (use an expression)',
    displayOptions: show({ reviewAction: ['approve', 'reject', 'choose'] }),
  },
  {
    displayName: 'Surviving HubSpot Record ID',
    name: 'targetId',
    type: 'string',
    default: '',
    required: true,
    displayOptions: show({ reviewAction: ['choose'] }),
  },
  {
    displayName: 'Decided By',
    name: 'decidedBy',
    type: 'string',
    default: '',
    required: true,
    placeholder: 'ana@example.com',
    displayOptions: show({ reviewAction: ['approve', 'reject', 'choose'] }),
  },
  {
    displayName: 'Reason',
    name: 'reason',
    type: 'string',
    default: '',
    displayOptions: show({ reviewAction: ['approve', 'reject', 'choose'] }),
  },
  mappingFileProperty('review'),
];

/** List: one item per review item. Decide: one decision per input item, one result item each. */
export async function executeAll(this: IExecuteFunctions, context: OperationContext): Promise<INodeExecutionData[]> {
  const db = await context.db();
  const mapping = loadMapping((this.getNodeParameter('mappingFile', 0, '') as string) || undefined);
  const action = this.getNodeParameter('reviewAction', 0) as 'list' | 'approve' | 'reject' | 'choose';
  if (action === 'list') {
    const input = ReviewListInputSchema.parse({
      object: this.getNodeParameter('object', 0),
      kind: this.getNodeParameter('reviewKind', 0),
      undecidedOnly: this.getNodeParameter('undecidedOnly', 0),
      limit: this.getNodeParameter('limit', 0),
    });
    const list = await listReviewItems(db, mapping, input);
    return list.items.map((item) => ({ json: { object: list.object, ...item } }));
  }
  const out: INodeExecutionData[] = [];
  for (let i = 0; i < this.getInputData().length; i++) {
    const input = DecideInputSchema.parse({
      object: this.getNodeParameter('object', i),
      decision: action,
      legacyIds: [String(this.getNodeParameter('legacyId', i))],
      ...(action === 'choose' ? { targetId: String(this.getNodeParameter('targetId', i)) } : {}),
      decidedBy: this.getNodeParameter('decidedBy', i),
      reason: (this.getNodeParameter('reason', i, '') as string) || undefined,
    });
    const result = await decideReviewItems(db, mapping, input);
    const refused = result.refused[0];
    out.push({
      json: refused
        ? { legacyId: refused.legacyId, decided: false, reason: refused.reason }
        : { ...result.decided[0]!, decided: true },
      pairedItem: { item: i },
    });
  }
  return out;
}
