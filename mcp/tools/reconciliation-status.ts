import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { reconciliationStatus, StatusInputSchema, StatusResultSchema } from '../../core/reconcile/status';
import type { ToolContext } from '../context';
import { failure, success } from '../tool-result';

export function registerStatusTool(server: McpServer, context: ToolContext): void {
  server.registerTool(
    'reconciliation_status',
    {
      title: 'Recent reconciliation runs',
      description:
        'Lists the most recent reconciliation runs (newest first) with their status and counts, optionally for one object. ' +
        'A run still marked running whose process is gone is marked abandoned on the way (and its scratch rows freed).',
      inputSchema: StatusInputSchema,
      outputSchema: StatusResultSchema,
      // Not read-only: runs of dead processes are closed as abandoned, as the next reconcile would.
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    },
    async (input) => {
      try {
        const result = await reconciliationStatus(await context.db(), input);
        const text = result.runs.length
          ? result.runs
              .map(
                (r) =>
                  `${r.startedAt} ${r.object} ${r.status}: ${r.matched} matched, ${r.fuzzyMatch} fuzzy match, ${r.new} new, ${r.conflict} conflict, ${r.orphan} orphan, ${r.unreadableInExport} unreadable in export${r.error ? ` (${r.error})` : ''}`,
              )
              .join('\n')
          : 'no reconciliation has run yet';
        return success(result, text);
      } catch (error) {
        return failure(error);
      }
    },
  );
}
