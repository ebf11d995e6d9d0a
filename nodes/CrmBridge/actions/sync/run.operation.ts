import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import type { OperationContext } from '../context';
import { executeSync } from './execute';

export { description } from './parameters';

/** Reads what changed since each stream's cursor and writes it to the target; cursors advance per committed batch. */
export async function executeAll(this: IExecuteFunctions, context: OperationContext): Promise<INodeExecutionData[]> {
  return executeSync.call(this, context, false);
}
