import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Database } from '../db/database';
import { VERSION } from '../version';
import { sendJson } from './body';
import { bearerGuard, type AuthorizedHandler, type RefusalReason } from './guard';
import type { RequestHandler } from './listen';
import { lookupApi, type LookupApiOptions } from './lookup-api';
import { metadataPath, protectedResourceMetadata, type OAuthResource } from './oauth/resource';
import type { ApiToken } from './tokens';

export type { AuthorizedHandler, Caller } from './guard';

export interface HttpAppOptions {
  /** Without tokens and without `oauth` every caller is trusted: `serve` then listens on a loopback address only. */
  tokens: ApiToken[];
  /** An external authorization server whose JWT access tokens are accepted too, and announced (RFC 9728). */
  oauth?: OAuthResource | undefined;
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
  refused?: RefusalReason;
  /** Which token was accepted: "token 2" for a static one, "oauth <client or subject>" for the server's. */
  token?: string;
}

export type RefusalCounts = Record<RefusalReason, number>;

export interface HttpApp {
  handler: RequestHandler;
  /** Requests refused for their token since start, by reason. */
  refusals(): RefusalCounts;
}

/** One HTTP server for webhooks, the lookup API, MCP and a health check, with bearer tokens checked per request. */
export function createHttpApp(options: HttpAppOptions): HttpApp {
  const refusals: RefusalCounts = { 'missing-token': 0, 'wrong-token': 0, 'insufficient-scope': 0 };
  const lookup = options.lookup ? lookupApi({ ...options.lookup, db: options.db }) : undefined;
  const check = bearerGuard({ tokens: options.tokens, oauth: options.oauth });
  // What the bearer check decided, for the request's log line.
  const decided = new WeakMap<ServerResponse, { refused?: HttpLogEntry['refused']; token?: string }>();
  const refuse = (res: ServerResponse, reason: RefusalReason, token?: string) => {
    refusals[reason] += 1;
    decided.set(res, { refused: reason, ...(token ? { token } : {}) });
  };

  // `resource` is the protected endpoint's path: `/` for the API, `/mcp` for MCP (each its own OAuth resource).
  const guarded = async (req: IncomingMessage, res: ServerResponse, resource: string, then: AuthorizedHandler) => {
    const verdict = await check(req.headers.authorization, resource);
    if (verdict.ok) {
      if (verdict.label) decided.set(res, { token: verdict.label });
      const { stepUp } = verdict.caller;
      return then(req, res, {
        ...verdict.caller,
        ...(stepUp
          ? {
              stepUp: (r: ServerResponse) => {
                refuse(r, 'insufficient-scope', verdict.label);
                stepUp(r);
              },
            }
          : {}),
      });
    }
    if (verdict.reason !== 'unavailable') refuse(res, verdict.reason);
    req.resume();
    return verdict.send(res);
  };

  // RFC 9728 metadata, for each endpoint that is served; public, as clients read it before they have a token.
  const metadata = new Map(
    (options.oauth ? [...(lookup ? ['/'] : []), ...(options.mcp ? ['/mcp'] : [])] : []).map((path) => [
      metadataPath(path),
      protectedResourceMetadata(options.oauth!, path),
    ]),
  );

  const route = async (req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void> => {
    const segments = pathname.split('/').filter(Boolean).map(decodeSegment);
    if (pathname === '/healthz' || pathname === '/v1/health') return health(res, options.db);
    if (segments[0] === 'v1' && segments[1] === 'lookup' && lookup)
      return guarded(req, res, '/', (rq, rs) => lookup(rq, rs, segments.slice(2)));
    if (pathname === '/mcp' && options.mcp) return guarded(req, res, '/mcp', options.mcp);
    const document = metadata.get(pathname);
    if (document && (req.method === 'GET' || req.method === 'HEAD'))
      return sendJson(res, 200, document, { 'access-control-allow-origin': '*', 'cache-control': 'max-age=3600' });
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
