import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { loadConnections, openConnector } from '../../core/connectors/registry';
import {
  MAX_QUERY_LIMIT,
  queryRecords,
  QueryRecordsInputSchema,
  QueryRecordsResultSchema,
} from '../../core/connectors/requests';
import { failure, success } from '../tool-result';
import { CONNECTION_ENV_HELP } from './describe-schema';

export function registerQueryRecordsTool(server: McpServer): void {
  server.registerTool(
    'query_records',
    {
      title: 'Read records from a CRM',
      description:
        'Reads one page of records of an object from a live CRM (salesforce, hubspot, pipedrive or dynamics), oldest change first, with their ID, ' +
        `modification time and properties. At most ${MAX_QUERY_LIMIT} records per call (\`limit\`, default 100); when more ` +
        'follow, `nextCursor` is set: pass it as `cursor` to continue. `cursor` can also be an ISO time to read only ' +
        `records changed after it. Read-only. ${CONNECTION_ENV_HELP}`,
      inputSchema: QueryRecordsInputSchema,
      outputSchema: QueryRecordsResultSchema,
      annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: true },
    },
    async (input, extra) => {
      try {
        const connector = await openConnector(input.crm, loadConnections(undefined, process.env));
        const result = await queryRecords(connector, { ...input, signal: extra.signal });
        return success(
          result,
          `${result.count} ${result.object} record(s) from ${result.crm}${result.nextCursor ? `; more follow, continue with cursor ${result.nextCursor}` : '; no more records'}`,
        );
      } catch (error) {
        return failure(error);
      }
    },
  );
}
