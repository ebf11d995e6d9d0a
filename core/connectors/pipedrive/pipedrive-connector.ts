import { v1, v2 } from 'pipedrive';
import type {
  ConnectionCheck, Connector, FieldFormat, FieldSchema, FieldType, ObjectSchema, ReadItem, ReadOptions, UpsertInput, UpsertResult,
} from '../connector';
import type { Value } from '../../mapping/transforms';
import { PipedriveError, replyMeta, toPipedriveError, waitFrom } from './errors';
import { RetryBudget, retryingCall } from '../http/retrying-call';
import { AccountLimiter, limiterFor } from './rate-limit';

export interface PipedriveConnectorOptions {
  /** Personal API token (sent as `x-api-token`). Never logged nor put in errors. */
  apiToken: string;
  /** API host, no trailing slash (default `https://api.pipedrive.com`; the emulator's URL in tests). v2 is `/api/v2`, v1 `/v1`. */
  basePath?: string;
  /** Objects `listObjects` offers (default persons, organizations, deals). */
  objects?: PipedriveObject[];
  /** Page size of reads (v2 list endpoints, max 500; default 100). */
  pageSize?: number;
  /** Retries of one call on 5xx, network errors and timeouts (default 5). */
  retries?: number;
  /** Further retries of one call on 429, always safe to wait out (default 20). */
  rateLimitRetries?: number;
  /** Retries one connector may spend in total across all its calls (default 200); then calls fail. */
  retryBudget?: number;
  /** Backoff bounds (exponential, factor 2, with jitter). Default 500 ms .. 30 s. */
  minRetryDelayMs?: number;
  maxRetryDelayMs?: number;
  /** A call that takes longer counts as failed and is retried (default 60 s). */
  requestTimeoutMs?: number;
  /** Requests in flight per account, across every connector of the process (default 4; the first one sets it). */
  maxConcurrent?: number;
}

export type PipedriveObject = 'persons' | 'organizations' | 'deals';
const OBJECTS: PipedriveObject[] = ['persons', 'organizations', 'deals'];
const DEFAULT_BASE = 'https://api.pipedrive.com';
const CUSTOM_KEY = /^[0-9a-f]{40}$/;
/** Standard fields holding an ID (Pipedrive types `pipeline_id` as `double`); pipeline and stage may also be given by name. */
const REFERENCES = ['org_id', 'owner_id', 'person_id', 'stage_id', 'pipeline_id'];

/** Cursor of an incremental read: the last `update_time` and ID seen, so equal timestamps are not skipped. */
export function encodePipedriveCursor(updateTime: string, id: string | number): string {
  return `${updateTime}|${id}`;
}

function decodeCursor(cursor: string): { time: number; id: number | null } {
  const bar = cursor.lastIndexOf('|');
  const time = Date.parse(bar < 0 ? cursor : cursor.slice(0, bar));
  const id = bar < 0 ? null : Number(cursor.slice(bar + 1));
  if (Number.isNaN(time) || (id !== null && !Number.isInteger(id))) {
    throw new PipedriveError(`Invalid Pipedrive cursor "${cursor}": expected an ISO time, optionally followed by |id`);
  }
  return { time, id };
}

const TYPES: Record<string, FieldType> = {
  varchar: 'string', varchar_auto: 'string', text: 'string', address: 'string', phone: 'string', time: 'string', timerange: 'string',
  double: 'number', monetary: 'number', int: 'integer', user: 'integer', org: 'integer', people: 'integer', stage: 'integer',
  date: 'date', daterange: 'date', enum: 'enum', set: 'enum', status: 'enum', varchar_options: 'enum',
};

function formatOf(key: string, fieldType: string): FieldFormat | undefined {
  if (fieldType === 'phone' || key === 'phone') return 'phone';
  if (key === 'email') return 'email';
  if (fieldType === 'monetary') return 'currency';
  if (fieldType === 'text') return 'textarea';
  if (['user', 'org', 'people', 'stage'].includes(fieldType) || key.endsWith('_id')) return key === 'id' ? undefined : 'reference';
  return undefined;
}

