import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FIELDS_PATH, OBJECTS, PipedriveStore, type FieldDef, type PipedriveObject, type StoredRecord } from './store';
import { closeNow, listenOnLoopback } from '../loopback';

export { PipedriveStore, fieldKey, type PipedriveObject, type StoredRecord, type FieldDef } from './store';

export interface PipedriveEmulatorOptions {
  /** Accepted API tokens; any non-empty token when absent. */
  tokens?: string[];
  /** Token budget of one 2-second burst window per API token (Pipedrive's costs: list 10, get 1, write 5, search 20). */
  burstBudget?: number;
  burstWindowMs?: number;
  /** Clock of the store (add_time/update_time, second precision like Pipedrive). */
  now?: () => number;
}

export interface LoggedRequest { method: string; path: string; query: Record<string, string>; status: number }

interface Reply { status: number; body: unknown; headers?: Record<string, string> }

/** Pipedrive's error JSON: `{ success: false, error, error_info, errorCode }`. */
function pdError(status: number, error: string, errorInfo?: string): Reply {
  return { status, body: { success: false, error, errorCode: status, ...(errorInfo ? { error_info: errorInfo } : {}), data: null, additional_data: null } };
}

/** Faults a test injects through the emulator object (never over HTTP). */
export class PipedriveFaults {
  storm = 0;
  stormRetryAfterSeconds: number | null = 1;
  errors5xx = 0;
  status5xx = 502;
  delayMs = 0;
  delayCount = Infinity;
  readonly failures = new Map<string, string>();
  readonly served = { rateLimited: 0, serverErrors: 0 };

  /** The next `count` requests answer 429 (with `Retry-After` seconds unless null). */
  rateLimitStorm(count: number, retryAfterSeconds: number | null = 1): this { this.storm = count; this.stormRetryAfterSeconds = retryAfterSeconds; return this; }
  /** The next `count` requests answer `status` (default 502). */
  serverErrors(count: number, status = 502): this { this.errors5xx = count; this.status5xx = status; return this; }
  /** Delays responses by `ms` (the next `count`, or all). */
  slow(ms: number, count = Infinity): this { this.delayMs = ms; this.delayCount = count; return this; }
  /** Writes whose custom field values include `value` fail with 400 and `message`. */
  failRecord(value: string, message = 'Injected validation failure'): this { this.failures.set(value, message); return this; }
  clear(): void { this.storm = 0; this.errors5xx = 0; this.delayMs = 0; this.failures.clear(); }
}

const COST = { list: 10, get: 1, write: 5, search: 20, fields: 20 } as const;
const TYPE_OF: Record<PipedriveObject, string> = { persons: 'person', deals: 'deal', organizations: 'organization' };
const REQUIRED: Record<PipedriveObject, string> = { persons: 'name', deals: 'title', organizations: 'name' };
const WRITABLE: Record<PipedriveObject, string[]> = {
  persons: ['name', 'first_name', 'last_name', 'emails', 'phones', 'org_id', 'owner_id', 'visible_to'],
  deals: ['title', 'value', 'currency', 'status', 'pipeline_id', 'stage_id', 'person_id', 'org_id', 'owner_id', 'expected_close_date'],
  organizations: ['name', 'address', 'owner_id', 'visible_to'],
};

