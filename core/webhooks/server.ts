import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Sql } from '../db/sql';
import { handleWebhook, systemForPath, type WebhookLogEntry } from './handler';
import type { WebhookSettings } from './settings';
import { recordRejection } from './store';
import type { ChangeNotice } from './types';

export interface WebhookServerOptions {
  settings: WebhookSettings;
  /** A pool (or PGlite behind its mutex): each call runs a few autocommit statements. */
  sql: Sql;
  /** Called after the answer is sent, with the notices stored for the first time (the sync engine's wake-up). */
  onAccepted?: (notices: ChangeNotice[]) => void | Promise<void>;
  log?: (entry: WebhookLogEntry) => void;
}

export interface RunningWebhookServer {
  server: Server;
  /** e.g. `http://127.0.0.1:8787` */
  url: string;
  close(): Promise<void>;
}

class BodyTooLarge extends Error {}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        // Stop buffering at once; the rest of the upload is drained and dropped.
        req.removeAllListeners('data');
        req.resume();
        reject(new BodyTooLarge());
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** The URL as the sender called it: HubSpot signs it, so behind a proxy `publicUrl` must say what the vendor used. */
function requestUrl(req: IncomingMessage, settings: WebhookSettings): string {
  if (settings.publicUrl) return `${settings.publicUrl.replace(/\/$/, '')}${req.url ?? '/'}`;
  const forwarded = req.headers['x-forwarded-proto'];
  const proto = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(',')[0]?.trim() || 'http';
  return `${proto}://${req.headers.host ?? 'localhost'}${req.url ?? '/'}`;
}

function send(res: ServerResponse, status: number, headers: Record<string, string>, body: string): void {
  res.writeHead(status, { ...headers, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

export function createWebhookServer(options: WebhookServerOptions): Server {
  const { settings, sql } = options;
  return createServer((req, res) => {
    void (async () => {
      const pathname = new URL(req.url ?? '/', 'http://localhost').pathname;
      const system = systemForPath(pathname);
      if (!system) {
        req.resume();
        send(res, 404, { 'content-type': 'application/json' }, JSON.stringify({ ok: false, error: 'not-found' }));
        return;
      }
      let rawBody: Buffer;
      try {
        rawBody = await readBody(req, settings.maxBodyBytes);
      } catch (error) {
        if (error instanceof BodyTooLarge) {
          await recordRejection(sql, system, 'too-large').catch(() => undefined);
          options.log?.({
            system,
            outcome: 'rejected',
            status: 413,
            accepted: 0,
            replayed: 0,
            ignored: 0,
            reason: 'too-large',
          });
          res.setHeader('connection', 'close');
          send(res, 413, { 'content-type': 'application/json' }, JSON.stringify({ ok: false, reason: 'too-large' }));
        } else {
          res.destroy();
        }
        return;
      }
      const response = await handleWebhook(
        { method: req.method ?? 'GET', url: requestUrl(req, settings), headers: req.headers, rawBody },
        settings,
        sql,
        {
          system,
          log: options.log,
        },
      );
      send(res, response.status, response.headers, response.body);
      if (response.accepted.length > 0 && options.onAccepted) {
        try {
          await options.onAccepted(response.accepted);
        } catch (error) {
          options.log?.({
            system,
            outcome: 'error',
            status: response.status,
            accepted: response.accepted.length,
            replayed: 0,
            ignored: 0,
            detail: `onAccepted failed: ${(error as Error).message}`,
          });
        }
      }
    })().catch(() => {
      res.destroy();
    });
  });
}

/** Starts the receiver; `port` 0 picks a free one. Closing ends keep-alive connections at once. */
export async function startWebhookServer(
  options: WebhookServerOptions & { port?: number; host?: string },
): Promise<RunningWebhookServer> {
  const server = createWebhookServer(options);
  // Vendors keep connections open between deliveries; a short keep-alive frees them when idle.
  server.keepAliveTimeout = 5_000;
  server.requestTimeout = 30_000;
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    server,
    url: `http://${shownHost}:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
