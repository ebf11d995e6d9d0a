import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { suggestFieldMappings, SuggestRequestSchema, SuggestResultSchema } from '../../core/mapping/suggest';
import type { ToolContext } from '../context';
import { failure, success } from '../tool-result';
import { exportInsideRoots } from '../allowed-paths';

export function registerSuggestTool(server: McpServer, context: ToolContext): void {
  server.registerTool(
    'suggest_field_mappings',
    {
      title: 'Suggest field mappings',
      description:
        'Suggests which target field each source field maps to (one-to-one), with a confidence 0-100 and the reasons ' +
        '(name and synonyms such as Company ~ Account, types, option lists, sample values). Give two schemas inline (a ' +
        'describe_schema result of any CRM, Dynamics 365 included, can be passed as it is), or a legacy export ' +
        'table (legacyPath + legacyTable) and a CRM mirror table (targetTable) to read. "no match" is an honest answer.',
      inputSchema: SuggestRequestSchema,
      outputSchema: SuggestResultSchema,
      annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
    },
    async (input) => {
      try {
        const request = input.legacyPath
          ? { ...input, legacyPath: exportInsideRoots(input.legacyPath, input.legacyTable, context.allowedRoots) }
          : input;
        const result = await suggestFieldMappings(context.db, request);
        const mapped = result.suggestions.filter((s) => s.target);
        const text =
          `${mapped.length} of ${result.suggestions.length} ${result.sourceObject} fields mapped to ${result.targetObject}: ` +
          mapped.map((s) => `${s.source} -> ${s.target} (${s.confidence})`).join(', ');
        return success(result, text);
      } catch (error) {
        return failure(error);
      }
    },
  );
}
