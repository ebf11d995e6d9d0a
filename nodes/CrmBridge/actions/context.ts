import type { Database } from '../../../core/db/database';

/** What an operation gets besides n8n's functions: the database, opened on first use only. */
export interface OperationContext {
  db(): Promise<Database>;
}
