import type { IncomingMessage } from 'node:http';
import type { Sql } from '../db/sql';
import { BodyTooLarge, readBody, send } from '../http/body';
import { listen, type RequestHandler, type RunningServer } from '../http/listen';
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

export type RunningWebhookServer = RunningServer;

/** The URL as the sender called it: HubSpot signs it, so behind a proxy `publicUrl` must say what the vendor used. */
function requestUrl(req: IncomingMessage, settings: WebhookSettings): string {
  if (settings.publicUrl) return `${settings.publicUrl.replace(/\/$/, '')}${req.url ?? '/'}`;
  const forwarded = req.headers['x-forwarded-proto'];
  const proto = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(',')[0]?.trim() || 'http';
  return `${proto}://${req.headers.host ?? 'localhost'}${req.url ?? '/'}`;
}

/** The receiver as a request handler, so one HTTP server can also serve the lookup API and MCP. */
export function webhookRequestHandler(options: WebhookServerOptions): RequestHandler {
  const { settings, sql } = options;
  return (req, res) => {
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
  };
}

/** Starts the receiver alone; `port` 0 picks a free one. */
export function startWebhookServer(
  options: WebhookServerOptions & { port?: number; host?: string },
): Promise<RunningWebhookServer> {
  return listen(webhookRequestHandler(options), options);
}