/** A local Pipedrive API (v2 CRUD/search of persons, deals, organizations; v1 fields, pipelines, stages) on 127.0.0.1. */
export class PipedriveEmulator {
  readonly store: PipedriveStore;
  readonly faults = new PipedriveFaults();
  /** Every request received, in order, with its answer's status. */
  readonly log: LoggedRequest[] = [];
  /** Requests refused by the real (not injected) burst limit. */
  rateLimited = 0;
  private server: Server | null = null;
  private readonly windows = new Map<string, { start: number; used: number }>();

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
    const server = createServer((req, res) => void this.serve(req, res));
    await listenOnLoopback(server, port);
    this.server = server;
    return this.url;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    await closeNow(server);
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const entry: LoggedRequest = { method: req.method ?? 'GET', path: url.pathname, query: Object.fromEntries(url.searchParams), status: 0 };
    delete entry.query.api_token;
    this.log.push(entry);
    let reply: Reply;
    try {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      reply = await this.handle(entry.method, url, req.headers['x-api-token'] as string | undefined, Buffer.concat(chunks).toString('utf8'));
    } catch (error) {
      reply = pdError(500, `Emulator error: ${(error as Error).message}`);
    }
    entry.status = reply.status;
    res.writeHead(reply.status, { 'Content-Type': 'application/json; charset=utf-8', ...reply.headers });
    res.end(JSON.stringify(reply.body));
  }

  private cost(method: string, parts: string[]): number {
    if (parts[0] === 'v1') return COST.fields;
    if (method !== 'GET') return COST.write;
    if (parts[3] === 'search') return COST.search;
    return parts.length === 4 ? COST.get : COST.list;
  }

  private async handle(method: string, url: URL, headerToken: string | undefined, rawBody: string): Promise<Reply> {
    const f = this.faults;
    if (f.delayMs > 0 && f.delayCount > 0) {
      f.delayCount--;
      await new Promise((r) => setTimeout(r, f.delayMs));
    }
    const token = headerToken ?? url.searchParams.get('api_token') ?? undefined;
    if (!token || (this.options.tokens && !this.options.tokens.includes(token))) {
      return pdError(401, 'unauthorized access', 'Please check developers.pipedrive.com for more information about Pipedrive API.');
    }
    const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    if (parts[0] === 'api' && parts[1] === 'v2') parts.splice(0, 2, 'v2');
    // Token budget of the current burst window.
    const windowMs = this.options.burstWindowMs ?? 2000;
    const budget = this.options.burstBudget ?? 400;
    const now = Date.now();
    let w = this.windows.get(token);
    if (!w || now - w.start >= windowMs) this.windows.set(token, (w = { start: now, used: 0 }));
    const cost = this.cost(method, parts);
    const resetS = Math.max(1, Math.ceil((w.start + windowMs - now) / 1000));
    const allowed = w.used + cost <= budget;
    if (allowed) w.used += cost;
    const rate = { 'x-ratelimit-limit': String(budget), 'x-ratelimit-remaining': String(Math.max(0, budget - w.used)), 'x-ratelimit-reset': String(resetS) };
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
      if (parts[1] === 'pipelines' && parts.length === 2) return { status: 200, body: { success: true, data: this.store.pipelines } };
      if (parts[1] === 'stages' && parts.length === 2) {
        const pipeline = q.get('pipeline_id');
        return { status: 200, body: { success: true, data: this.store.stages.filter((s) => !pipeline || String(s.pipeline_id) === pipeline) } };
      }
      if (parts[1] === 'users' && parts[2] === 'me') return { status: 200, body: { success: true, data: { id: 1, name: 'Emulator User', company_id: 1 } } };
      return notFound();
    }
    if (parts[0] !== 'v2') return notFound();
    if (method === 'GET' && parts.length === 2 && parts[1] === 'pipelines') return { status: 200, body: { success: true, data: this.store.pipelines, additional_data: { next_cursor: null } } };
    if (method === 'GET' && parts.length === 2 && parts[1] === 'stages') {
      const pipeline = q.get('pipeline_id');
      return { status: 200, body: { success: true, data: this.store.stages.filter((s) => !pipeline || String(s.pipeline_id) === pipeline), additional_data: { next_cursor: null } } };
    }
    const object = OBJECTS.find((o) => o === parts[1]);
    if (!object) return notFound();
    if (parts.length === 2 && method === 'GET') return this.list(object, q);
    if (parts.length === 3 && parts[2] === 'search' && method === 'GET') return this.search(object, q);
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
    return { status: 200, body: { success: true, data, additional_data: { pagination: { start, limit, more_items_in_collection: more, ...(more ? { next_start: start + limit } : {}) } } } };
  }

  private page(records: StoredRecord[], q: URLSearchParams): { data: StoredRecord[]; next: string | null } | Reply {
    const limit = Number(q.get('limit') ?? 100);
    if (!Number.isInteger(limit) || limit < 1 || limit > 500) return pdError(400, 'Validation failed: limit: Parameter must be an integer between 1 and 500');
    let offset = 0;
    const cursor = q.get('cursor');
    if (cursor) {
      offset = Number(Buffer.from(cursor, 'base64').toString('utf8').replace(/^offset:/, ''));
      if (!Number.isInteger(offset) || offset < 0) return pdError(400, 'Validation failed: cursor: Invalid cursor');
    }
    const data = records.slice(offset, offset + limit);
    return { data, next: offset + limit < records.length ? Buffer.from(`offset:${offset + limit}`).toString('base64') : null };
  }

  private list(object: PipedriveObject, q: URLSearchParams): Reply {
    let records = this.store.all(object);
    const since = q.get('updated_since');
    if (since) {
      const t = Date.parse(since);
      if (Number.isNaN(t)) return pdError(400, 'Validation failed: updated_since: Invalid RFC3339 date');
      records = records.filter((r) => Date.parse(r.update_time) >= t);
    }
    const sortBy = q.get('sort_by') ?? 'id';
    if (!['id', 'update_time', 'add_time'].includes(sortBy)) return pdError(400, 'Validation failed: sort_by: must be one of id, update_time, add_time');
    const dir = q.get('sort_direction') === 'desc' ? -1 : 1;
    records.sort((a, b) => dir * (sortBy === 'id' ? a.id - b.id : Date.parse(a[sortBy] as string) - Date.parse(b[sortBy] as string) || a.id - b.id));
    const page = this.page(records, q);
    if ('status' in page) return page;
    return { status: 200, body: { success: true, data: page.data, additional_data: { next_cursor: page.next } } };
  }

  private search(object: PipedriveObject, q: URLSearchParams): Reply {
    const term = q.get('term') ?? '';
    const exact = q.get('exact_match') === 'true';
    if (term.length < (exact ? 1 : 2)) return pdError(400, 'Validation failed: term: Search term must be at least 2 characters long');
    const fields = (q.get('fields') ?? 'custom_fields,name').split(',');
    const match = (v: unknown) => v !== null && v !== undefined && (exact ? String(v).toLowerCase() === term.toLowerCase() : String(v).toLowerCase().includes(term.toLowerCase()));
    const title = object === 'deals' ? 'title' : 'name';
    const hits = this.store.all(object).filter((r) =>
      (fields.includes('custom_fields') && Object.values(r.custom_fields).some(match)) || ((fields.includes('name') || fields.includes('title')) && match(r[title])));
    const page = this.page(hits, q);
    if ('status' in page) return page;
    const items = page.data.map((r) => ({
      result_score: 1,
      item: { id: r.id, type: TYPE_OF[object], [title]: r[title], custom_fields: Object.values(r.custom_fields).filter(match).map(String), update_time: r.update_time },
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
      return pdError(400, `Validation failed: ${required}: Required field is missing`, `The ${required} of a ${TYPE_OF[object]} is required.`);
    }
    if (required in values && (typeof values[required] !== 'string' || !(values[required] as string).trim())) {
      return pdError(400, `Validation failed: ${required}: Must not be empty`);
    }
    if ('value' in values && values.value !== null && typeof values.value !== 'number') return pdError(400, 'Validation failed: value: Must be a number');
    const custom = (body.custom_fields ?? {}) as Record<string, unknown>;
    const defs = new Map(this.store.fieldsOf(object).map((d) => [d.key, d] as [string, FieldDef]));
    for (const [key, v] of Object.entries(custom)) {
      const def = defs.get(key);
      if (!def || !/^[0-9a-f]{40}$/.test(key)) return pdError(400, `Validation failed: custom_fields.${key}: Unknown custom field`);
      if (v === null) continue;
      if (def.field_type === 'enum' && !def.options!.some((o) => o.id === v)) {
        return pdError(400, `Validation failed: custom_fields.${key}: Option ${JSON.stringify(v)} does not exist`, `Valid options of ${def.name}: ${def.options!.map((o) => `${o.id} (${o.label})`).join(', ')}`);
      }
      if (def.field_type === 'double' && typeof v !== 'number') return pdError(400, `Validation failed: custom_fields.${key}: Must be a number`);
      const injected = this.faults.failures.get(String(v));
      if (injected) return pdError(400, injected);
    }
    if (object === 'deals' && values.stage_id !== undefined && !this.store.stages.some((s) => s.id === values.stage_id)) {
      return pdError(400, 'Validation failed: stage_id: Stage not found');
    }
    const record = existing ? this.store.update(object, existing.id, values, custom)! : this.store.create(object, values, custom);
    return { status: 200, body: { success: true, data: record } };
  }
}
