import { ErrorCode, type ReadResourceResult } from '@modelcontextprotocol/sdk/types.js';
import { describeError } from '../../core/errors';

/** The JSON-RPC code the MCP specification gives a resource that does not exist. */
export const RESOURCE_NOT_FOUND = -32002;

/** One JSON document as a resource's contents. */
export function jsonContents(uri: URL, value: unknown): ReadResourceResult {
  return { contents: [{ uri: uri.href, mimeType: 'application/json', text: JSON.stringify(value, null, 2) }] };
}

/** A template variable as given in the URI, percent-decoding undone (an ID may hold `/` or spaces). */
export function variable(value: string | string[] | undefined): string {
  const raw = Array.isArray(value) ? value.join(',') : (value ?? '');
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

/**
 * A protocol error with the given code. Not an McpError: its message already carries "MCP error <code>:", which the
 * client would then repeat.
 */
export function protocolError(code: number, message: string): Error {
  return Object.assign(new Error(message), { code });
}

/** A read that failed on its input (unknown object, bad ID) says why, as a protocol error the client shows. */
export async function readOr(uri: URL, read: () => Promise<unknown>): Promise<ReadResourceResult> {
  try {
    return jsonContents(uri, await read());
  } catch (error) {
    if (typeof (error as { code?: unknown }).code === 'number') throw error;
    throw protocolError(ErrorCode.InvalidParams, `${uri.href}: ${describeError(error)}`);
  }
}

/** Object names of the mapping that start with what the client typed so far (case-insensitive). */
export const completeFrom = (names: string[], typed: string) =>
  names.filter((n) => n.startsWith(typed.trim().toLowerCase()));
