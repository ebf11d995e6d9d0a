import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FIELDS_PATH, OBJECTS, PipedriveStore, type FieldDef, type PipedriveObject, type StoredRecord } from './store';
import { closeNow, listenOnLoopback } from '../loopback';
import { guarded, readBody } from '../http-guard';

export { PipedriveStore, fieldKey, type PipedriveObject, type StoredRecord, type FieldDef } from './store';

/** An OAuth app installed on the emulated company: its client and a refresh token it holds. */
export interface OAuthClient {
  clientId: string;
  clientSecret: string;
  refreshToken: string;
}

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

interface Reply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

/** Pipedrive's error JSON: `{ success: false, error, error_info, errorCode }`. */
function pdError(status: number, error: string, errorInfo?: string): Reply {
  return {
    status,
    body: {
      success: false,
      error,
      errorCode: status,
      ...(errorInfo ? { error_info: errorInfo } : {}),
      data: null,
      additional_data: null,
    },
  };
}

/** Faults a test injects through the emulator object (never over HTTP). */
export class PipedriveFaults {
  storm = 0;
  stormRetryAfterSeconds: number | null = 1;
  errors5xx = 0;
  status5xx = 502;
  delayMs = 0;
  delayCount = Infinity;
  drops = 0;
  dropAfterProcessing = false;
  dropMethods: string[] = ['POST', 'PATCH'];
  readonly failures = new Map<string, string>();
  readonly served = { rateLimited: 0, serverErrors: 0, dropped: 0 };

  /** The next `count` requests answer 429 (with `Retry-After` seconds unless null). */
  rateLimitStorm(count: number, retryAfterSeconds: number | null = 1): this {
    this.storm = count;
    this.stormRetryAfterSeconds = retryAfterSeconds;
    return this;
  }
  /** The next `count` requests answer `status` (default 502). */
  serverErrors(count: number, status = 502): this {
    this.errors5xx = count;
    this.status5xx = status;
    return this;
  }
  /** Delays responses by `ms` (the next `count`, or all). */
  slow(ms: number, count = Infinity): this {
    this.delayMs = ms;
    this.delayCount = count;
    return this;
  }
  /**
   * The next `count` requests of `methods` (default writes) lose their connection: before the emulator handles them,
   * or after it has applied the write (the client cannot tell which, so a blind retry of a create would duplicate).
   */
  dropConnections(count: number, options: { afterProcessing?: boolean; methods?: string[] } = {}): this {
    this.drops = count;
    this.dropAfterProcessing = options.afterProcessing ?? false;
    this.dropMethods = options.methods ?? ['POST', 'PATCH'];
    return this;
  }
  /** Writes whose custom field values include `value` fail with 400 and `message`. */
  failRecord(value: string, message = 'Injected validation failure'): this {
    this.failures.set(value, message);
    return this;
  }
  clear(): void {
    this.storm = 0;
    this.errors5xx = 0;
    this.delayMs = 0;
    this.drops = 0;
    this.failures.clear();
  }
}

