import type { IncomingMessage, ServerResponse } from 'node:http';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { AuthorizedHandler } from '../core/http/app';
import { BodyTooLarge, readBody, sendJson } from '../core/http/body';
import type { Scope } from '../core/http/tokens';
import type { WritesOff } from './context';
import { buildServer, type ServerOptions } from './server';

const READ_SCOPE: WritesOff = {
  reason: 'the token of this call has read scope only',
  fix: 'call with a token of write scope (given to the server as write:TOKEN)',
};

/** Tool calls carry IDs and small arguments; a batch of 10,000 legacy IDs fits well under this. */
const MAX_BODY_BYTES = 4 * 1024 * 1024;

const rpcError = (res: ServerResponse, status: number, code: number, message: string) =>
  sendJson(res, status, { jsonrpc: '2.0', error: { code, message }, id: null });

const asksForProgress = (body: unknown) =>
  [body]
    .flat()
    .some(
      (m) => (m as { params?: { _meta?: { progressToken?: unknown } } })?.params?._meta?.progressToken !== undefined,
    );

/**
 * MCP over Streamable HTTP, stateless: each POST gets a server and transport of its own and nothing outlives the
 * request, so several processes behind one URL answer alike. Write tools run only when writes were allowed at start
 * AND the caller's token has write scope.
 */
export function mcpHttpHandler(options: ServerOptions & { db: NonNullable<ServerOptions['db']> }): AuthorizedHandler {
  return async (req: IncomingMessage, res: ServerResponse, scope: Scope) => {
    if (req.method !== 'POST') {
      req.resume();
      // Stateless: no session to resume and no server-initiated stream (GET), nothing to end (DELETE).
      res.setHeader('allow', 'POST');
      return rpcError(res, 405, -32000, `${req.method} is not served: this MCP endpoint is stateless, POST only`);
    }
    let body: unknown;
    try {
      body = JSON.parse((await readBody(req, MAX_BODY_BYTES)).toString('utf8'));
    } catch (error) {
      if (error instanceof BodyTooLarge)
        return rpcError(res, 413, -32600, `the request is over ${MAX_BODY_BYTES} bytes`);
      return rpcError(res, 400, -32700, `parse error: ${(error as Error).message}`);
    }
    // Writes allowed at start still need the caller's token to have write scope.
    const writable = options.allowWrites ?? false;
    const { server, close } = buildServer({
      ...options,
      allowWrites: writable && scope === 'write',
      ...(writable && scope !== 'write' ? { writesOff: READ_SCOPE } : {}),
    });
    // A call that asked for progress gets its answer as an event stream, so the notifications reach it first.
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: !asksForProgress(body),
    });
    res.on('close', () => {
      void transport.close();
      void close();
    });
    await server.connect(transport);
    await transport.handleRequest(req, res, body);
  };
}
