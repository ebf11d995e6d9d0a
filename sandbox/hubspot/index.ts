import type { IncomingMessage, ServerResponse } from 'node:http';
import { Faults } from './faults';
import { hubspotError, send, type Reply } from './http';
import { ClientGone, droppingConnections, readBody } from '../http-guard';
import { OAuthServer, type OAuthApp } from './oauth';
import { RollingRateLimiter } from './rate-limiter';
import { route } from './router';
import { HubSpotStore, type StoredRecord } from './store';
import { LoopbackServer } from '../loopback';

export { HubSpotStore, type StoredRecord } from './store';
export { Faults } from './faults';
export type { OAuthApp } from './oauth';
export type { AssociationType } from './associations';

export interface HubSpotEmulatorOptions {
  /** Accepted bearer tokens; any non-empty token when absent. */
  tokens?: string[];
  /** `pro` raises the ten-secondly limit from 100 to 190 requests. */
  tier?: 'free' | 'starter' | 'pro' | 'enterprise';
  /** Overrides the per-token limit (requests per `rateLimitIntervalMs`). */
  rateLimitMax?: number;
  rateLimitIntervalMs?: number;
  /** How far one search query can page (HubSpot: 10,000). Lower it only to keep tests fast. */
  searchCap?: number;
  /**
   * How invalid property values in `batch/upsert` are answered: `per-record` (default) fails those inputs in a 207;
   * `whole-batch` refuses the batch with 400, as HubSpot commonly does.
   */
  upsertValidation?: 'per-record' | 'whole-batch';
  /** Clock of the store, for `createdAt`/`updatedAt`. */
  now?: () => number;
  /**
   * OAuth apps whose refresh tokens `POST /oauth/v1/token` accepts. The access tokens it issues are accepted (besides
   * `tokens`) until they expire; with apps and no `tokens`, only issued tokens are.
   */
  oauthApps?: OAuthApp[];
  /** Lifetime of issued access tokens (HubSpot: 30 minutes). */
  accessTokenTtlMs?: number;
  /** Associations per record in one page of v4 `batch/read` (HubSpot: 500). */
  associationPageSize?: number;
}

/** A local HubSpot CRM v3 API on 127.0.0.1 (ephemeral port), for tests and `crm-bridge sandbox`. */
export class HubSpotEmulator {
  readonly store: HubSpotStore;
  readonly faults = new Faults();
  readonly limiter: RollingRateLimiter;
  /** Requests received, including rejected ones. */
  requests = 0;
  /** Requests received per `METHOD /path` with IDs as `{id}` (e.g. `POST /crm/v3/objects/companies/batch/read`). */
  readonly requestsByEndpoint = new Map<string, number>();
  /** Requests refused by the real (not injected) rate limit. */
  rateLimited = 0;
  readonly oauth: OAuthServer;
  private readonly http = new LoopbackServer('HubSpot');
  private readonly searchCap: number;

  constructor(private readonly options: HubSpotEmulatorOptions = {}) {
    this.store = new HubSpotStore(options.now);
    const pro = options.tier === 'pro' || options.tier === 'enterprise';
    this.limiter = new RollingRateLimiter(
      options.rateLimitMax ?? (pro ? 190 : 100),
      options.rateLimitIntervalMs ?? 10_000,
    );
    this.searchCap = options.searchCap ?? 10_000;
    this.oauth = new OAuthServer(options.oauthApps ?? [], options.accessTokenTtlMs ?? 30 * 60_000, options.now);
  }

  /**
   * A user's edit in HubSpot's UI: writes `properties` to the record (by id) and moves its `hs_lastmodifieddate`
   * forward, even when no value changes, as the next incremental read must see it.
   */
  userEdit(object: string, id: string, properties: Record<string, string | null>, at?: number): StoredRecord {
    return this.store.edit(object, id, properties, at);
  }

  /** Requests received for one endpoint, e.g. `endpointCount('POST', '/crm/v3/objects/companies/batch/read')`. */
  endpointCount(method: string, path: string): number {
    return this.requestsByEndpoint.get(`${method} ${path}`) ?? 0;
  }

  /** Makes every OAuth access token issued so far expire (the next call with one gets 401). */
  expireAccessTokens(): void {
    this.oauth.expireAll();
  }

