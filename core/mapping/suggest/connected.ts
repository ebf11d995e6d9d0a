import { z } from 'zod';
import type { Connector, ObjectSchema } from '../../connectors/connector';
import { CsvExportConnector } from '../../connectors/csv/csv-export';
import { inspectCsv } from '../../connectors/csv/csv-reader';
import { PostgresMirrorConnector } from '../../connectors/postgres/postgres-mirror';
import type { Database } from '../../db/database';
import { ObjectSchemaSchema, SuggestOptionsSchema, SuggestSamplesSchema, type SuggestResult } from './schemas';
import { suggestMappings } from './suggest';

/** Suggest a mapping between a table of a legacy export and a table of the CRM mirror, both read live. */
export const ConnectedSuggestInputSchema = z
  .object({
    legacyPath: z.string().min(1).describe('Folder of the legacy export, or one CSV file'),
    legacyTable: z.string().min(1).describe('Export table, e.g. Company (read from Company.csv)'),
    legacyIdColumn: z.string().min(1).optional().describe('ID column of the export table (default: its first column)'),
    targetTable: z.string().min(1).describe('Table of the CRM mirror, e.g. companies'),
    targetSchema: z.string().min(1).default('hubspot').describe('Postgres schema of the CRM mirror'),
    targetIdColumn: z.string().min(1).default('hs_object_id'),
    options: SuggestOptionsSchema.optional(),
  })
  .strict();
export type ConnectedSuggestInput = z.input<typeof ConnectedSuggestInputSchema>;

const SAMPLE_SIZE = 50;

/** The first records of an object, whose values let suggestions judge fields by content as well as by name. */
export async function sampleRecords(
  connector: Connector,
  object: string,
  size = SAMPLE_SIZE,
): Promise<Array<Record<string, string | null>>> {
  const out: Array<Record<string, string | null>> = [];
  for await (const item of connector.read(object)) {
    if (item.type === 'record') out.push(item.record.properties);
    if (out.length >= size) break;
  }
  return out;
}

/** The ID column is joined on, not mapped: it leaves the source schema before suggesting. */
function withoutField(schema: ObjectSchema, name: string): ObjectSchema {
  return { ...schema, fields: schema.fields.filter((f) => f.name !== name) };
}

export async function suggestForConnectedObjects(db: Database, input: ConnectedSuggestInput): Promise<SuggestResult> {
  const i = ConnectedSuggestInputSchema.parse(input);
  // Without a named ID column the export's first column is taken, as legacy exports put the key first.
  const file = new CsvExportConnector(i.legacyPath, {
    legacy: { file: i.legacyTable, idColumn: i.legacyIdColumn ?? '' },
  }).fileOf('legacy');
  const idColumn = i.legacyIdColumn ?? (await inspectCsv(file, { idColumn: '' })).header[0]!;
  const legacy = new CsvExportConnector(
    i.legacyPath,
    { legacy: { file: i.legacyTable, idColumn } },
    { rejectDuplicateIds: false },
  );
  const source = withoutField(await legacy.describe('legacy'), idColumn);
  const sourceSamples = await sampleRecords(legacy, 'legacy');
  return db.withConnection(async (sql) => {
    const mirror = new PostgresMirrorConnector(sql, {
      schema: i.targetSchema,
      tables: { target: { table: i.targetTable, idColumn: i.targetIdColumn } },
    });
    const target = await mirror.describe('target');
    const targetSamples = await sampleRecords(mirror, 'target');
    return suggestMappings(
      { ...source, object: i.legacyTable },
      { ...target, object: i.targetTable },
      { source: sourceSamples, target: targetSamples },
      i.options,
    );
  });
}

/**
 * One request shape for every surface: two schemas given inline, or a legacy export table and a mirror table to
 * read. (MCP tool inputs must be objects, so the two forms are optional fields checked here rather than a union.)
 */
export const SuggestRequestSchema = z
  .object({
    source: ObjectSchemaSchema.optional().describe(
      'Source object schema: { object, idField, fields: [{ name, type, label?, sample? }] }',
    ),
    target: ObjectSchemaSchema.optional().describe('Target object schema'),
    samples: SuggestSamplesSchema.optional(),
    legacyPath: z.string().min(1).optional().describe('Or: folder of a legacy export, or one CSV file'),
    legacyTable: z.string().min(1).optional().describe('Export table, e.g. Company'),
    legacyIdColumn: z.string().min(1).optional(),
    targetTable: z.string().min(1).optional().describe('Table of the CRM mirror, e.g. companies'),
    targetSchema: z.string().min(1).optional().describe('Postgres schema of the CRM mirror (default hubspot)'),
    options: SuggestOptionsSchema.optional(),
  })
  .strict()
  .superRefine((r, ctx) => {
    const inline = r.source !== undefined || r.target !== undefined;
    const connected = r.legacyPath !== undefined || r.legacyTable !== undefined || r.targetTable !== undefined;
    if (inline === connected) {
      ctx.addIssue({
        code: 'custom',
        message: 'give either `source` and `target` schemas, or `legacyPath`, `legacyTable` and `targetTable`',
      });
    } else if (inline && (!r.source || !r.target)) {
      ctx.addIssue({ code: 'custom', path: [r.source ? 'target' : 'source'], message: 'both schemas are needed' });
    } else if (connected) {
      for (const key of ['legacyPath', 'legacyTable', 'targetTable'] as const) {
        if (!r[key]) ctx.addIssue({ code: 'custom', path: [key], message: `${key} is needed to read the tables` });
      }
    }
  });
export type SuggestRequest = z.input<typeof SuggestRequestSchema>;

export async function suggestFieldMappings(
  db: () => Promise<Database>,
  request: SuggestRequest,
): Promise<SuggestResult> {
  const r = SuggestRequestSchema.parse(request);
  if (r.source && r.target) return suggestMappings(r.source, r.target, r.samples, r.options);
  return suggestForConnectedObjects(await db(), {
    legacyPath: r.legacyPath!,
    legacyTable: r.legacyTable!,
    legacyIdColumn: r.legacyIdColumn,
    targetTable: r.targetTable!,
    targetSchema: r.targetSchema,
    options: r.options,
  });
}
