import { randomUUID } from 'node:crypto';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import {
  CancelledNotificationSchema,
  isJSONRPCNotification,
  isJSONRPCRequest,
  type JSONRPCMessage,
} from '@modelcontextprotocol/sdk/types.js';

/** The header a Streamable HTTP client repeats on every request once an initialize answer carried it. */
export const CLIENT_HEADER = 'mcp-session-id';

const messagesOf = (body: unknown): unknown[] => [body].flat();

/**
 * `notifications/cancelled` over the stateless endpoint. A client cancels with a POST of its own, which a stateless
 * server receives apart from the request it names, and JSON-RPC IDs are only unique per client. So the initialize
 * answer gives the client an ID of its own (in `Mcp-Session-Id`, which clients repeat on every request); requests
 * running in this process are kept by that ID and their JSON-RPC ID while they run, and a cancellation is handed to
 * the one it names. Nothing else is kept for the ID, so any process still serves any request; a cancellation that
 * lands on another process than its request is ignored, as the specification allows (cancellation is best effort),
 * and closing the response stream stops the call wherever it runs.
 */
export function httpCancellations() {
  const running = new Map<string, Transport>();
  const key = (client: string, id: string | number) => `${client}\n${typeof id}:${id}`;

  return {
    /** An ID for a client whose POST is an initialize request, to send back in `Mcp-Session-Id`. */
    idFor(body: unknown): string | undefined {
      return messagesOf(body).some((m) => isJSONRPCRequest(m) && m.method === 'initialize') ? randomUUID() : undefined;
    },

    /** Keeps the requests of `body` reachable by a cancellation while they run; the returned function forgets them. */
    track(client: string | undefined, body: unknown, transport: Transport): () => void {
      if (!client) return () => undefined;
      const keys = messagesOf(body)
        .filter(isJSONRPCRequest)
        .map((m) => key(client, m.id));
      for (const k of keys) running.set(k, transport);
      return () => keys.forEach((k) => running.get(k) === transport && running.delete(k));
    },

    /**
     * Hands each cancellation in `body` to the running request it names: its handler's signal aborts with the
     * client's reason, and its response stream is closed, since a cancelled request is answered with nothing.
     */
    deliver(client: string | undefined, body: unknown): void {
      if (!client) return;
      for (const message of messagesOf(body)) {
        if (!isJSONRPCNotification(message)) continue;
        const cancelled = CancelledNotificationSchema.safeParse(message);
        const requestId = cancelled.success ? cancelled.data.params.requestId : undefined;
        if (requestId === undefined) continue;
        const transport = running.get(key(client, requestId));
        if (!transport) continue;
        transport.onmessage?.(message as JSONRPCMessage);
        // After the server has read the notification (the abort then carries the client's reason).
        setImmediate(() => void transport.close());
      }
    },
  };
}
