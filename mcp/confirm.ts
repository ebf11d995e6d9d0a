import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { Extra } from './progress';

export type Answer = 'accept' | 'decline' | 'cancel';

/**
 * Whether the client can be asked: it declared `elicitation` when it connected. Over the stateless HTTP endpoint no
 * client has (each request is a server of its own, never initialized), since the answer to a question asked there
 * would arrive at another server; such clients, and stdio clients without elicitation, keep the flag-only rule.
 */
export const canAsk = (server: McpServer) => Boolean(server.server.getClientCapabilities()?.elicitation);

/**
 * Shows the plan of a write and asks the user to confirm it. Only `accept` with confirm ticked goes ahead: a form sent
 * back unticked is a no, as is closing the dialog.
 */
export async function askToConfirm(
  server: McpServer,
  extra: Extra,
  plan: string,
): Promise<{ confirmed: boolean; answer: Answer }> {
  const result = await server.server.elicitInput(
    {
      mode: 'form',
      message: `${plan}\n\nNothing has been written yet. Tick confirm to go ahead.`,
      requestedSchema: {
        type: 'object',
        properties: {
          confirm: { type: 'boolean', title: 'Confirm', description: 'Go ahead with these writes', default: false },
        },
        required: ['confirm'],
      },
    },
    { signal: extra.signal },
  );
  return { confirmed: result.action === 'accept' && result.content?.confirm === true, answer: result.action };
}

/** What a tool answers when the user did not confirm: an error result (not done), the plan as its structured part. */
export function notConfirmed(what: string, answer: Answer, plan: Record<string, unknown>): CallToolResult {
  const why =
    answer === 'accept'
      ? 'the user answered without ticking confirm'
      : answer === 'decline'
        ? 'the user declined'
        : 'the user dismissed the confirmation';
  return {
    isError: true,
    structuredContent: plan,
    content: [{ type: 'text', text: `${what} was not done: ${why}, so nothing was written.` }],
  };
}
