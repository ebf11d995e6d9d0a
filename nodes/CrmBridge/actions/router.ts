import { NodeOperationError, type IExecuteFunctions, type INodeExecutionData } from 'n8n-workflow';
import { openDatabase, type Database } from '../../../core/db/database';
import { redactSecrets } from '../../../core/db/redact';
import { toNodeError } from '../../shared/nodeError';
import { databaseOptions } from '../transport/database';
import * as resolve from './conflicts/resolve.operation';
import * as describeSchema from './crm/describe.operation';
import * as read from './crm/read.operation';
import * as upsert from './crm/upsert.operation';
import * as map from './mapping/map.operation';
import * as deduplicate from './matching/deduplicate.operation';
import * as refresh from './mirror/refresh.operation';
import type { OperationContext } from './context';
import * as lookup from './staging/lookup.operation';
import * as plan from './sync/plan.operation';
import * as run from './sync/run.operation';
import * as reconcile from './staging/reconcile.operation';
import * as review from './staging/review.operation';
import { apply, planApply } from './staging/apply.operation';

/** Per-item operations run once per input item; whole-input operations see every item at once. */
const perItem = { reconcile, lookup } as const;
const wholeInput = {
  resolve,
  map,
  deduplicate,
  describeSchema,
  read,
  upsert,
  run,
  plan,
  review,
  planApply,
  apply,
  refresh,
} as const;

export async function router(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
  const operation = this.getNodeParameter('operation', 0) as string;
  let db: Promise<Database> | undefined;
  let secrets: Array<string | undefined> = [];
  const context: OperationContext = {
    db: () =>
      (db ??= (async () => {
        const kind = this.getNodeParameter('database', 0) as 'embedded' | 'server';
        const credential = kind === 'server' ? await this.getCredentials('crmBridgePostgresApi') : undefined;
        secrets = [credential?.password as string | undefined];
        try {
          return await openDatabase(
            databaseOptions(kind, this.getNodeParameter('dataFolder', 0, '') as string, credential),
          );
        } catch (error) {
          throw new NodeOperationError(this.getNode(), redactSecrets((error as Error).message, secrets));
        }
      })()),
  };
  try {
    if (operation in wholeInput)
      return [await wholeInput[operation as keyof typeof wholeInput].executeAll.call(this, context)];
    const handler = perItem[operation as keyof typeof perItem];
    if (!handler) throw new NodeOperationError(this.getNode(), `Unknown operation "${operation}"`);
    const out: INodeExecutionData[] = [];
    const items = this.getInputData();
    for (let i = 0; i < items.length; i++) {
      try {
        out.push(await handler.execute.call(this, context, i));
      } catch (error) {
        const failure = toNodeError(this.getNode(), error, secrets, i);
        // A NodeOperationError stops the run even with "Continue On Fail": it is about the node, not the item.
        if (error instanceof NodeOperationError || !this.continueOnFail()) throw failure;
        out.push({ json: { error: failure.message }, pairedItem: { item: i } });
      }
    }
    return [out];
  } finally {
    if (db) await (await db.catch(() => undefined))?.close();
  }
}
