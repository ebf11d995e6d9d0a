import type { Database } from '../core/db/database';
import type { LoadedMapping } from '../core/mapping/load-mapping';

/** What every tool is given by the server that registers it. */
export interface ToolContext {
  /** The database, opened on first use. */
  db(): Promise<Database>;
  mapping: LoadedMapping;
  /** Folders the tools may read files from. */
  allowedRoots: string[];
  /** Whether tools that write to a CRM (or to what those act on) may run. */
  allowWrites: boolean;
}