interface RawField { key: string; name: string; field_type: string; edit_flag?: boolean; mandatory_flag?: boolean; options?: Array<{ id: number | string; label: string }> | null }
interface FieldInfo { key: string; name: string; fieldType: string; custom: boolean; options: Map<string, number | string> }
interface RawRecord { id: number; update_time: string; custom_fields?: Record<string, unknown>; [k: string]: unknown }
interface Envelope<T> { success?: boolean; data?: T; additional_data?: { next_cursor?: string | null; pagination?: { more_items_in_collection?: boolean; next_start?: number } } }

type ApiCall<T> = () => Promise<T>;


function asString(v: unknown): Value {
  if (v === null || v === undefined || v === '') return null;
  if (Array.isArray(v)) {
    const list = v as Array<{ value?: unknown; primary?: boolean } | unknown>;
    const primary = list.find((x) => (x as { primary?: boolean })?.primary) ?? list[0];
    if (primary === undefined) return null;
    return asString((primary as { value?: unknown })?.value ?? primary);
  }
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return asString(o.value ?? o.id ?? o.label ?? JSON.stringify(o));
  }
  return String(v);
}

/**
 * Pipedrive through the official `pipedrive` SDK (v2 for records and search, v1 for fields, users, pipelines), with
 * one token-budget limiter per account fed by `x-ratelimit-*` headers and bounded retries with jitter.
 */
export class PipedriveConnector implements Connector {
  readonly system = 'pipedrive';
  private readonly basePath: string;
  private readonly account: AccountLimiter;
  private readonly apis: {
    persons: v2.PersonsApi; deals: v2.DealsApi; organizations: v2.OrganizationsApi;
    personFields: v1.PersonFieldsApi; dealFields: v1.DealFieldsApi; organizationFields: v1.OrganizationFieldsApi;
    users: v1.UsersApi; pipelines: v2.PipelinesApi; stages: v2.StagesApi;
  };
  private readonly fieldCache = new Map<PipedriveObject, Map<string, FieldInfo>>();
  private readonly describeCache = new Map<PipedriveObject, ObjectSchema>();
  /** object -> key property -> key value -> Pipedrive ID; filled by searches and creates, so a re-run does not search. */
  private readonly idCache = new Map<string, Map<string, number>>();
  private readonly budget: RetryBudget;
  /** Retries spent so far, for monitoring and tests. */
  get retriesUsed(): number {
    return this.budget.used;
  }

  constructor(private readonly options: PipedriveConnectorOptions) {
    if (!options.apiToken) throw new PipedriveError('Pipedrive connector needs an API token');
    this.basePath = (options.basePath ?? DEFAULT_BASE).replace(/\/+$/, '');
    this.account = limiterFor(this.basePath, options.apiToken, options.maxConcurrent ?? 4);
    this.budget = new RetryBudget(options.retryBudget ?? 200);
    const c2 = new v2.Configuration({ apiKey: options.apiToken, basePath: `${this.basePath}/api/v2` });
    const c1 = new v1.Configuration({ apiKey: options.apiToken, basePath: `${this.basePath}/v1` });
    this.apis = {
      persons: this.observed(new v2.PersonsApi(c2)), deals: this.observed(new v2.DealsApi(c2)), organizations: this.observed(new v2.OrganizationsApi(c2)),
      personFields: this.observed(new v1.PersonFieldsApi(c1)), dealFields: this.observed(new v1.DealFieldsApi(c1)),
      organizationFields: this.observed(new v1.OrganizationFieldsApi(c1)), users: this.observed(new v1.UsersApi(c1)),
      pipelines: this.observed(new v2.PipelinesApi(c2)), stages: this.observed(new v2.StagesApi(c2)),
    };
  }

  /**
   * The SDK gives no hook and resolves with the bare body (rejects with the bare error body), so headers and status
   * are read by a response transformer on each API object's own axios instance: it feeds the limiter and remembers
   * the status and wait of error bodies.
   */
  private observed<T extends object>(api: T): T {
    const instance = (api as unknown as { axios: { defaults: { transformResponse?: unknown } } }).axios;
    const existing = instance.defaults.transformResponse;
    const list = (Array.isArray(existing) ? existing : existing ? [existing] : []) as Array<(...args: unknown[]) => unknown>;
    const account = this.account;
    instance.defaults.transformResponse = [...list, function observe(data: unknown, headers: unknown, status?: number) {
      const h = (headers && typeof (headers as { toJSON?: () => unknown }).toJSON === 'function'
        ? (headers as { toJSON: () => Record<string, unknown> }).toJSON() : (headers ?? {})) as Record<string, unknown>;
      account.observe(h);
      if (status !== undefined && status >= 400 && data && typeof data === 'object') {
        replyMeta.set(data, { status, retryAfterMs: status === 429 || status === 503 ? waitFrom(h, status === 429) : undefined });
      }
      return data;
    }];
    return api;
  }

