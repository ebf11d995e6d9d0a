import type { IncomingMessage, ServerResponse } from 'node:http';
import { PipedriveStore, type PipedriveObject, type StoredRecord } from './store';
import { LoopbackServer } from '../loopback';
import { guarded, readBody } from '../http-guard';
import { PipedriveFaults } from './faults';
import { pdError, type Reply } from './http';
import { PipedriveOAuthServer, type OAuthClient } from './oauth';
import { route } from './router';

export { PipedriveStore, fieldKey, type PipedriveObject, type StoredRecord, type FieldDef } from './store';
export { PipedriveFaults } from './faults';
export type { OAuthClient } from './oauth';

export interface PipedriveEmulatorOptions {
  /** Accepted API tokens; any non-empty token when absent (and no OAuth clients are given). */
  tokens?: string[];
  /** OAuth apps: `POST /oauth/token` (grant_type=refresh_token, HTTP Basic client_id:client_secret) issues Bearer tokens. */
  oauthClients?: OAuthClient[];
  /** Lifetime of issued access tokens (`expires_in`, default 3599 s like Pipedrive). */
  accessTokenTtlSeconds?: number;
  /** Token budget of one 2-second burst window per API token (Pipedrive's costs: list 10, get 1, write 5, search 20). */
  burstBudget?: number;
  burstWindowMs?: number;
  /** Search requests allowed per burst window and token on top of the budget (Pipedrive publishes 10 per 2 s); unlimited when absent. */
  searchRequestsPerWindow?: number;
  /** Clock of the store (add_time/update_time, second precision like Pipedrive). */
  now?: () => number;
}

export interface LoggedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  status: number;
}

const COST = { list: 10, get: 1, write: 5, search: 20, fields: 20 } as const;

/** A local Pipedrive API (v2 CRUD/search of persons, deals, organizations; v1 fields, pipelines, stages) on 127.0.0.1. */
export class PipedriveEmulator {
  readonly store: PipedriveStore;
  readonly faults = new PipedriveFaults();
  /** Every request received, in order, with its answer's status. */
  readonly log: LoggedRequest[] = [];
  /** Requests refused by the real (not injected) burst limit. */
  rateLimited = 0;
  /** Writes applied (creates and updates that changed the store), for tests and the bench. */
  readonly writes = { created: 0, updated: 0 };
  private readonly http = new LoopbackServer('Pipedrive');
  private readonly windows = new Map<string, { start: number; used: number; searches: number }>();
  private readonly oauth: PipedriveOAuthServer;

  constructor(private readonly options: PipedriveEmulatorOptions = {}) {
    this.store = new PipedriveStore(options.now);
    this.oauth = new PipedriveOAuthServer(options.oauthClients, options.accessTokenTtlSeconds);
  }

  get url(): string {
    return this.http.url;
  }

  /** Requests whose path matches, e.g. `/api/v2/persons/search`. */
  requestsTo(path: string | RegExp): LoggedRequest[] {
    return this.log.filter((r) => (typeof path === 'string' ? r.path === path : path.test(r.path)));
  }

  async start(port = 0): Promise<string> {
    return this.http.start(
      guarded((req, res) => this.serve(req, res)),
      port,
    );
  }

  stop(): Promise<void> {
    return this.http.stop();
  }

  /** A user's edit in Pipedrive's UI (not through the API): bumps `update_time`; custom fields by name or key. */
  edit(object: PipedriveObject, id: number, changes: Record<string, unknown>): StoredRecord {
    return this.store.edit(object, id, changes);
  }

