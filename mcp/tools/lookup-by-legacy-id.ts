import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { lookupByLegacyId, LookupInputSchema, LookupResultSchema, notFoundMessage } from '../../core/reconcile/lookup';
import type { ToolContext } from '../context';
import { failure, success } from '../tool-result';

export function registerLookupTool(server: McpServer, context: ToolContext): void {
  server.registerTool(
    'lookup_by_legacy_id',
    {
      title: 'Look up a record by its legacy ID',
      description:
        'Finds the target CRM (HubSpot) record for a legacy CRM ID from the last reconciliation: its status ' +
        '(matched, fuzzy_match, new, conflict, orphan, unreadable_in_export; a fuzzy_match has no legacy ID on the target and comes with its confidence and per-field reasons; ' +
        'unreadable_in_export means the export has the ID only in rows that could not be read, named in quarantine), the target record ID(s) and live properties, the properties still to update, ' +
        'and any quarantine entries. Run `reconcile` first for the object.',
      inputSchema: LookupInputSchema,
      outputSchema: LookupResultSchema,
      annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
    },
    async (input) => {
      try {
        const result = await lookupByLegacyId(await context.db(), context.mapping, input);
        const updates = Object.keys(result.propertiesToUpdate ?? {});
        if (!result.found) {
          // Not found is an answer, but not the one asked for: the same verdict as the CLI's (ok: false, input).
          const text = `input error: ${notFoundMessage(result)}. ${result.notes.join(' ')}`.trim();
          return { isError: true, structuredContent: result, content: [{ type: 'text', text }] };
        }
        const text =
          `${result.object} ${result.legacyId}: ${result.status}${result.targetId ? ` -> ${result.targetId}` : ''}` +
          (result.status === 'matched'
            ? `; ${updates.length ? `pending updates: ${updates.join(', ')}` : 'no pending updates'}`
            : '') +
          (result.status === 'fuzzy_match'
            ? ` (confidence ${result.matchConfidence}; ${result.fuzzyReasons.join(', ')})`
            : '') +
          (result.status === 'unreadable_in_export' ? `; ${result.notes.join('; ')}` : '');
        return success(result, text);
      } catch (error) {
        return failure(error);
      }
    },
  );
}
