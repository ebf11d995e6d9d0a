import type { GetPromptResult } from '@modelcontextprotocol/sdk/types.js';
import { completable } from '@modelcontextprotocol/sdk/server/completable.js';
import { ObjectNameInputSchema } from '../../core/mapping/mapping-config';
import type { ToolContext } from '../context';
import { completeFrom } from '../resources/json';

/** A prompt is one user message: the model reads it as the task, with the tools and resources named. */
export function userMessage(description: string, lines: string[]): GetPromptResult {
  return { description, messages: [{ role: 'user', content: { type: 'text', text: lines.join('\n') } }] };
}

/** An object of the mapping, case-insensitive, with completion from the mapping's names. */
export function objectArgument(context: ToolContext, what: string) {
  return completable(ObjectNameInputSchema.describe(what), (typed) =>
    completeFrom(Object.keys(context.mapping.config.objects), typed ?? ''),
  );
}

/** Refused before any text is made: the model is told the names it can use. */
export function requireMappedObject(context: ToolContext, object: string): void {
  const names = Object.keys(context.mapping.config.objects);
  if (!names.includes(object))
    throw new Error(`Object "${object}" is not in the mapping (it has: ${names.join(', ')})`);
}
