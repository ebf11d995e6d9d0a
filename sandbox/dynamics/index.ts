import type { IncomingMessage, ServerResponse } from 'node:http';
import { droppingConnections, readBody } from '../http-guard';
import { LoopbackServer } from '../loopback';
import { CODES, DataverseFault } from './errors';
import { Faults } from './faults';
import { faultReply, send, type ApiReply, type ApiRequest } from './http';
import { MICROSOFT_LIMITS, ServiceProtection, type ProtectionLimits } from './limits';
import { IdentityPlatform, type DynamicsApp } from './oauth';
import { route } from './router';
import { DataverseStore } from './store';

export { DataverseStore, type StoredRow } from './store';
export { Faults } from './faults';
export { MICROSOFT_LIMITS, type ProtectionLimits } from './limits';
export type { DynamicsApp } from './oauth';
export type { AttributeDef, EntityDef } from './entities';

export interface DynamicsEmulatorOptions {
  /** Accepted bearer tokens (besides those the token endpoint issues); any token when absent and no apps are set. */
  tokens?: string[];
  /** App registrations the token endpoint knows; with none, any client ID and secret get a token. */
  apps?: DynamicsApp[];
  /** Lifetime of issued access tokens (Microsoft: about an hour). */
  accessTokenTtlMs?: number;
  /** Service protection limits; Microsoft's published ones by default (lower them to test throttling quickly). */
  limits?: Partial<ProtectionLimits>;
  now?: () => number;
}

const API = /^\/api\/data\/v9\.[0-2]\//;
const TOKEN_PATH = /^\/([^/]+)\/oauth2\/v2\.0\/token$/;

/**
 * A local Dataverse (Dynamics 365) Web API v9.2 on 127.0.0.1 (ephemeral port), for tests and `crm-bridge sandbox`:
 * accounts and contacts with custom columns and choices, metadata, OData queries with paging, change tracking,
 * upsert by alternate key, `$batch`, service protection limits, fault injection, and the identity platform's
 * client-credentials token endpoint on the same port.
 */
export class DynamicsEmulator {
  readonly store: DataverseStore;
  readonly faults = new Faults();
  readonly protection: ServiceProtection;
  readonly identity: IdentityPlatform;
  /** Requests received (token requests included), and those refused by the real (not injected) limits. */
  requests = 0;
  /** Operations received inside `$batch` requests. */
  batchOperations = 0;
  /** Requests per `METHOD path` without query (e.g. `POST /api/data/v9.2/$batch`). */
  readonly requestsByEndpoint = new Map<string, number>();
  private readonly http = new LoopbackServer('Dynamics');

  constructor(private readonly options: DynamicsEmulatorOptions = {}) {
    this.store = new DataverseStore(options.now);
    this.protection = new ServiceProtection({ ...MICROSOFT_LIMITS, ...options.limits }, options.now);
    this.identity = new IdentityPlatform(options.apps ?? [], options.accessTokenTtlMs ?? 3_599_000, options.now);
  }

  get url(): string {
    return this.http.url;
  }

  /** The `serverUrl` a client is given (with its trailing slash). */
  get serverUrl(): string {
    return `${this.url}/`;
  }

  endpointCount(method: string, path: string): number {
    return this.requestsByEndpoint.get(`${method} ${path}`) ?? 0;
  }

  async start(port = 0): Promise<string> {
    const answer = async (req: IncomingMessage) => {
      const reply = await this.handle(req);
      return (res: ServerResponse) => send(res, reply);
    };
    return this.http.start(droppingConnections(this.faults, answer), port);
  }

  stop(): Promise<void> {
    return this.http.stop();
  }

  private async handle(req: IncomingMessage): Promise<ApiReply> {
    this.requests++;
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const endpoint = `${req.method} ${url.pathname}`;
    this.requestsByEndpoint.set(endpoint, (this.requestsByEndpoint.get(endpoint) ?? 0) + 1);
    const tokenPath = TOKEN_PATH.exec(url.pathname);
    if (tokenPath && req.method === 'POST')
      return this.identity.token(decodeURIComponent(tokenPath[1]!), new URLSearchParams(await readBody(req)));
    if (!API.test(url.pathname))
      return faultReply(new DataverseFault(404, CODES.badRequest, `No Web API resource at ${url.pathname}.`));
    const user = this.authenticate(req.headers.authorization);
    if (!user)
      return {
        status: 401,
        headers: { 'WWW-Authenticate': `Bearer authorization_uri=${this.url}/common/oauth2/authorize` },
      };
    const storm = this.faults.takeStorm();
    if (storm)
      return faultReply(
        new DataverseFault(
          429,
          CODES.tooManyRequests,
          'Number of requests exceeded the limit of 6000 over time window of 300 seconds.',
          {
            'Retry-After': String(storm.retryAfterSeconds),
            ...this.protection.headers(user),
          },
        ),
      );
    const status = this.faults.take5xx();
    if (status) return faultReply(new DataverseFault(status, CODES.internal, 'Internal error (injected).'));
    const body = await readBody(req);
    try {
      this.protection.admit(user);
    } catch (error) {
      return faultReply(error as DataverseFault);
    }
    const started = performance.now();
    // A slow answer is the service taking its time: it holds a concurrency slot and counts as execution time.
    const delay = this.faults.takeDelay();
    if (delay) await new Promise((r) => setTimeout(r, delay));
    const host = req.headers.host ?? new URL(this.url).host;
    const version = /^\/api\/data\/(v9\.[0-2])\//.exec(url.pathname)![1];
    const request: ApiRequest = {
      method: req.method ?? 'GET',
      path: url.pathname.replace(API, ''),
      query: url.searchParams,
      headers: Object.fromEntries(
        Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : (v ?? '')]),
      ),
      body,
      base: `http://${host}/api/data/${version}/`,
    };
    let reply: ApiReply;
    try {
      reply = route(
        {
          store: this.store,
          faults: this.faults,
          user,
          onBatchOperations: (count) => {
            this.batchOperations += count;
            if (this.protection.limits.countBatchOperations && count > 1) this.protection.charge(user, count - 1);
          },
        },
        request,
      );
      if (request.method === 'GET' && reply.body !== undefined)
        reply = { ...reply, body: this.faults.mangle(url.pathname, reply.body) };
    } catch (error) {
      if (!(error instanceof DataverseFault)) throw error;
      reply = faultReply(error);
    } finally {
      this.protection.finish(user, performance.now() - started);
    }
    return { ...reply, headers: { ...this.protection.headers(user), ...reply.headers } };
  }

  /** The user a bearer token acts as, or null when it is missing, unknown or expired. */
  private authenticate(authorization: string | undefined): string | null {
    const token = /^Bearer (.+)$/.exec(authorization ?? '')?.[1];
    if (!token) return null;
    const issued = this.identity.check(token);
    if (issued.state === 'valid') return issued.user;
    if (issued.state === 'expired') return null;
    const open = !this.options.tokens && !this.options.apps?.length;
    return open || this.options.tokens?.includes(token) ? `token:${token.slice(0, 12)}` : null;
  }
}