  /** The account's hashed key (safe to log). */
  get accountId(): string {
    return this.account.account;
  }

  /** One SDK call through the account limiter, retried within the call's limits and the connector's retry budget. */
  private call<T>(what: string, fn: ApiCall<T>): Promise<T> {
    const secrets = [this.options.apiToken];
    return retryingCall(fn, {
      limiter: this.account,
      policy: this.options,
      budget: this.budget,
      toError: (error) => toPipedriveError(error, what, secrets),
      timeoutError: (ms) => new PipedriveError(`Pipedrive ${what} timed out after ${ms} ms`, undefined, undefined, true),
      budgetSpent: (error, size) => new PipedriveError(`${error.message} (retry budget of ${size} exhausted)`, error.status),
    });
  }


  private object(object: string): PipedriveObject {
    if (!OBJECTS.includes(object as PipedriveObject)) throw new PipedriveError(`Unknown Pipedrive object "${object}" (expected one of ${OBJECTS.join(', ')})`);
    return object as PipedriveObject;
  }

  async checkConnection(): Promise<ConnectionCheck> {
    try {
      await this.call('connection check', () => this.apis.users.getCurrentUser());
      return { ok: true, message: `connected to Pipedrive at ${this.basePath} (account ${this.accountId})` };
    } catch (error) {
      return { ok: false, message: (error as Error).message };
    }
  }

  async listObjects(): Promise<string[]> {
    return [...(this.options.objects ?? OBJECTS)];
  }

  /** v1 field definitions of an object, every page. */
  private async rawFields(object: PipedriveObject): Promise<RawField[]> {
    const out: RawField[] = [];
    let start = 0;
    for (;;) {
      const page = (await this.call(`describe ${object}`, () => {
        const limit = 500;
        if (object === 'persons') return this.apis.personFields.getPersonFields({ start, limit });
        if (object === 'deals') return this.apis.dealFields.getDealFields({ start, limit });
        return this.apis.organizationFields.getOrganizationFields({ start, limit });
      })) as unknown as Envelope<RawField[]>;
      out.push(...(page.data ?? []));
      const p = page.additional_data?.pagination;
      if (!p?.more_items_in_collection || p.next_start === undefined) return out;
      start = p.next_start;
    }
  }

  private async fields(object: PipedriveObject): Promise<Map<string, FieldInfo>> {
    await this.describe(object);
    return this.fieldCache.get(object)!;
  }

  /** Fields from v1 `/{object}Fields`: `name` is the API key (a 40-hex hash for custom fields), `label` the name shown in Pipedrive. */
  async describe(object: string): Promise<ObjectSchema> {
    const o = this.object(object);
    const cached = this.describeCache.get(o);
    if (cached) return cached;
    const raw = await this.rawFields(o);
    const infos = new Map<string, FieldInfo>();
    const fields: FieldSchema[] = raw.map((f) => {
      const custom = CUSTOM_KEY.test(f.key);
      const options = new Map<string, number | string>((f.options ?? []).map((opt) => [opt.label, opt.id]));
      infos.set(f.key, { key: f.key, name: f.name, fieldType: f.field_type, custom, options });
      const field: FieldSchema = {
        name: f.key, label: f.name, type: TYPES[f.field_type] ?? 'unknown',
        required: f.mandatory_flag ?? false, readOnly: f.edit_flag === false,
      };
      if (f.options && f.options.length > 0) field.options = f.options.map((opt) => opt.label);
      if (f.field_type === 'set') field.multiValue = true;
      const format = formatOf(f.key, f.field_type);
      if (format) field.format = format;
      if (custom) field.description = `custom field "${f.name}"`;
      return field;
    });
    const schema: ObjectSchema = { object: o, idField: 'id', fields };
    this.fieldCache.set(o, infos);
    this.describeCache.set(o, schema);
    return schema;
  }

