import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { findDuplicates, FindDuplicatesInputSchema, FindDuplicatesResultSchema } from '../../core/matching';
import type { ToolContext } from '../context';
import { progressOf } from '../progress';
import { failure, success } from '../tool-result';

export function registerFindDuplicatesTool(server: McpServer, context: ToolContext): void {
  server.registerTool(
    'find_duplicates',
    {
      title: 'Find duplicate records',
      description:
        'Fuzzy-matches records that are the same person or company (nicknames like Bill/William, company suffixes, ' +
        'phone and email formats) and returns groups with the record to keep, a confidence 0-100 and per-field reasons. ' +
        'Give `records` inline, or the name of a reconciled `object` to search its legacy records; `fields` names the columns ' +
        'to compare when the preset does not know them. Weakest groups come first. Only groups whose records agree on an ' +
        'identifying value (e-mail, phone, birth date, ID, or name at one address) are auto-merge, and none when ' +
        '`stats.evidence` is insufficient (the data did not show what its duplicates look like).',
      inputSchema: FindDuplicatesInputSchema,
      outputSchema: FindDuplicatesResultSchema,
      annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
    },
    async (input, extra) => {
      try {
        const progress = progressOf(extra);
        const result = await findDuplicates(context.db, context.mapping, input, {
          signal: extra.signal,
          onRecords: (n) => progress.report('records', n, `${n} records read, matching`),
        });
        const { stats } = result;
        const autoMerge = result.groups.filter((g) => g.decision === 'auto-merge').length;
        const text =
          `${result.groupsFound} group(s) of possible duplicates among ${stats.records} records, ${autoMerge} of those returned auto-merge` +
          (result.groups.length
            ? `; e.g. ${result.groups
                .slice(0, 3)
                .map((g) => `${g.records.join(' = ')} (${Math.round(g.minConfidence)}%, ${g.decision})`)
                .join('; ')}`
            : '') +
          `. Evidence ${stats.evidence}: ${stats.evidenceNote}.` +
          (stats.quarantined ? ` ${stats.quarantined} record(s) set aside (see quarantine).` : '');
        return success(result, text);
      } catch (error) {
        return failure(error);
      }
    },
  );
}
