import type { FieldType, ILoadOptionsFunctions, ResourceMapperField, ResourceMapperFields } from 'n8n-workflow';
import type { FieldType as ConnectorFieldType } from '../../../core/connectors/connector';
import { PostgresMirrorConnector } from '../../../core/connectors/postgres/postgres-mirror';
import { openDatabase } from '../../../core/db/database';
import { redactSecrets } from '../../../core/db/redact';
import { databaseOptions } from '../transport/database';

const TYPES: Partial<Record<ConnectorFieldType, FieldType>> = {
  string: 'string',
  number: 'number',
  integer: 'number',
  boolean: 'boolean',
  date: 'dateTime',
  datetime: 'dateTime',
  enum: 'options',
};

/** The columns of the chosen mirror table, for n8n's field-mapping UI. Never throws: the UI shows the notice. */
export async function getMirrorColumns(this: ILoadOptionsFunctions): Promise<ResourceMapperFields> {
  let password: string | undefined;
  try {
    const kind = this.getNodeParameter('database', 'server') as 'embedded' | 'server';
    const credential = kind === 'server' ? await this.getCredentials('crmBridgePostgresApi') : undefined;
    password = credential?.password as string | undefined;
    const db = await openDatabase(databaseOptions(kind, this.getNodeParameter('dataFolder', '') as string, credential));
    try {
      const schema = this.getNodeParameter('targetSchema', 'hubspot') as string;
      const table = this.getNodeParameter('targetTable', '') as string;
      const described = await db.withConnection((sql) =>
        new PostgresMirrorConnector(sql, { schema, tables: { target: { table, idColumn: 'id' } } }).describe('target'),
      );
      const fields: ResourceMapperField[] = described.fields.map((f) => ({
        id: f.name,
        displayName: f.name,
        required: false,
        defaultMatch: false,
        canBeUsedToMatch: f.unique ?? false,
        display: true,
        type: TYPES[f.type] ?? 'string',
      }));
      return { fields };
    } finally {
      await db.close();
    }
  } catch (error) {
    return {
      fields: [],
      emptyFieldsNotice: `Cannot read the target table: ${redactSecrets((error as Error).message, [password])}`,
    };
  }
}
