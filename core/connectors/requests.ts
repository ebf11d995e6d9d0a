import { z } from 'zod';
import type { Connector } from './connector';
import { cursorOf } from './cursor';

/**
 * Inputs and outputs of "describe a CRM object" and "read a page of records", shared by the n8n node, the MCP tools
 * and the CLI so the three agree on names, bounds and the cursor format.
 */

/** A CRM name; unknown names are refused by `openConnector` with the list of known ones. */
export const CrmNameSchema = z
  .string()
  .trim()
  .toLowerCase()
  .min(1, 'name the CRM: salesforce, hubspot, pipedrive or dynamics')
  .describe('The CRM: salesforce, hubspot, pipedrive or dynamics (any case)');

export const CrmObjectSchema = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[A-Za-z0-9_]+$/, 'an object name is letters, digits and underscores (e.g. Account, Loan__c, companies)')
  .describe(
    'Object (Salesforce sObject such as Account or Loan__c; HubSpot object such as companies or contacts; Pipedrive persons, organizations, deals or activities; Dynamics table such as account or contact)',
  );

export const DescribeSchemaInputSchema = z.object({ crm: CrmNameSchema, object: CrmObjectSchema });
export type DescribeSchemaInput = z.infer<typeof DescribeSchemaInputSchema>;

export const FieldSchemaSchema = z.object({
  name: z.string(),
  label: z.string().optional(),
  type: z.enum(['string', 'number', 'integer', 'boolean', 'date', 'datetime', 'enum', 'unknown']),
  required: z.boolean().optional(),
  unique: z.boolean().optional(),
  options: z.array(z.string()).optional(),
  sample: z.array(z.string()).optional(),
  format: z.enum(['email', 'phone', 'url', 'domain', 'currency', 'percent', 'reference', 'textarea']).optional(),
  readOnly: z.boolean().optional(),
  multiValue: z.boolean().optional(),
  description: z.string().optional(),
});

export const DescribeSchemaResultSchema = z.object({
  crm: z.string(),
  object: z.string(),
  idField: z.string(),
  fieldCount: z.number().int(),
  fields: z.array(FieldSchemaSchema),
});
export type DescribeSchemaResult = z.infer<typeof DescribeSchemaResultSchema>;

export const MAX_QUERY_LIMIT = 500;

export const QueryRecordsInputSchema = z.object({
  crm: CrmNameSchema,
  object: CrmObjectSchema,
  properties: z.array(z.string().min(1)).max(200).optional().describe('Properties to return (default: all)'),
  limit: z
    .number()
    .int()
    .min(1)
    .max(MAX_QUERY_LIMIT)
    .default(100)
    .describe(`Records per page, at most ${MAX_QUERY_LIMIT}`),
  cursor: z
    .string()
    .min(1)
    .optional()
    .describe(
      'Continue after this cursor: `nextCursor` of the previous page, or an ISO time to read records changed after it',
    ),
});
export type QueryRecordsInput = z.input<typeof QueryRecordsInputSchema>;

export const RecordOutSchema = z.object({
  id: z.string(),
  modifiedAt: z.string().optional(),
  properties: z.record(z.string(), z.string().nullable()),
});

export const QueryRecordsResultSchema = z.object({
  crm: z.string(),
  object: z.string(),
  count: z.number().int(),
  records: z.array(RecordOutSchema),
  /** Present when more records follow: pass it back as `cursor`. */
  nextCursor: z.string().nullable(),
  /** Records (or parts) the connector could not read on this page. */
  rejected: z.number().int(),
});
export type QueryRecordsResult = z.infer<typeof QueryRecordsResultSchema>;

/** Reading "since the beginning" orders by modification time, so a page's last record is a cursor for the next. */
const BEGINNING = '1970-01-01T00:00:00.000Z';

export async function describeSchema(connector: Connector, input: DescribeSchemaInput): Promise<DescribeSchemaResult> {
  const schema = await connector.describe(input.object);
  // Only the documented field attributes: connectors may carry more (system-specific) ones internally.
  const fields = schema.fields.map((f) => FieldSchemaSchema.parse(f));
  return { crm: connector.system, object: schema.object, idField: schema.idField, fieldCount: fields.length, fields };
}

/** One bounded page of records, oldest change first; `nextCursor` continues after its last record. */
export async function queryRecords(
  connector: Connector,
  input: { crm: string; object: string; properties?: string[]; limit: number; cursor?: string; signal?: AbortSignal },
): Promise<QueryRecordsResult> {
  const records: QueryRecordsResult['records'] = [];
  let rejected = 0;
  let more = false;
  const properties = input.properties?.length ? input.properties : undefined;
  for await (const item of connector.read(input.object, {
    since: input.cursor ?? BEGINNING,
    properties,
    signal: input.signal,
  })) {
    if (item.type === 'rejected') {
      rejected++;
      continue;
    }
    if (records.length === input.limit) {
      more = true;
      break;
    }
    const { id, modifiedAt, properties: values } = item.record;
    records.push({ id, ...(modifiedAt ? { modifiedAt } : {}), properties: values });
  }
  const last = records[records.length - 1];
  return {
    crm: connector.system,
    object: input.object,
    count: records.length,
    records,
    nextCursor: more && last ? cursorOf(last) : null,
    rejected,
  };
}