const COST = { list: 10, get: 1, write: 5, search: 20, fields: 20 } as const;
const TYPE_OF: Record<PipedriveObject, string> = {
  persons: 'person',
  deals: 'deal',
  organizations: 'organization',
  activities: 'activity',
};
const REQUIRED: Record<PipedriveObject, string> = {
  persons: 'name',
  deals: 'title',
  organizations: 'name',
  activities: 'subject',
};
const WRITABLE: Record<PipedriveObject, string[]> = {
  persons: ['name', 'first_name', 'last_name', 'emails', 'phones', 'org_id', 'owner_id', 'visible_to'],
  deals: [
    'title',
    'value',
    'currency',
    'status',
    'pipeline_id',
    'stage_id',
    'person_id',
    'org_id',
    'owner_id',
    'expected_close_date',
  ],
  organizations: ['name', 'address', 'owner_id', 'visible_to'],
  activities: [
    'subject',
    'type',
    'due_date',
    'due_time',
    'duration',
    'done',
    'deal_id',
    'person_id',
    'org_id',
    'owner_id',
    'note',
  ],
};

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
  private server: Server | null = null;
  private readonly windows = new Map<string, { start: number; used: number; searches: number }>();
  /** Issued OAuth access tokens -> expiry (ms) and the refresh token they came from. */
  private readonly accessTokens = new Map<string, { expiresAt: number; clientId: string }>();
  private issued = 0;

  constructor(private readonly options: PipedriveEmulatorOptions = {}) {
    this.store = new PipedriveStore(options.now);
  }

  get url(): string {
    if (!this.server) throw new Error('Pipedrive emulator is not started');
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Requests whose path matches, e.g. `/api/v2/persons/search`. */
  requestsTo(path: string | RegExp): LoggedRequest[] {
    return this.log.filter((r) => (typeof path === 'string' ? r.path === path : path.test(r.path)));
  }

  async start(port = 0): Promise<string> {
    const server = createServer(guarded((req, res) => this.serve(req, res)));
    await listenOnLoopback(server, port);
    this.server = server;
    return this.url;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    await closeNow(server);
  }

  /** A user's edit in Pipedrive's UI (not through the API): bumps `update_time`; custom fields by name or key. */
  edit(object: PipedriveObject, id: number, changes: Record<string, unknown>): StoredRecord {
    return this.store.edit(object, id, changes);
  }

  /** Revokes every issued access token (the next call with one answers 401, so a client must refresh). */
  revokeAccessTokens(): void {
    this.accessTokens.clear();
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
          ? this.oauthToken(entry.method, req.headers.authorization, body)
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

  /** `POST /oauth/token`: refreshes an access token for a client authenticated by HTTP Basic (client_id:client_secret). */
  private oauthToken(method: string, authorization: string | undefined, rawBody: string): Reply {
    const oauthError = (status: number, error: string, description: string): Reply => ({
      status,
      body: { success: false, error, error_description: description },
    });
    if (method !== 'POST') return oauthError(405, 'invalid_request', 'Use POST');
    const basic = /^Basic\s+(.+)$/i.exec(authorization ?? '');
    const [clientId, clientSecret] = basic ? Buffer.from(basic[1]!, 'base64').toString('utf8').split(':') : [];
    const client = (this.options.oauthClients ?? []).find((c) => c.clientId === clientId);
    if (!client || client.clientSecret !== clientSecret)
      return oauthError(401, 'invalid_client', 'Invalid client credentials');
    const form = new URLSearchParams(rawBody);
    if (form.get('grant_type') !== 'refresh_token')
      return oauthError(400, 'unsupported_grant_type', 'Only refresh_token is supported by the emulator');
    if (form.get('refresh_token') !== client.refreshToken)
      return oauthError(400, 'invalid_grant', 'Invalid refresh token');
    const ttl = this.options.accessTokenTtlSeconds ?? 3599;
    const accessToken = `v1u:emulator-access-${++this.issued}-${randomBytes(12).toString('hex')}`;
    this.accessTokens.set(accessToken, { expiresAt: Date.now() + ttl * 1000, clientId: client.clientId });
    return {
      status: 200,
      body: {
        access_token: accessToken,
        token_type: 'Bearer',
        refresh_token: client.refreshToken,
        scope: 'base,deals:full,contacts:full',
        expires_in: ttl,
        api_domain: this.url,
      },
    };
  }

  /** The caller's token (API token, or an issued Bearer token that has not expired), or null when it is not accepted. */
  private authenticate(headerToken: string | undefined, authorization: string | undefined, url: URL): string | null {
    const bearer = /^Bearer\s+(.+)$/i.exec(authorization ?? '');
    if (bearer) {
      const issued = this.accessTokens.get(bearer[1]!);
      return issued && issued.expiresAt > Date.now() ? bearer[1]! : null;
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
    if (f.delayMs > 0 && f.delayCount > 0) {
      f.delayCount--;
      await new Promise((r) => setTimeout(r, f.delayMs));
    }
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
    if (f.storm > 0) {
      f.storm--;
      f.served.rateLimited++;
      return tooMany(f.stormRetryAfterSeconds);
    }
    if (!allowed) {
      this.rateLimited++;
      return tooMany(resetS);
    }
    if (f.errors5xx > 0) {
      f.errors5xx--;
      f.served.serverErrors++;
      return { ...pdError(f.status5xx, 'Service temporarily unavailable'), headers: rate };
    }
    let body: Record<string, unknown> = {};
    if (rawBody) {
      try {
        body = JSON.parse(rawBody) as Record<string, unknown>;
      } catch {
        return { ...pdError(400, 'Invalid JSON in request body'), headers: rate };
      }
    }
    return { ...this.route(method, parts, url.searchParams, body), headers: rate };
  }

  private route(method: string, parts: string[], q: URLSearchParams, body: Record<string, unknown>): Reply {
    const notFound = () => pdError(404, `Unknown method ${method} /${parts.join('/')}`);
    if (parts[0] === 'v1' && method === 'GET') {
      const object = OBJECTS.find((o) => FIELDS_PATH[o] === parts[1]);
      if (object && parts.length === 2) return this.listFields(object, q);
      if (parts[1] === 'pipelines' && parts.length === 2)
        return { status: 200, body: { success: true, data: this.store.pipelines } };
      if (parts[1] === 'stages' && parts.length === 2) {
        const pipeline = q.get('pipeline_id');
        return {
          status: 200,
          body: {
            success: true,
            data: this.store.stages.filter((s) => !pipeline || String(s.pipeline_id) === pipeline),
          },
        };
      }
      if (parts[1] === 'users' && parts[2] === 'me')
        return { status: 200, body: { success: true, data: { id: 1, name: 'Emulator User', company_id: 1 } } };
      return notFound();
    }
    if (parts[0] !== 'v2') return notFound();
    if (method === 'GET' && parts.length === 2 && parts[1] === 'pipelines')
      return {
        status: 200,
        body: { success: true, data: this.store.pipelines, additional_data: { next_cursor: null } },
      };
    if (method === 'GET' && parts.length === 2 && parts[1] === 'stages') {
      const pipeline = q.get('pipeline_id');
      return {
        status: 200,
        body: {
          success: true,
          data: this.store.stages.filter((s) => !pipeline || String(s.pipeline_id) === pipeline),
          additional_data: { next_cursor: null },
        },
      };
    }
    const object = OBJECTS.find((o) => o === parts[1]);
    if (!object) return notFound();
    if (parts.length === 2 && method === 'GET') return this.list(object, q);
    if (parts.length === 3 && parts[2] === 'search' && method === 'GET' && object !== 'activities')
      return this.search(object, q);
    if (parts.length === 2 && method === 'POST') return this.write(object, undefined, body);
    if (parts.length === 3 && /^\d+$/.test(parts[2]!)) {
      const id = Number(parts[2]);
      if (method === 'GET') {
        const r = this.store.get(object, id);
        return r ? { status: 200, body: { success: true, data: r } } : pdError(404, `${TYPE_OF[object]} not found`);
      }
      if (method === 'PATCH') return this.write(object, id, body);
    }
    return notFound();
  }

  private listFields(object: PipedriveObject, q: URLSearchParams): Reply {
    const all = this.store.fieldsOf(object);
    const start = Number(q.get('start') ?? 0);
    const limit = Math.min(Number(q.get('limit') ?? 100), 500);
    const data = all.slice(start, start + limit);
    const more = start + limit < all.length;
    return {
      status: 200,
      body: {
        success: true,
        data,
        additional_data: {
          pagination: { start, limit, more_items_in_collection: more, ...(more ? { next_start: start + limit } : {}) },
        },
      },
    };
  }

  private page(records: StoredRecord[], q: URLSearchParams): { data: StoredRecord[]; next: string | null } | Reply {
    const limit = Number(q.get('limit') ?? 100);
    if (!Number.isInteger(limit) || limit < 1 || limit > 500)
      return pdError(400, 'Validation failed: limit: Parameter must be an integer between 1 and 500');
    let offset = 0;
    const cursor = q.get('cursor');
    if (cursor) {
      offset = Number(
        Buffer.from(cursor, 'base64')
          .toString('utf8')
          .replace(/^offset:/, ''),
      );
      if (!Number.isInteger(offset) || offset < 0) return pdError(400, 'Validation failed: cursor: Invalid cursor');
    }
    const data = records.slice(offset, offset + limit);
    return {
      data,
      next: offset + limit < records.length ? Buffer.from(`offset:${offset + limit}`).toString('base64') : null,
    };
  }

  private list(object: PipedriveObject, q: URLSearchParams): Reply {
    const sortBy = q.get('sort_by') ?? 'id';
    if (!['id', 'update_time', 'add_time'].includes(sortBy))
      return pdError(400, 'Validation failed: sort_by: must be one of id, update_time, add_time');
    const dir = q.get('sort_direction') === 'desc' ? -1 : 1;
    const ids = q.get('ids');
    let records: StoredRecord[];
    if (ids) {
      const list = ids.split(',').map((x) => Number(x.trim()));
      if (list.length > 100 || list.some((x) => !Number.isInteger(x)))
        return pdError(400, 'Validation failed: ids: up to 100 comma-separated integer IDs');
      records = list.map((id) => this.store.get(object, id)).filter((r): r is StoredRecord => r !== undefined);
    } else {
      // The store keeps update_time order cached (100k records are not re-sorted per page).
      records = sortBy === 'update_time' && dir === 1 ? this.store.sortedByUpdateTime(object) : this.store.all(object);
    }
    const since = q.get('updated_since');
    if (since) {
      const t = Date.parse(since);
      if (Number.isNaN(t)) return pdError(400, 'Validation failed: updated_since: Invalid RFC3339 date');
      records = records.filter((r) => Date.parse(r.update_time) >= t);
    }
    const until = q.get('updated_until');
    if (until) {
      const t = Date.parse(until);
      if (Number.isNaN(t)) return pdError(400, 'Validation failed: updated_until: Invalid RFC3339 date');
      records = records.filter((r) => Date.parse(r.update_time) < t);
    }
    if (ids || !(sortBy === 'update_time' && dir === 1)) {
      records = [...records].sort(
        (a, b) =>
          dir *
          (sortBy === 'id' ? a.id - b.id : (a[sortBy] as string).localeCompare(b[sortBy] as string) || a.id - b.id),
      );
    }
    const page = this.page(records, q);
    if ('status' in page) return page;
    return { status: 200, body: { success: true, data: page.data, additional_data: { next_cursor: page.next } } };
  }

  private search(object: PipedriveObject, q: URLSearchParams): Reply {
    const term = q.get('term') ?? '';
    const exact = q.get('exact_match') === 'true';
    if (term.length < (exact ? 1 : 2))
      return pdError(400, 'Validation failed: term: Search term must be at least 2 characters long');
    const fields = (q.get('fields') ?? 'custom_fields,name').split(',');
    const match = (v: unknown) =>
      v !== null &&
      v !== undefined &&
      (exact ? String(v).toLowerCase() === term.toLowerCase() : String(v).toLowerCase().includes(term.toLowerCase()));
    const title = object === 'deals' ? 'title' : 'name';
    const byName = fields.includes('name') || fields.includes('title');
    // Exact matches on custom fields come from the store's value index; anything else scans.
    const hits =
      exact && !byName
        ? fields.includes('custom_fields')
          ? this.store.findByCustomValue(object, term)
          : []
        : this.store
            .all(object)
            .filter(
              (r) =>
                (fields.includes('custom_fields') && Object.values(r.custom_fields).some(match)) ||
                (byName && match(r[title])),
            );
    const page = this.page(hits, q);
    if ('status' in page) return page;
    const items = page.data.map((r) => ({
      result_score: 1,
      item: {
        id: r.id,
        type: TYPE_OF[object],
        [title]: r[title],
        custom_fields: Object.values(r.custom_fields).filter(match).map(String),
        update_time: r.update_time,
      },
    }));
    return { status: 200, body: { success: true, data: { items }, additional_data: { next_cursor: page.next } } };
  }

  private write(object: PipedriveObject, id: number | undefined, body: Record<string, unknown>): Reply {
    const existing = id === undefined ? undefined : this.store.get(object, id);
    if (id !== undefined && !existing) return pdError(404, `${TYPE_OF[object]} not found`);
    const values: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(body)) {
      if (k === 'custom_fields') continue;
      if (!WRITABLE[object].includes(k)) return pdError(400, `Validation failed: ${k}: Unknown or read-only field`);
      values[k] = v;
    }
    const required = REQUIRED[object];
    if (!existing && (typeof values[required] !== 'string' || !(values[required] as string).trim())) {
      return pdError(
        400,
        `Validation failed: ${required}: Required field is missing`,
        `The ${required} of a ${TYPE_OF[object]} is required.`,
      );
    }
    if (required in values && (typeof values[required] !== 'string' || !(values[required] as string).trim())) {
      return pdError(400, `Validation failed: ${required}: Must not be empty`);
    }
    if ('value' in values && values.value !== null && typeof values.value !== 'number')
      return pdError(400, 'Validation failed: value: Must be a number');
    const custom = (body.custom_fields ?? {}) as Record<string, unknown>;
    const defs = new Map(this.store.fieldsOf(object).map((d) => [d.key, d] as [string, FieldDef]));
    for (const [key, v] of Object.entries(custom)) {
      const def = defs.get(key);
      if (!def || !/^[0-9a-f]{40}$/.test(key))
        return pdError(400, `Validation failed: custom_fields.${key}: Unknown custom field`);
      if (v === null) continue;
      if (def.field_type === 'enum' && !def.options!.some((o) => o.id === v)) {
        return pdError(
          400,
          `Validation failed: custom_fields.${key}: Option ${JSON.stringify(v)} does not exist`,
          `Valid options of ${def.name}: ${def.options!.map((o) => `${o.id} (${o.label})`).join(', ')}`,
        );
      }
      if (def.field_type === 'double' && typeof v !== 'number')
        return pdError(400, `Validation failed: custom_fields.${key}: Must be a number`);
      const injected = this.faults.failures.get(String(v));
      if (injected) return pdError(400, injected);
    }
    if (
      object === 'deals' &&
      values.stage_id !== undefined &&
      !this.store.stages.some((s) => s.id === values.stage_id)
    ) {
      return pdError(400, 'Validation failed: stage_id: Stage not found');
    }
    if (
      object === 'deals' &&
      values.person_id !== undefined &&
      values.person_id !== null &&
      !this.store.get('persons', Number(values.person_id))
    ) {
      return pdError(400, 'Validation failed: person_id: Person not found');
    }
    if (
      values.org_id !== undefined &&
      values.org_id !== null &&
      !this.store.get('organizations', Number(values.org_id))
    ) {
      return pdError(400, 'Validation failed: org_id: Organization not found');
    }
    const record = existing
      ? this.store.update(object, existing.id, values, custom)!
      : this.store.create(object, values, custom);
    this.writes[existing ? 'updated' : 'created']++;
    return { status: 200, body: { success: true, data: record } };
  }
}
