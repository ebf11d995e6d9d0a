import {
  NodeOperationError,
  type IDataObject,
  type IExecuteFunctions,
  type INode,
  type INodeExecutionData,
  type INodeProperties,
} from 'n8n-workflow';
import { describeError } from '../../../../core/errors';
import {
  choosePreset,
  clusterAssignments,
  dedupe,
  MatchConfigSchema,
  resolveFieldsSpec,
  type FieldConfig,
} from '../../../../core/matching';
import type { OperationContext } from '../context';

const show = { resource: ['matching'], operation: ['deduplicate'] };

export const description: INodeProperties[] = [
  {
    displayName: 'ID Field',
    name: 'idField',
    type: 'string',
    default: 'id',
    required: true,
    description: "Field holding each item's record ID",
    displayOptions: { show },
  },
  {
    displayName: 'Preset',
    name: 'preset',
    type: 'options',
    options: [
      { name: 'Automatic', value: 'auto', description: 'Chosen from the field names' },
      { name: 'Contacts', value: 'contacts' },
      { name: 'Companies', value: 'companies' },
    ],
    default: 'auto',
    displayOptions: { show },
  },
  {
    displayName: 'Output',
    name: 'output',
    type: 'options',
    options: [
      { name: 'All Items With Cluster ID and Confidence', value: 'all' },
      { name: 'Only Unique Items (One per Entity)', value: 'unique' },
    ],
    default: 'all',
    displayOptions: { show },
  },
  {
    displayName: 'Default Phone Country',
    name: 'country',
    type: 'string',
    default: '',
    placeholder: 'GB',
    displayOptions: { show },
  },
  {
    displayName: 'Fields',
    name: 'fields',
    type: 'string',
    default: '',
    placeholder: 'given_name=first,surname=last,email=mail',
    description:
      'Fields to compare instead of the preset: field=column pairs (several columns: address=street+number), or a JSON list of { name, kind, columns }',
    displayOptions: { show },
  },
];

/** The Fields parameter: blank for the preset, else the shorthand or a JSON list; each problem named in one line. */
export function fieldsFromParameter(value: unknown, node: INode): FieldConfig[] | undefined {
  if (value === undefined || value === null || (typeof value === 'string' && value.trim() === '')) return undefined;
  let spec = value;
  if (typeof value === 'string' && value.trim().startsWith('[')) {
    try {
      spec = JSON.parse(value);
    } catch (error) {
      throw new NodeOperationError(node, `The Fields parameter is not JSON: ${(error as Error).message}`);
    }
  }
  try {
    return resolveFieldsSpec(spec);
  } catch (error) {
    throw new NodeOperationError(node, `Fields: ${describeError(error)}`);
  }
}

/**
 * Items out in input order; each gets `_cluster_id` (the record to keep), `_confidence`, `_decision`, `_survivor`
 * and `_evidence` (with `_evidence_note` when the data gave too little evidence to merge anything without review).
 */
export async function executeAll(this: IExecuteFunctions, _context: OperationContext): Promise<INodeExecutionData[]> {
  const items = this.getInputData();
  const idField = this.getNodeParameter('idField', 0) as string;
  const presetParam = this.getNodeParameter('preset', 0) as string;
  const country = (this.getNodeParameter('country', 0, '') as string).trim().toUpperCase();
  const records = items.map((item) => item.json);
  const fields = fieldsFromParameter(this.getNodeParameter('fields', 0, ''), this.getNode());
  const preset = presetParam === 'auto' ? choosePreset(Object.keys(records[0] ?? {}), new Set([idField])) : presetParam;
  const config = MatchConfigSchema.parse({
    idColumn: idField,
    ...(fields ? { fields } : { preset }),
    ...(country ? { defaultCountry: country } : {}),
  });
  const result = dedupe(records, config);
  const quarantined = new Map(result.quarantine.map((q) => [q.index, q.reason]));
  // The matcher trims IDs; the lookups below use the same form.
  const idOf = (json: IDataObject) => String(json[idField]).trim();
  const kept = items.flatMap((item, i) => (quarantined.has(i) ? [] : [{ item, i, id: idOf(item.json) }]));
  const byId = new Map(
    clusterAssignments(
      result,
      kept.map((k) => k.id),
    ).map((a) => [a.id, a]),
  );
  const onlyUnique = this.getNodeParameter('output', 0) === 'unique';
  const { evidence: level, evidenceNote } = result.stats;
  const evidence = level === 'sufficient' ? { _evidence: level } : { _evidence: level, _evidence_note: evidenceNote };
  const out: INodeExecutionData[] = [];
  items.forEach((item, i) => {
    const reason = quarantined.get(i);
    if (reason !== undefined) {
      // Not dropped: an item the matcher could not use comes out with the reason.
      out.push({ json: { ...item.json, _quarantined: reason } as IDataObject, pairedItem: { item: i } });
      return;
    }
    const a = byId.get(idOf(item.json))!;
    if (onlyUnique && !a.survivor) return;
    out.push({
      json: {
        ...item.json,
        _cluster_id: a.clusterId,
        _confidence: a.confidence,
        _decision: a.decision,
        _survivor: a.survivor,
        ...evidence,
      },
      pairedItem: { item: i },
    });
  });
  return out;
}