  private listPage(object: PipedriveObject, since: string | undefined, limit: number, cursor: string | undefined): Promise<unknown> {
    const params = { updated_since: since, sort_by: 'update_time' as const, sort_direction: 'asc' as const, limit, cursor };
    if (object === 'persons') return this.apis.persons.getPersons(params);
    if (object === 'deals') return this.apis.deals.getDeals(params);
    return this.apis.organizations.getOrganizations(params);
  }

  private toItem(object: PipedriveObject, r: RawRecord, fields: Map<string, FieldInfo>, wanted: string[] | undefined): ReadItem {
    const props: Record<string, Value> = {};
    for (const [key, info] of fields) {
      if (wanted && !wanted.includes(key)) continue;
      if (info.custom) props[key] = asString(r.custom_fields?.[key]);
      else if (key === 'email') props[key] = asString(r.emails ?? r.email);
      else if (key === 'phone') props[key] = asString(r.phones ?? r.phone);
      else props[key] = asString(r[key]);
      if (props[key] !== null && (info.fieldType === 'enum' || info.fieldType === 'set') && info.custom) {
        const byId = new Map([...info.options].map(([label, id]) => [String(id), label]));
        props[key] = String(props[key]).split(',').map((id) => byId.get(id.trim()) ?? id).join(';');
      }
    }
    const modifiedAt = new Date(r.update_time).toISOString();
    return { type: 'record', record: { id: String(r.id), properties: props, modifiedAt, origin: { source: `pipedrive:${object}` } } };
  }

  /**
   * Every record (or those changed after `since`: an ISO time, or a cursor `update_time|id` from a record's
   * `modifiedAt` and `id`), oldest change first, by the v2 list endpoint with `sort_by=update_time` and
   * `updated_since` (which includes the cursor's second); records of the cursor's second up to its ID are skipped,
   * so ties are neither lost nor repeated. Custom enum values come back as option labels.
   */
  async *read(object: string, options: ReadOptions = {}): AsyncGenerator<ReadItem, void, undefined> {
    const o = this.object(object);
    const fields = await this.fields(o);
    const start = options.since ? decodeCursor(options.since) : null;
    const since = start ? new Date(Math.floor(start.time / 1000) * 1000).toISOString().replace(/\.000Z$/, 'Z') : undefined;
    const limit = Math.min(this.options.pageSize ?? 100, 500);
    let cursor: string | undefined;
    do {
      options.signal?.throwIfAborted();
      const page = (await this.call(`read ${o}`, () => this.listPage(o, since, limit, cursor))) as Envelope<RawRecord[]>;
      for (const r of page.data ?? []) {
        if (start) {
          const t = Date.parse(r.update_time);
          if (t < start.time || (t === start.time && start.id !== null && r.id <= start.id)) continue;
        }
        yield this.toItem(o, r, fields, options.properties);
      }
      cursor = page.additional_data?.next_cursor ?? undefined;
    } while (cursor);
  }

  /** Resolves a property name (API key, or the field's name as shown in Pipedrive) to its field. */
  private field(fields: Map<string, FieldInfo>, name: string): FieldInfo | undefined {
    return fields.get(name) ?? [...fields.values()].find((f) => f.name === name) ?? [...fields.values()].find((f) => f.name.toLowerCase() === name.toLowerCase());
  }

