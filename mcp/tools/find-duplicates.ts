import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { findDuplicates, FindDuplicatesInputSchema, FindDuplicatesResultSchema } from '../../core/matching';
import type { ToolContext } from '../server';
import { failure, success } from '../tool-result';

export function registerFindDuplicatesTool(server: McpServer, context: ToolContext): void {
  server.registerTool(
    'find_duplicates',
    {
      title: 'Find duplicate records',
      description:
        'Fuzzy-matches records that are the same person or company (nicknames like Bill/William, company suffixes, ' +
        'phone and email formats) and returns groups with the record to keep, a confidence 0-100 and per-field reasons. ' +
        'Give `records` inline, or the name of a reconciled `object` to search its legacy records. Weakest groups come first.',
      inputSchema: FindDuplicatesInputSchema,
      outputSchema: FindDuplicatesResultSchema,
      annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
    },
    async (input) => {
      try {
        const result = await findDuplicates(context.db, context.mapping, input);
        const text =
          `${result.groupsFound} group(s) of duplicates among ${result.stats.records} records` +
          (result.groups.length ? `; e.g. ${result.groups.slice(0, 3).map((g) => `${g.records.join(' = ')} (${Math.round(g.minConfidence)}%)`).join('; ')}` : '');
        return success(result, text);
      } catch (error) {
        return failure(error);
      }
    },
  );
}
