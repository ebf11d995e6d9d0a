import http from 'node:http';
import { BulkIngest } from './bulk';
import { Faults } from './faults';
import {
  API_BASE,
  Cursors,
  describeGlobal,
  describeSObject,
  query,
  sfError,
  upsertCollection,
  type Reply,
} from './handlers';
import { deleteCollection, getDeleted } from './deletes';
import { makeId } from './ids';
import { Limits } from './limits';
import { EMULATOR_CLIENT } from './client-token';
import { OAuth, type JwtBearerSettings, type OAuthClient } from './oauth';
import { Store } from './store';
import { BayeuxServer, type BayeuxOptions } from './streaming/bayeux';
import { ChangeEventBus, type RetentionOptions } from './streaming/bus';
import { closeNow, listenOnLoopback } from '../loopback';
import { guarded, readBody } from '../http-guard';

export interface SalesforceEmulatorOptions {
  /** The org's daily API request allocation (default 15,000). */
  dailyApiRequests?: number;
  client?: OAuthClient;
  /** Enables the JWT bearer grant: assertions must be signed (RS256) by this public key's private half. */
  jwtBearer?: JwtBearerSettings;
  /** Which org this emulator plays (default 1): its Organization ID is `00D` + this number, so two emulators can be two orgs. */
  orgNumber?: number;
  /** Change Data Capture: how long events are kept for replay, and how the CometD endpoint holds long polls. */
  changeEvents?: { retention?: RetentionOptions } & BayeuxOptions;
}

/**
 * A local stand-in for one Salesforce org's REST API (v60.0): OAuth token endpoint (client credentials, refresh
 * token, JWT bearer), describe, SOQL query with query locators, sObject Collections upsert by external ID, Bulk API
 * 2.0 ingest (upsert), delete, the daily API limit and injectable faults; and Change Data Capture: every committed
 * change publishes change events, served over CometD at `/cometd/<version>` with the replay extension.
 * Listens on 127.0.0.1 with an ephemeral port.
 */
export class SalesforceEmulator {
  readonly store = new Store();
  readonly faults = new Faults();
  readonly limits: Limits;
  readonly oauth: OAuth;
  readonly orgId: string;
  readonly userId = makeId('005', 1);
  /** Bulk API 2.0 ingest jobs; `emu.bulk.failJobs(n)` makes the next jobs fail. */
  readonly bulk: BulkIngest;
  /** Every API request seen (method, path, and when it was answered: Date.now()), for assertions and the bench. */
  readonly requests: Array<{ method: string; path: string; status: number; at: number }> = [];
  /** The org's change events: `emu.changeEvents.gap(...)`, `.overflow(...)`, `.expire(...)`, `.events`. */
  readonly changeEvents: ChangeEventBus;
  /** The CometD endpoint's clients and what it was asked (`emu.cometd.log`), `emu.cometd.dropClients()`. */
  readonly cometd: BayeuxServer;
  private readonly cursors = new Cursors();
  private server: http.Server | null = null;
  private base = '';

  constructor(options: SalesforceEmulatorOptions = {}) {
    this.orgId = makeId('00D', options.orgNumber ?? 1);
    this.limits = new Limits(options.dailyApiRequests);
    this.oauth = new OAuth(options.client ?? EMULATOR_CLIENT, this.orgId, this.userId, options.jwtBearer);
    this.bulk = new BulkIngest(this.store, this.limits, this.userId);
    this.changeEvents = new ChangeEventBus(
      this.store.capture,
      this.userId,
      (entity) => this.store.objects.has(entity),
      () => this.store.now(),
      options.changeEvents?.retention,
    );
    this.cometd = new BayeuxServer(this.changeEvents, options.changeEvents);
    // The integration user the tokens belong to, so Loan_Officer__c lookups and User queries have a record to find.
    this.store.insert('User', [
      {
        Id: this.userId,
        FirstName: 'Integration',
        LastName: 'User',
        Email: 'integration@example.com',
        Username: 'integration@crm-bridge.example',
        IsActive: true,
      },
    ]);
  }

  /** Changes a record as a user editing it in Salesforce would (no API call; SystemModstamp moves on). */
  editRecord(object: string, id: string, changes: Record<string, unknown>) {
    return this.store.update(object, id, changes);
  }

  /** Starts listening (on an ephemeral port unless one is given); resolves to the instance URL (http://127.0.0.1:PORT). */
  async start(port = 0): Promise<string> {
    const server = http.createServer(guarded((req, res) => this.handle(req, res)));
    this.base = await listenOnLoopback(server, port);
    this.server = server;
    return this.base;
  }

