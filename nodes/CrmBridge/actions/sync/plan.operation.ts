import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import type { OperationContext } from '../context';
import { executeSync } from './execute';

/** A dry run: reads and compares, writes nothing (not even cursors), and says what a run would do record by record. */
export async function executeAll(this: IExecuteFunctions, context: OperationContext): Promise<INodeExecutionData[]> {
  return executeSync.call(this, context, true);
}
