import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { openDatabase, type Database, type DatabaseOptions } from '../core/db/database';
import type { LoadedMapping } from '../core/mapping/load-mapping';
import { VERSION } from '../core/version';
import { registerLookupTool } from './tools/lookup-by-legacy-id';
import { registerReconcileTool } from './tools/reconcile';
import { registerStatusTool } from './tools/reconciliation-status';
import { registerResolveConflictsTool } from './tools/resolve-conflicts';
import { registerSuggestTool } from './tools/suggest-field-mappings';
import { registerFindDuplicatesTool } from './tools/find-duplicates';
import { registerDescribeSchemaTool } from './tools/describe-schema';
import { registerQueryRecordsTool } from './tools/query-records';
import { registerSyncTools } from './tools/sync';
import { realRoots } from './allowed-paths';
import { registerReviewApplyTools } from './tools/review-apply';
import { registerMirrorTool } from './tools/mirror';
import { registerResources } from './resources';
import { registerPrompts } from './prompts';
import { STARTED_WITHOUT_WRITES, type ToolContext, type WritesOff } from './context';

export interface ServerOptions {
  database: DatabaseOptions;
  /** An open database to use instead of opening `database` (HTTP: one pool for every request); left open on close. */
  db?: Database;
  mapping: LoadedMapping;
  /** Folders the tools may read files from (links followed); a model must not be able to read arbitrary files through them. */
  allowedRoots: string[];
  /** Whether tools that write to a CRM (apply_sync, apply_staging), or what those act on (decisions, the mirror), may run; off unless the operator says so. */
  allowWrites?: boolean;
  /** Why writes are off when they are (default: the server was started without --allow-writes). */
  writesOff?: WritesOff;
}

/** Builds the MCP server (tools, resources, prompts); the transport (stdio or HTTP) is attached by the caller. */
export function buildServer(options: ServerOptions): { server: McpServer; close(): Promise<void> } {
  const server = new McpServer({ name: 'crm-bridge', version: VERSION });
  // Opened on first use: a client that only lists tools should not start a database.
  let database: Promise<Database> | undefined = options.db ? Promise.resolve(options.db) : undefined;
  const context: ToolContext = {
    db: () => (database ??= openDatabase(options.database)),
    mapping: options.mapping,
    allowedRoots: realRoots(options.allowedRoots),
    allowWrites: options.allowWrites ?? false,
    writesOff: options.writesOff ?? STARTED_WITHOUT_WRITES,
  };
  registerLookupTool(server, context);
  registerReconcileTool(server, context);
  registerStatusTool(server, context);
  registerSuggestTool(server, context);
  registerResolveConflictsTool(server, context);
  registerFindDuplicatesTool(server, context);
  // Live CRMs, connected from the environment (SALESFORCE_*, HUBSPOT_*), on each call.
  registerDescribeSchemaTool(server);
  registerQueryRecordsTool(server);
  registerSyncTools(server, context);
  registerReviewApplyTools(server, context);
  registerMirrorTool(server, context);
  registerResources(server, context);
  registerPrompts(server, context);
  return {
    server,
    async close() {
      await server.close();
      if (database && !options.db) await (await database).close();
    },
  };
}
