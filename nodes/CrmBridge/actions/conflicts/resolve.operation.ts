import {
  NodeOperationError,
  type IDataObject,
  type IExecuteFunctions,
  type INodeExecutionData,
  type INodeProperties,
} from 'n8n-workflow';
import { resolveConflicts, ResolveInputSchema, type ConflictCandidate } from '../../../../core/conflicts';
import type { OperationContext } from '../context';

const show = { resource: ['conflicts'], operation: ['resolve'] };
const strategyOptions = [
  {
    name: 'Last Write Wins',
    value: 'lastWriteWins',
    description: 'The most recently modified source wins; ties go to source priority',
  },
  {
    name: 'Source Priority',
    value: 'sourcePriority',
    description: 'The first source in the priority list that has a value wins',
  },
  {
    name: 'Most Complete',
    value: 'mostComplete',
    description: 'The source whose record has the most filled fields wins',
  },
  { name: 'Union', value: 'union', description: 'All distinct values, joined with ";" (multi-select picklists)' },
];

export const description: INodeProperties[] = [
  {
    displayName: 'Match Key Field',
    name: 'keyField',
    type: 'string',
    default: 'email',
    required: true,
    description: 'Items with the same value here are the same record from different sources',
    displayOptions: { show },
  },
  {
    displayName: 'Source Field',
    name: 'sourceField',
    type: 'string',
    default: 'source',
    required: true,
    description: 'Field naming the system an item comes from',
    displayOptions: { show },
  },
  {
    displayName: 'Modified Field',
    name: 'modifiedField',
    type: 'string',
    default: 'modifiedAt',
    description: 'Field with the time the record last changed in its system (for last write wins)',
    displayOptions: { show },
  },
  {
    displayName: 'Default Rule',
    name: 'defaultStrategy',
    type: 'options',
    options: strategyOptions,
    default: 'lastWriteWins',
    displayOptions: { show },
  },
  {
    displayName: 'Source Priority',
    name: 'sourcePriority',
    type: 'string',
    default: '',
    placeholder: 'salesforce, hubspot, pipedrive',
    description: 'Most trusted first; also breaks ties',
    displayOptions: { show },
  },
  {
    displayName: 'Field Rules',
    name: 'fieldRules',
    type: 'fixedCollection',
    typeOptions: { multipleValues: true },
    default: {},
    placeholder: 'Add Field Rule',
    displayOptions: { show },
    options: [
      {
        displayName: 'Rule',
        name: 'rule',
        values: [
          { displayName: 'Field', name: 'field', type: 'string', default: '' },
          {
            displayName: 'Rule',
            name: 'strategy',
            type: 'options',
            options: strategyOptions,
            default: 'sourcePriority',
          },
        ],
      },
    ],
  },
  {
    displayName: 'Blanks May Overwrite Values',
    name: 'allowBlank',
    type: 'boolean',
    default: false,
    displayOptions: { show },
  },
];

/** Groups the items by key and merges each group; one item out per key, with the per-field provenance. */
export async function executeAll(this: IExecuteFunctions, _context: OperationContext): Promise<INodeExecutionData[]> {
  const keyField = this.getNodeParameter('keyField', 0) as string;
  const sourceField = this.getNodeParameter('sourceField', 0) as string;
  const modifiedField = this.getNodeParameter('modifiedField', 0, '') as string;
  const fieldRules =
    (this.getNodeParameter('fieldRules', 0, {}) as { rule?: Array<{ field: string; strategy: string }> }).rule ?? [];
  const rules = {
    default: { strategy: this.getNodeParameter('defaultStrategy', 0) as string },
    sourcePriority: (this.getNodeParameter('sourcePriority', 0, '') as string)
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    fields: Object.fromEntries(fieldRules.filter((r) => r.field).map((r) => [r.field, { strategy: r.strategy }])),
    allowBlank: this.getNodeParameter('allowBlank', 0, false) as boolean,
  };
  const groups = new Map<string, { candidates: ConflictCandidate[]; items: number[] }>();
  this.getInputData().forEach((item, i) => {
    const { [sourceField]: source, [modifiedField]: modifiedAt, ...record } = item.json as IDataObject;
    const key = record[keyField];
    if (key === undefined || key === null || key === '')
      throw new NodeOperationError(this.getNode(), `Item ${i} has no "${keyField}" to match on`, { itemIndex: i });
    if (typeof source !== 'string' || !source)
      throw new NodeOperationError(this.getNode(), `Item ${i} has no "${sourceField}" naming its source`, {
        itemIndex: i,
      });
    const group = groups.get(String(key)) ?? { candidates: [], items: [] };
    group.candidates.push({
      source,
      record: record as ConflictCandidate['record'],
      ...(modifiedAt ? { modifiedAt: modifiedAt as string } : {}),
    });
    group.items.push(i);
    groups.set(String(key), group);
  });
  const out: INodeExecutionData[] = [];
  for (const [key, group] of groups) {
    const parsed = ResolveInputSchema.safeParse({ candidates: group.candidates, rules });
    if (!parsed.success) {
      throw new NodeOperationError(
        this.getNode(),
        `Records with ${keyField} "${key}": ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
        { itemIndex: group.items[0] },
      );
    }
    const result = resolveConflicts(parsed.data.candidates, parsed.data.rules);
    out.push({ json: { key, ...result } as unknown as IDataObject, pairedItem: group.items.map((item) => ({ item })) });
  }
  return out;
}