  private body(object: PipedriveObject, fields: Map<string, FieldInfo>, key: FieldInfo, input: UpsertInput, pipelines: PipelineInfo[] | null): Record<string, unknown> {
    const body: Record<string, unknown> = {};
    const custom: Record<string, unknown> = { [key.key]: input.key };
    for (const [name, value] of Object.entries(input.properties)) {
      const f = this.field(fields, name);
      if (!f) throw new PipedriveError(`Unknown ${object} field "${name}"`);
      if (f.key === key.key) continue;
      let v: unknown = value;
      if (value !== null && ['double', 'monetary', 'int'].includes(f.fieldType) && !REFERENCES.includes(f.key)) {
        v = Number(value);
        if (!Number.isFinite(v)) throw new PipedriveError(`Field "${f.name}" needs a number, got "${value}"`);
      } else if (value !== null && f.custom && (f.fieldType === 'enum' || f.fieldType === 'set')) {
        const ids = value.split(';').map((label) => f.options.get(label.trim()) ?? label.trim());
        v = f.fieldType === 'enum' ? ids[0] : ids;
      }
      if (f.custom) custom[f.key] = v;
      else if (f.key === 'email') body.emails = v === null ? [] : [{ value: v, primary: true, label: 'work' }];
      else if (f.key === 'phone') body.phones = v === null ? [] : [{ value: v, primary: true, label: 'work' }];
      else if (REFERENCES.includes(f.key) && v !== null) body[f.key] = /^\d+$/.test(String(v)) ? Number(v) : v;
      else body[f.key] = v;
    }
    if (object === 'deals') resolveStage(body, pipelines);
    body.custom_fields = custom;
    return body;
  }

  private pipelineCache: Promise<PipelineInfo[]> | null = null;

  private async search(object: PipedriveObject, key: string): Promise<number[]> {
    const params = { term: key, fields: 'custom_fields' as const, exact_match: true, limit: 10 };
    const page = (await this.call<unknown>(`search ${object}`, () => {
      if (object === 'persons') return this.apis.persons.searchPersons(params);
      if (object === 'deals') return this.apis.deals.searchDeals(params);
      return this.apis.organizations.searchOrganization(params);
    })) as unknown as Envelope<{ items?: Array<{ item: { id: number } }> }>;
    return (page.data?.items ?? []).map((i) => i.item.id);
  }

  private write(object: PipedriveObject, id: number | undefined, body: Record<string, unknown>): Promise<unknown> {
    const api = this.apis[object] as unknown as Record<string, (p: unknown) => Promise<unknown>>;
    const singular = object === 'persons' ? 'Person' : object === 'deals' ? 'Deal' : 'Organization';
    if (id === undefined) return api[`add${singular}`]!.call(api, { [`Add${singular}Request`]: body });
    return api[`update${singular}`]!.call(api, { id, [`Update${singular}Request`]: body });
  }

  /**
   * Upserts by an external-ID custom field (`keyProperty`: its 40-hex key or its name): the ID comes from this
   * connector's cache, else from an exact-match search on custom fields; then the record is updated (PATCH) or
   * added (POST). Each record gets its own result; Pipedrive's validation message is kept on failures. Records
   * with the same key are written one after the other, so a batch never creates a key twice.
   */
  async upsert(object: string, records: UpsertInput[], options: { keyProperty: string }): Promise<UpsertResult[]> {
    const o = this.object(object);
    const fields = await this.fields(o);
    const key = this.field(fields, options.keyProperty);
    if (!key || !key.custom) throw new PipedriveError(`The key property "${options.keyProperty}" is not a custom field of Pipedrive ${o}`);
    const cacheName = `${o}:${key.key}`;
    const cache = this.idCache.get(cacheName) ?? new Map<string, number>();
    this.idCache.set(cacheName, cache);
    // Stage and pipeline given by name (e.g. { Pipeline: 'Partners', Stage: 'Qualified' }) are resolved to IDs.
    const byName = o === 'deals' && records.some((r) => Object.entries(r.properties).some(([name, v]) =>
      ['stage_id', 'pipeline_id'].includes(this.field(fields, name)?.key ?? '') && v !== null && !/^\d+$/.test(v)));
    const pipelines = byName ? await this.pipelinesCached() : null;
    const chains = new Map<string, Promise<unknown>>();
    return Promise.all(records.map((input) => {
      const run = (chains.get(input.key) ?? Promise.resolve()).then(() => this.upsertOne(o, fields, key, cache, input, pipelines));
      chains.set(input.key, run.catch(() => undefined));
      return run;
    }));
  }

