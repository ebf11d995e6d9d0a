import { NodeOperationError, type IExecuteFunctions, type INodeExecutionData } from 'n8n-workflow';
import { openDatabase } from '../../../core/db/database';
import { redactSecrets } from '../../../core/db/redact';
import { databaseOptions } from '../transport/database';
import * as lookup from './staging/lookup.operation';
import * as reconcile from './staging/reconcile.operation';

const operations = { reconcile, lookup } as const;

/** Opens the database once per execution, runs the operation for every item, and always closes it again. */
export async function router(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
  const operation = this.getNodeParameter('operation', 0) as keyof typeof operations;
  const handler = operations[operation];
  if (!handler) throw new NodeOperationError(this.getNode(), `Unknown operation "${operation}"`);
  const kind = this.getNodeParameter('database', 0) as 'embedded' | 'server';
  const credential = kind === 'server' ? await this.getCredentials('crmBridgePostgresApi') : undefined;
  const secrets = [credential?.password as string | undefined];
  let db;
  try {
    db = await openDatabase(databaseOptions(kind, this.getNodeParameter('dataFolder', 0, '') as string, credential));
  } catch (error) {
    throw new NodeOperationError(this.getNode(), redactSecrets((error as Error).message, secrets));
  }
  const out: INodeExecutionData[] = [];
  try {
    const items = this.getInputData();
    for (let i = 0; i < items.length; i++) {
      try {
        out.push(await handler.execute.call(this, db, i));
      } catch (error) {
        const message = redactSecrets((error as Error).message, secrets);
        if (this.continueOnFail()) {
          out.push({ json: { error: message }, pairedItem: { item: i } });
          continue;
        }
        throw new NodeOperationError(this.getNode(), message, { itemIndex: i });
      }
    }
  } finally {
    await db.close();
  }
  return [out];
}