  get instanceUrl(): string {
    return this.base;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    this.cometd.stop();
    await closeNow(server);
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const body = await readBody(req);
    const url = new URL(req.url ?? '/', this.base);
    const method = req.method ?? 'GET';
    if (url.pathname === '/cometd' || url.pathname.startsWith('/cometd/')) return this.streaming(req, res, url, body);
    const fault = url.pathname.startsWith(API_BASE) ? this.faults.take(method, url.pathname) : undefined;
    if (fault?.kind === 'slow') await new Promise((r) => setTimeout(r, fault.delayMs));
    if (fault?.kind === 'drop' && !fault.afterProcessing) {
      req.socket.destroy();
      return;
    }
    let reply: Reply;
    if (fault?.kind === 'status') {
      this.limits.take();
      reply = sfError(fault.status, fault.errorCode, fault.message);
    } else {
      reply = this.route(method, url, body, req.headers.authorization, req.headers['content-type']);
    }
    if (fault?.kind === 'malformed' && reply.body !== undefined && reply.text === undefined)
      reply = { ...reply, body: fault.mutate(structuredClone(reply.body)) };
    this.requests.push({ method, path: url.pathname, status: reply.status, at: Date.now() });
    if (fault?.kind === 'drop') {
      req.socket.destroy();
      return;
    }
    if (res.destroyed) return;
    res.writeHead(reply.status, {
      'Content-Type': reply.contentType ?? 'application/json;charset=UTF-8',
      'Sforce-Limit-Info': this.limits.header(),
    });
    res.end(reply.text ?? (reply.body === undefined ? '' : JSON.stringify(reply.body)));
  }

  /** CometD (Bayeux over long polling): answered once its messages may be, a connect when events come. */
  private async streaming(req: http.IncomingMessage, res: http.ServerResponse, url: URL, body: string): Promise<void> {
    const method = req.method ?? 'GET';
    let status: number;
    let messages: unknown[];
    if (!/^\/cometd\/\d+\.\d\/?$/.test(url.pathname)) {
      status = 400;
      messages = [{ successful: false, error: "400::API version in the URI is mandatory. URI format: '/cometd/60.0'" }];
    } else if (method !== 'POST') {
      status = 405;
      messages = [{ successful: false, error: `405::HTTP method ${method} not allowed` }];
    } else ({ status, messages } = await this.cometd.handle(body, this.oauth.authorized(req.headers.authorization)));
    this.requests.push({ method, path: url.pathname, status, at: Date.now() });
    if (res.destroyed) return;
    res.writeHead(status, { 'Content-Type': 'application/json;charset=UTF-8' });
    res.end(JSON.stringify(messages));
  }

  private route(
    method: string,
    url: URL,
    body: string,
    authorization: string | undefined,
    contentType: string | undefined,
  ): Reply {
    const path = url.pathname.replace(/\/+$/, '');
    if (path === '/services/oauth2/token') {
      if (method !== 'POST')
        return sfError(405, 'METHOD_NOT_ALLOWED', `HTTP Method '${method}' not allowed. Allowed are POST`);
      return this.oauth.token(new URLSearchParams(body), this.base);
    }
    if (!path.startsWith(API_BASE)) return sfError(404, 'NOT_FOUND', 'The requested resource does not exist');
    if (!this.oauth.authorized(authorization)) return sfError(401, 'INVALID_SESSION_ID', 'Session expired or invalid');
    if (!this.limits.take()) return sfError(403, 'REQUEST_LIMIT_EXCEEDED', 'TotalRequests Limit exceeded.');
    const rest = path.slice(API_BASE.length);
    if (rest.startsWith('/jobs/ingest')) {
      return this.bulk.route(method, rest, body) ?? sfError(404, 'NOT_FOUND', 'The requested resource does not exist');
    }
    let json: unknown;
    if (body && !/^text\/csv/i.test(contentType ?? '')) {
      try {
        json = JSON.parse(body);
      } catch {
        return sfError(400, 'JSON_PARSER_ERROR', 'The request body is not valid JSON');
      }
    }
    let m: RegExpExecArray | null;
    if (method === 'GET' && rest === '/sobjects') return describeGlobal(this.store);
    if (method === 'GET' && (m = /^\/sobjects\/(\w+)\/describe$/.exec(rest))) return describeSObject(this.store, m[1]!);
    if (method === 'GET' && rest === '/query') return query(this.store, this.cursors, url.searchParams.get('q'));
    if (method === 'GET' && (m = /^\/query\/([\w-]+)$/.exec(rest))) return this.cursors.more(m[1]!);
    if (method === 'GET' && rest === '/limits') {
      const { dailyApiRequests: Max, used, dailyBulkApiBatches, bulkBatchesUsed } = this.limits;
      return {
        status: 200,
        body: {
          DailyApiRequests: { Max, Remaining: Math.max(0, Max - used) },
          DailyBulkApiBatches: {
            Max: dailyBulkApiBatches,
            Remaining: Math.max(0, dailyBulkApiBatches - bulkBatchesUsed),
          },
        },
      };
    }
    if (method === 'DELETE' && (m = /^\/sobjects\/(\w+)\/(\w{15,18})$/.exec(rest))) {
      if (!this.store.objects.has(m[1]!)) return sfError(404, 'NOT_FOUND', 'The requested resource does not exist');
      return this.store.delete(m[1]!, m[2]!) ? { status: 204 } : sfError(404, 'ENTITY_IS_DELETED', 'entity is deleted');
    }
    if (method === 'DELETE' && rest === '/composite/sobjects') return deleteCollection(this.store, url.searchParams);
    if (method === 'GET' && (m = /^\/sobjects\/(\w+)\/deleted$/.exec(rest)))
      return getDeleted(this.store, m[1]!, url.searchParams);
    if (method === 'PATCH' && (m = /^\/composite\/sobjects\/(\w+)\/(\w+)$/.exec(rest)))
      return upsertCollection(this.store, m[1]!, m[2]!, json);
    return sfError(404, 'NOT_FOUND', 'The requested resource does not exist');
  }
}
