import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { resolveConflicts, ResolveInputSchema, ResolveResultSchema } from '../../core/conflicts';
import type { ToolContext } from '../context';
import { failure, success } from '../tool-result';

export function registerResolveConflictsTool(server: McpServer, _context: ToolContext): void {
  server.registerTool(
    'resolve_conflicts',
    {
      title: 'Preview a conflict resolution',
      description:
        'Merges the same record as held by several CRMs into one by rules (lastWriteWins, sourcePriority, mostComplete, ' +
        'union; per field or as the default; blanks never overwrite values unless a rule allows it) and returns the ' +
        'resolved record with per-field provenance: which source won, by which rule, and what it replaced. Preview only: ' +
        'nothing is written.',
      inputSchema: ResolveInputSchema,
      outputSchema: ResolveResultSchema,
      annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
    },
    async (input) => {
      try {
        const result = resolveConflicts(input.candidates, input.rules, { current: input.current });
        const text = Object.entries(result.provenance)
          .map(
            ([field, p]) =>
              `${field}: ${JSON.stringify(p.value)} from ${p.sources.join('+') || 'no source'} (${p.rule})`,
          )
          .join('; ');
        return success(result, text);
      } catch (error) {
        return failure(error);
      }
    },
  );
}
