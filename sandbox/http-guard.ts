import type { IncomingMessage, ServerResponse } from 'node:http';

/** Thrown by `readBody` when the client went away before its body was complete. */
export class ClientGone extends Error {
  constructor() {
    super('the client closed the connection before its request was complete');
    this.name = 'ClientGone';
  }
}

/**
 * The whole request body as text. A client that disconnects mid-body makes Node's request stream fail with
 * ECONNRESET ("aborted"); that is the client's business, so it becomes a `ClientGone` the guard below swallows.
 */
export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  try {
    for await (const chunk of req) chunks.push(chunk as Buffer);
  } catch {
    throw new ClientGone();
  }
  // An aborted request can also just end early without an error, depending on when the socket closed.
  if (!req.complete) throw new ClientGone();
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Wraps an emulator's request handler so that one misbehaving client can never end the process (and with it the
 * other emulators of `crm-bridge sandbox`): stream errors on the request or the response are absorbed, a client that
 * left gets no answer, and any other failure is answered 500 when the answer has not started yet.
 */
export function guarded(
  handler: (req: IncomingMessage, res: ServerResponse) => Promise<void>,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    // Without listeners, an 'error' on either stream is thrown as an uncaught exception.
    req.on('error', () => undefined);
    res.on('error', () => undefined);
    handler(req, res).catch((error: unknown) => {
      if (error instanceof ClientGone || res.destroyed || req.socket.destroyed) return;
      if (res.headersSent) {
        res.destroy();
        return;
      }
      res.writeHead(500, { 'Content-Type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify({ error: 'emulator error', message: (error as Error).message }));
    });
  };
}

/**
 * A guarded handler that drops connections when told, as a flaky network would: per request, `faults.takeDrop()` says
 * whether to close the connection before handling it ('before': nothing done), after ('after': the work done, the
 * answer lost), or not at all. `handle` does the work and returns how to answer.
 */
export function droppingConnections(
  faults: { takeDrop(): 'before' | 'after' | null },
  handle: (req: IncomingMessage) => Promise<(res: ServerResponse) => void>,
): (req: IncomingMessage, res: ServerResponse) => void {
  return guarded(async (req, res) => {
    const dropped = faults.takeDrop();
    if (dropped === 'before') {
      req.socket.destroy();
      return;
    }
    const answer = await handle(req);
    if (dropped === 'after') req.socket.destroy();
    else answer(res);
  });
}
