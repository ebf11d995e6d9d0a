import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Database } from '../db/database';
import { VERSION } from '../version';
import { sendJson } from './body';
import type { RequestHandler } from './listen';
import { lookupApi, type LookupApiOptions } from './lookup-api';
import { authorize, type ApiToken, type Authorization, type Scope } from './tokens';

/** A handler mounted behind the bearer check, told the scope the caller's token has. */
export type AuthorizedHandler = (req: IncomingMessage, res: ServerResponse, scope: Scope) => Promise<void>;

export interface HttpAppOptions {
  /** Without tokens every caller is trusted: `serve` then listens on a loopback address only. */
  tokens: ApiToken[];
  /** Health checks the database it reports on. */
  db: Database;
  /** Vendors' webhooks at `/webhooks/*`: they carry their own signatures, not our tokens. */
  webhooks?: RequestHandler;
  /** The lookup API at `/v1/lookup/*`. */
  lookup?: Omit<LookupApiOptions, 'db'>;
  /** MCP over Streamable HTTP at `/mcp`. */
  mcp?: AuthorizedHandler;
  log?: (entry: HttpLogEntry) => void;
}

export interface HttpLogEntry {
  method: string;
  /** The path without its query string; tokens travel in a header and never appear here. */
  path: string;
  status: number;
  ms: number;
  refused?: Exclude<Authorization, { ok: true }>['reason'];
  token?: string;
}

export type RefusalCounts = Record<Exclude<Authorization, { ok: true }>['reason'], number>;

export interface HttpApp {
  handler: RequestHandler;
  /** Requests refused for their token since start, by reason. */
  refusals(): RefusalCounts;
}

/** One HTTP server for webhooks, the lookup API, MCP and a health check, with bearer tokens checked per request. */
export function createHttpApp(options: HttpAppOptions): HttpApp {
  const refusals: RefusalCounts = { 'missing-token': 0, 'wrong-token': 0 };
  const lookup = options.lookup ? lookupApi({ ...options.lookup, db: options.db }) : undefined;
  // What the bearer check decided, for the request's log line.
  const decided = new WeakMap<ServerResponse, { refused?: HttpLogEntry['refused']; token?: string }>();

  const guarded = async (req: IncomingMessage, res: ServerResponse, then: AuthorizedHandler) => {
    if (options.tokens.length === 0) return then(req, res, 'write');
    const verdict = authorize(req.headers.authorization, options.tokens);
    if (verdict.ok) {
      decided.set(res, { token: verdict.label });
      return then(req, res, verdict.scope);
    }
    refusals[verdict.reason] += 1;
    decided.set(res, { refused: verdict.reason });
    req.resume();
    return sendJson(
      res,
      401,
      {
        ok: false,
        error: {
          kind: 'usage',
          message:
            verdict.reason === 'missing-token'
              ? 'send Authorization: Bearer <token>'
              : 'the bearer token is not one this server accepts',
        },
      },
      {
        'www-authenticate':
          verdict.reason === 'missing-token'
            ? 'Bearer realm="crm-bridge"'
            : 'Bearer realm="crm-bridge", error="invalid_token"',
      },
    );
  };

  const route = async (req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void> => {
    const segments = pathname.split('/').filter(Boolean).map(decodeSegment);
    if (pathname === '/healthz' || pathname === '/v1/health') return health(res, options.db);
    if (segments[0] === 'v1' && segments[1] === 'lookup' && lookup)
      return guarded(req, res, (rq, rs) => lookup(rq, rs, segments.slice(2)));
    if (pathname === '/mcp' && options.mcp) return guarded(req, res, options.mcp);
    req.resume();
    sendJson(res, 404, { ok: false, error: { kind: 'usage', message: `nothing is served at ${pathname}` } });
  };

  const handler: RequestHandler = (req, res) => {
    const started = performance.now();
    // The receiver logs each webhook call itself, with what it stored.
    if (options.webhooks && req.url?.startsWith('/webhooks/')) return options.webhooks(req, res);
    const pathname = new URL(req.url ?? '/', 'http://localhost').pathname;
    res.on('finish', () => {
      const { refused, token } = decided.get(res) ?? {};
      options.log?.({
        method: req.method ?? 'GET',
        path: pathname,
        status: res.statusCode,
        ms: Math.round((performance.now() - started) * 10) / 10,
        ...(refused ? { refused } : {}),
        ...(token ? { token } : {}),
      });
    });
    route(req, res, pathname).catch(() => res.destroy());
  };
  return { handler, refusals: () => ({ ...refusals }) };
}

/** `%2F` in an ID stays part of the ID; a segment that is not valid percent-encoding is taken as it is. */
function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

async function health(res: ServerResponse, db: Database): Promise<void> {
  try {
    await db.withConnection((sql) => sql.query('SELECT 1'));
    sendJson(res, 200, { ok: true, version: VERSION, database: 'reachable' });
  } catch {
    sendJson(res, 503, { ok: false, version: VERSION, database: 'unreachable' });
  }
}