  private async upsertOne(object: PipedriveObject, fields: Map<string, FieldInfo>, key: FieldInfo, cache: Map<string, number>, input: UpsertInput, pipelines: PipelineInfo[] | null): Promise<UpsertResult> {
    try {
      const body = this.body(object, fields, key, input, pipelines);
      let id = cache.get(input.key);
      if (id === undefined) {
        const ids = await this.search(object, input.key);
        if (ids.length > 1) return { key: input.key, status: 'failed', error: `${ids.length} Pipedrive ${object} carry ${key.name} = ${input.key} (IDs ${ids.join(', ')})` };
        id = ids[0];
      }
      if (id !== undefined) {
        try {
          const updated = (await this.call(`update ${object}`, () => this.write(object, id, body))) as Envelope<RawRecord>;
          cache.set(input.key, updated.data?.id ?? id);
          return { key: input.key, status: 'updated', id: String(updated.data?.id ?? id) };
        } catch (error) {
          if ((error as PipedriveError).status !== 404 || !cache.has(input.key)) throw error;
          cache.delete(input.key); // deleted in Pipedrive since we cached it: look again
          return this.upsertOne(object, fields, key, cache, input, pipelines);
        }
      }
      const created = (await this.call(`create ${object}`, () => this.write(object, undefined, body))) as Envelope<RawRecord>;
      if (!created.data?.id) throw new PipedriveError(`Pipedrive create ${object} returned no ID`);
      cache.set(input.key, created.data.id);
      return { key: input.key, status: 'created', id: String(created.data.id) };
    } catch (error) {
      const e = error instanceof PipedriveError ? error : toPipedriveError(error, `upsert ${object}`, [this.options.apiToken]);
      if (e.status === 401 || e.status === 403) throw e;
      return { key: input.key, status: 'failed', error: e.message };
    }
  }

  private pipelinesCached(): Promise<PipelineInfo[]> {
    this.pipelineCache ??= this.pipelines().catch((error: unknown) => {
      this.pipelineCache = null;
      throw error;
    });
    return this.pipelineCache;
  }

  /** Pipelines with their stages (v2; the SDK has no v1 listing any more), e.g. to map a stage name to its ID within a pipeline. */
  async pipelines(): Promise<PipelineInfo[]> {
    const pipelines = (await this.call('list pipelines', () => this.apis.pipelines.getPipelines())) as unknown as Envelope<Array<{ id: number; name: string }>>;
    const stages = (await this.call('list stages', () => this.apis.stages.getStages())) as unknown as Envelope<Array<{ id: number; name: string; pipeline_id: number }>>;
    return (pipelines.data ?? []).map((p) => ({
      id: p.id, name: p.name, stages: (stages.data ?? []).filter((s) => s.pipeline_id === p.id).map((s) => ({ id: s.id, name: s.name })),
    }));
  }
}

export interface PipelineInfo { id: number; name: string; stages: Array<{ id: number; name: string }> }

/** Replaces a pipeline or stage given by name with its ID; a stage name is looked up within the deal's pipeline. */
function resolveStage(body: Record<string, unknown>, pipelines: PipelineInfo[] | null): void {
  const same = (a: string, b: unknown) => a.trim().toLowerCase() === String(b).trim().toLowerCase();
  let pipeline: PipelineInfo | undefined;
  if (typeof body.pipeline_id === 'string') {
    pipeline = pipelines?.find((p) => same(p.name, body.pipeline_id));
    if (!pipeline) throw new PipedriveError(`Unknown Pipedrive pipeline "${body.pipeline_id}"`);
    body.pipeline_id = pipeline.id;
  } else if (typeof body.pipeline_id === 'number') {
    pipeline = pipelines?.find((p) => p.id === body.pipeline_id);
  }
  if (typeof body.stage_id !== 'string') return;
  const candidates = (pipeline ? [pipeline] : pipelines ?? []).flatMap((p) => p.stages.filter((s) => same(s.name, body.stage_id)).map((s) => ({ ...s, pipeline: p.name })));
  if (candidates.length === 0) throw new PipedriveError(`Unknown Pipedrive stage "${body.stage_id}"${pipeline ? ` in pipeline "${pipeline.name}"` : ''}`);
  if (candidates.length > 1) {
    throw new PipedriveError(`Stage "${body.stage_id}" exists in several pipelines (${candidates.map((c) => c.pipeline).join(', ')}): give the pipeline too`);
  }
  body.stage_id = candidates[0]!.id;
}

