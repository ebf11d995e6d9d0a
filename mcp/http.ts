import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import type { AuthorizedHandler, Caller } from '../core/http/app';
import { BodyTooLarge, readBody, sendJson } from '../core/http/body';
import type { WritesOff } from './context';
import { CLIENT_HEADER, httpCancellations } from './http-cancel';
import { buildServer, type ServerOptions } from './server';

const READ_SCOPE: WritesOff = {
  reason: 'the token of this call has read scope only',
  fix: 'call with a token of write scope (given to the server as write:TOKEN)',
};

/** Tool calls carry IDs and small arguments; a batch of 10,000 legacy IDs fits well under this. */
const MAX_BODY_BYTES = 4 * 1024 * 1024;

const rpcError = (res: ServerResponse, status: number, code: number, message: string) =>
  sendJson(res, status, { jsonrpc: '2.0', error: { code, message }, id: null });

/** The Node request as the SDK's Web-standard transport reads it (the body is already parsed and passed apart). */
function webRequest(req: IncomingMessage): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers))
    for (const v of Array.isArray(value) ? value : value === undefined ? [] : [value]) headers.append(name, v);
  return new Request(new URL(req.url ?? '/mcp', 'http://localhost'), { method: req.method ?? 'POST', headers });
}

async function sendResponse(res: ServerResponse, response: Response, headers: Record<string, string>): Promise<void> {
  res.writeHead(response.status, { ...Object.fromEntries(response.headers), ...headers });
  if (!response.body) return void res.end();
  // Streamed as it comes: a server-sent-event stream (progress) is not buffered.
  Readable.fromWeb(response.body as import('node:stream/web').ReadableStream).pipe(res);
}

const asksForProgress = (body: unknown) =>
  [body]
    .flat()
    .some(
      (m) => (m as { params?: { _meta?: { progressToken?: unknown } } })?.params?._meta?.progressToken !== undefined,
    );

/**
 * MCP over Streamable HTTP, stateless: each POST gets a server and transport of its own and nothing outlives the
 * request, so several processes behind one URL answer alike. Write tools run only when writes were allowed at start
 * AND the caller's token has write scope. A caller whose token came from the authorization server and lacks write
 * scope gets HTTP 403 `insufficient_scope` for a write tool instead of a tool error, so its client can authorize
 * again with that scope (the MCP specification's step-up).
 */
export function mcpHttpHandler(options: ServerOptions & { db: NonNullable<ServerOptions['db']> }): AuthorizedHandler {
  const cancellations = httpCancellations();
  return async (req: IncomingMessage, res: ServerResponse, caller: Caller) => {
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
    const client = req.headers[CLIENT_HEADER] as string | undefined;
    cancellations.deliver(client, body);
    // Writes allowed at start still need the caller's token to have write scope.
    const writable = options.allowWrites ?? false;
    let refusedForScope = false;
    const { server, close } = buildServer({
      ...options,
      allowWrites: writable && caller.scope === 'write',
      ...(writable && caller.scope !== 'write'
        ? { writesOff: { ...READ_SCOPE, onRefused: () => (refusedForScope = true) } }
        : {}),
    });
    // A call that asked for progress gets its answer as an event stream, so the notifications reach it first.
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: !asksForProgress(body),
    });
    const untrack = cancellations.track(client, body, transport);
    // A client that closes the response stream has given up on the call: closing the transport aborts its handler.
    res.on('close', () => {
      untrack();
      void transport.close();
      void close();
    });
    await server.connect(transport);
    const response = await transport.handleRequest(webRequest(req), { parsedBody: body });
    // Known only once the tool has answered, which a JSON reply waits for; the refusal came before anything was done.
    if (refusedForScope && caller.stepUp && response.headers.get('content-type')?.startsWith('application/json')) {
      await response.body?.cancel();
      return caller.stepUp(res);
    }
    const assigned = cancellations.idFor(body);
    await sendResponse(res, response, assigned ? { [CLIENT_HEADER]: assigned } : {});
  };
}