  /** Revokes every issued access token (the next call with one answers 401, so a client must refresh). */
  revokeAccessTokens(): void {
    this.oauth.revokeAll();
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const entry: LoggedRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      status: 0,
    };
    delete entry.query.api_token;
    this.log.push(entry);
    const f = this.faults;
    const drop = f.drops > 0 && f.dropMethods.includes(entry.method) && !url.pathname.startsWith('/oauth/');
    if (drop) {
      f.drops--;
      f.served.dropped++;
      if (!f.dropAfterProcessing) {
        entry.status = -1;
        req.socket.destroy();
        return;
      }
    }
    let reply: Reply;
    // A client that leaves mid-body gets no answer (and ends nothing but its own request).
    const body = await readBody(req);
    try {
      reply =
        url.pathname === '/oauth/token'
          ? this.oauth.token(entry.method, req.headers.authorization, body, this.url)
          : await this.handle(
              entry.method,
              url,
              req.headers['x-api-token'] as string | undefined,
              req.headers.authorization,
              body,
            );
    } catch (error) {
      reply = pdError(500, `Emulator error: ${(error as Error).message}`);
    }
    if (drop) {
      // Applied, but the answer never arrives.
      entry.status = -1;
      req.socket.destroy();
      return;
    }
    const malform = reply.status < 400 ? f.takeMalformation(url.pathname) : undefined;
    if (malform) reply = { ...reply, body: malform(structuredClone(reply.body)) };
    entry.status = reply.status;
    res.writeHead(reply.status, { 'Content-Type': 'application/json; charset=utf-8', ...reply.headers });
    res.end(JSON.stringify(reply.body));
  }

  private cost(method: string, parts: string[]): number {
    if (parts[0] === 'v1') return COST.fields;
    if (method !== 'GET') return COST.write;
    if (parts[2] === 'search') return COST.search;
    return parts.length === 3 ? COST.get : COST.list;
  }

  /** The caller's token (API token, or an issued Bearer token that has not expired), or null when it is not accepted. */
  private authenticate(headerToken: string | undefined, authorization: string | undefined, url: URL): string | null {
    const bearer = /^Bearer\s+(.+)$/i.exec(authorization ?? '');
    if (bearer) {
      return this.oauth.accepts(bearer[1]!) ? bearer[1]! : null;
    }
    const token = headerToken ?? url.searchParams.get('api_token') ?? undefined;
    if (!token) return null;
    if (this.options.tokens) return this.options.tokens.includes(token) ? token : null;
    return this.options.oauthClients ? null : token;
  }

  private async handle(
    method: string,
    url: URL,
    headerToken: string | undefined,
    authorization: string | undefined,
    rawBody: string,
  ): Promise<Reply> {
    const f = this.faults;
    const delay = f.takeDelay();
    if (delay) await new Promise((r) => setTimeout(r, delay));
    const token = this.authenticate(headerToken, authorization, url);
    if (!token) {
      return pdError(
        401,
        'unauthorized access',
        'Please check developers.pipedrive.com for more information about Pipedrive API.',
      );
    }
    const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    if (parts[0] === 'api' && parts[1] === 'v2') parts.splice(0, 2, 'v2');
    // Token budget of the current burst window.
    const windowMs = this.options.burstWindowMs ?? 2000;
    const budget = this.options.burstBudget ?? 400;
    const now = Date.now();
    let w = this.windows.get(token);
    if (!w || now - w.start >= windowMs) this.windows.set(token, (w = { start: now, used: 0, searches: 0 }));
    const cost = this.cost(method, parts);
    const resetS = Math.max(1, Math.ceil((w.start + windowMs - now) / 1000));
    const isSearch = method === 'GET' && parts[2] === 'search';
    const searchLimit = this.options.searchRequestsPerWindow;
    const allowed = w.used + cost <= budget && !(isSearch && searchLimit !== undefined && w.searches >= searchLimit);
    if (allowed) {
      w.used += cost;
      if (isSearch) w.searches++;
    }
    const rate = {
      'x-ratelimit-limit': String(budget),
      'x-ratelimit-remaining': String(Math.max(0, budget - w.used)),
      'x-ratelimit-reset': String(resetS),
    };
    const tooMany = (retryAfter: number | null): Reply => ({
      ...pdError(429, 'Request over limit', 'Rate limit has been exceeded. Please wait and try again.'),
      headers: { ...rate, ...(retryAfter !== null ? { 'retry-after': String(retryAfter) } : {}) },
    });
    const storm = f.takeStorm();
    if (storm) return tooMany(storm.retryAfterSeconds);
    if (!allowed) {
      this.rateLimited++;
      return tooMany(resetS);
    }
    const status = f.take5xx();
    if (status) return { ...pdError(status, 'Service temporarily unavailable'), headers: rate };
    let body: Record<string, unknown> = {};
    if (rawBody) {
      try {
        body = JSON.parse(rawBody) as Record<string, unknown>;
      } catch {
        return { ...pdError(400, 'Invalid JSON in request body'), headers: rate };
      }
    }
    return { ...route(this, method, parts, url.searchParams, body), headers: rate };
  }
}
