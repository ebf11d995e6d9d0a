import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { classifyError, describeError } from '../core/errors';

/** Success: the structured result plus a one-line text for clients that only show text. */
export function success<T extends Record<string, unknown>>(structuredContent: T, text: string): CallToolResult {
  return { structuredContent, content: [{ type: 'text', text }] };
}

/** A domain failure the model can act on (fix the path, pick another object), not a protocol error. */
export function failure(error: unknown): CallToolResult {
  const message = describeError(error);
  return { isError: true, content: [{ type: 'text', text: `${classifyError(error)} error: ${message}` }] };
}