  get url(): string {
    return this.http.url;
  }

  /** Starts listening (on an ephemeral port unless one is given); resolves to the base URL. */
  async start(port = 0): Promise<string> {
    const answer = async (req: IncomingMessage): Promise<(res: ServerResponse) => void> => {
      let answer: { reply: Reply; headers: Record<string, string> };
      try {
        answer = await this.handle(req.method ?? 'GET', req.url ?? '/', req.headers.authorization, () => readBody(req));
      } catch (error) {
        if (error instanceof ClientGone) throw error;
        answer = {
          reply: hubspotError(500, 'INTERNAL_ERROR', `Emulator error: ${(error as Error).message}`),
          headers: {},
        };
      }
      return (res) => send(res, answer.reply, answer.headers);
    };
    return this.http.start(droppingConnections(this.faults, answer), port);
  }

  stop(): Promise<void> {
    return this.http.stop();
  }

  private async handle(
    method: string,
    rawUrl: string,
    authorization: string | undefined,
    body: () => Promise<string>,
  ): Promise<{ reply: Reply; headers: Record<string, string> }> {
    this.requests++;
    const endpoint = `${method} ${new URL(rawUrl, 'http://127.0.0.1').pathname.replace(/\/\d+(?=\/|$)/g, '/{id}')}`;
    this.requestsByEndpoint.set(endpoint, (this.requestsByEndpoint.get(endpoint) ?? 0) + 1);
    const delay = this.faults.takeDelay();
    if (delay) await new Promise((r) => setTimeout(r, delay));
    const url = new URL(rawUrl, 'http://127.0.0.1');
    // The token endpoint authenticates by client credentials in the form, not by a bearer token.
    if (url.pathname === '/oauth/v1/token' && method === 'POST')
      return { reply: this.oauth.token(new URLSearchParams(await body())), headers: {} };
    const token = /^Bearer (.+)$/.exec(authorization ?? '')?.[1];
    const oauth = token ? this.oauth.check(token) : { state: 'unknown' as const };
    if (oauth.state === 'expired') {
      return {
        reply: hubspotError(
          401,
          'EXPIRED_AUTHENTICATION',
          'The OAuth token used to make this call expired. Refresh it and try again.',
        ),
        headers: {},
      };
    }
    const listed = this.options.tokens ? this.options.tokens.includes(token ?? '') : !this.options.oauthApps?.length;
    if (!token || (oauth.state !== 'valid' && !listed)) {
      return {
        reply: hubspotError(
          401,
          'INVALID_AUTHENTICATION',
          'Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview',
        ),
        headers: {},
      };
    }
    const limit = this.limiter.take(oauth.state === 'valid' ? oauth.limitKey : token);
    const rateHeaders = limit.headers;
    const tooMany = (retryAfterMs: number | null): { reply: Reply; headers: Record<string, string> } => ({
      reply: hubspotError(429, 'RATE_LIMITS', 'You have reached your ten_secondly_rolling limit.', {
        errorType: 'RATE_LIMIT',
        policyName: 'TEN_SECONDLY_ROLLING',
        links: {},
      }),
      headers: {
        ...rateHeaders,
        ...(retryAfterMs !== null ? { 'Retry-After': String(Math.max(1, Math.ceil(retryAfterMs / 1000))) } : {}),
      },
    });
    if (this.faults.takeStorm()) return tooMany(null);
    if (!limit.allowed) {
      this.rateLimited++;
      return tooMany(limit.retryAfterMs);
    }
    const status = this.faults.take5xx();
    if (status)
      return { reply: hubspotError(status, 'INTERNAL_ERROR', 'Internal error (injected)'), headers: rateHeaders };
    let parsed: unknown;
    try {
      const text = await body();
      parsed = text ? (JSON.parse(text) as unknown) : undefined;
    } catch {
      return { reply: hubspotError(400, 'VALIDATION_ERROR', 'Invalid input JSON'), headers: rateHeaders };
    }
    const context = {
      store: this.store,
      faults: this.faults,
      searchCap: this.searchCap,
      wholeBatchValidation: this.options.upsertValidation === 'whole-batch',
      associationPageSize: this.options.associationPageSize ?? 500,
    };
    const reply = route(context, method, url, parsed);
    return { reply, headers: rateHeaders };
  }
}
