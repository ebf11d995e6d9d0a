import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import type { ObjectSchema } from '../../../../core/connectors/connector';
import { PostgresMirrorConnector } from '../../../../core/connectors/postgres/postgres-mirror';
import { sampleRecords, suggestMappings, type SuggestResult } from '../../../../core/mapping/suggest';
import type { OperationContext } from '../context';

const show = { resource: ['mapping'], operation: ['map'] };
const SAMPLE = 50;

export const description: INodeProperties[] = [
  {
    displayName: 'Target Schema',
    name: 'targetSchema',
    type: 'string',
    default: 'hubspot',
    description: 'Postgres schema of the CRM mirror',
    displayOptions: { show },
  },
  {
    displayName: 'Target Table',
    name: 'targetTable',
    type: 'string',
    default: 'companies',
    required: true,
    description: 'Table of the CRM mirror whose columns the items are mapped to',
    displayOptions: { show },
  },
  {
    displayName: 'Columns',
    name: 'columns',
    type: 'resourceMapper',
    noDataExpression: true,
    default: { mappingMode: 'autoMapInputData', value: null },
    required: true,
    typeOptions: {
      loadOptionsDependsOn: ['targetSchema', 'targetTable', 'database', 'dataFolder'],
      resourceMapper: {
        resourceMapperMethod: 'getMirrorColumns',
        mode: 'map',
        fieldWords: { singular: 'property', plural: 'properties' },
        addAllFields: true,
        multiKeyMatch: false,
        supportAutoMap: true,
      },
    },
    description:
      "Automatic mapping uses CRM Bridge's suggestions (names, synonyms such as Company ~ Account, types, sample values), not only equal names",
    displayOptions: { show },
  },
  {
    displayName: 'Include Mapping Report',
    name: 'includeReport',
    type: 'boolean',
    default: false,
    description: "Whether to add `_mapping` (each field's target, confidence and reasons) to every item",
    displayOptions: { show },
  },
];

/** The input items as a schema with sample values, so suggestions can judge values as well as names. */
function inputSchema(items: INodeExecutionData[]): {
  schema: ObjectSchema;
  samples: Array<Record<string, string | null>>;
} {
  const names = new Set<string>();
  const samples = items.slice(0, SAMPLE).map((item) => {
    const row: Record<string, string | null> = {};
    for (const [k, v] of Object.entries(item.json)) {
      names.add(k);
      row[k] = v === null || v === undefined ? null : typeof v === 'object' ? JSON.stringify(v) : String(v);
    }
    return row;
  });
  return {
    schema: { object: 'input', idField: '', fields: [...names].map((name) => ({ name, type: 'string' })) },
    samples,
  };
}

export async function executeAll(this: IExecuteFunctions, context: OperationContext): Promise<INodeExecutionData[]> {
  const items = this.getInputData();
  const mode = this.getNodeParameter('columns.mappingMode', 0) as string;
  const includeReport = this.getNodeParameter('includeReport', 0, false) as boolean;
  if (mode === 'defineBelow') {
    return items.map((_, i) => ({
      json: (this.getNodeParameter('columns.value', i, {}) ?? {}) as IDataObject,
      pairedItem: { item: i },
    }));
  }
  const db = await context.db();
  const schemaName = this.getNodeParameter('targetSchema', 0) as string;
  const table = this.getNodeParameter('targetTable', 0) as string;
  const { target, targetSamples } = await db.withConnection(async (sql) => {
    const probe = new PostgresMirrorConnector(sql, { schema: schemaName, tables: { target: { table, idColumn: '' } } });
    const described = await probe.describe('target');
    // Samples are read in key order: any unique column serves, else the first one.
    const key = (described.fields.find((f) => f.unique) ?? described.fields[0])!.name;
    const mirror = new PostgresMirrorConnector(sql, {
      schema: schemaName,
      tables: { target: { table, idColumn: key } },
    });
    return { target: { ...described, idField: '' }, targetSamples: await sampleRecords(mirror, 'target', SAMPLE) };
  });
  const source = inputSchema(items);
  const result: SuggestResult = suggestMappings(source.schema, target, {
    source: source.samples,
    target: targetSamples,
  });
  const chosen = result.suggestions.filter((s) => s.target !== null);
  const report = result.suggestions.map((s) => ({
    source: s.source,
    target: s.target,
    confidence: s.confidence,
    reasons: s.reasons,
  }));
  return items.map((item, i) => {
    const json: IDataObject = {};
    for (const s of chosen) if (s.source in item.json) json[s.target!] = item.json[s.source];
    if (includeReport) json._mapping = report;
    return { json, pairedItem: { item: i } };
  });
}
