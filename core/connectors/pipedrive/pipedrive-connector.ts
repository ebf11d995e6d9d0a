import { v1, v2 } from 'pipedrive';
import type {
  ConnectionCheck,
  Connector,
  FieldFormat,
  FieldSchema,
  FieldType,
  ObjectSchema,
  ReadItem,
  ReadOptions,
  UpsertInput,
  UpsertOptions,
  UpsertResult,
} from '../connector';
import type { Value } from '../connector';
import { redactSecrets } from '../../db/redact';
import { decodeCursor, encodeCursor } from '../cursor';
import { PipedriveError, replyMeta, toPipedriveError, waitFrom } from './errors';
import { RetryBudget, retryingCall } from '../http/retrying-call';
import { AccountLimiter, limiterFor } from './rate-limit';
import { recordIsUnchanged } from './unchanged';

/** OAuth app credentials: the connector refreshes access tokens itself (the SDK's OAuth2Configuration, `POST /oauth/token`). */
export interface PipedriveOAuthOptions {
  clientId: string;
  clientSecret: string;
  refreshToken: string;
  /** A current access token, if one is at hand; refreshed when it expires or is refused. */
  accessToken?: string;
  /** OAuth host (default `https://oauth.pipedrive.com`; the emulator's URL in tests). */
  oauthHost?: string;
  /** The app's redirect URI (the SDK insists on one; refreshing does not use it). */
  redirectUri?: string;
}

export interface PipedriveConnectorOptions {
  /** Personal API token (sent as `x-api-token`). Never logged nor put in errors. Give this or `oauth`. */
  apiToken?: string;
  oauth?: PipedriveOAuthOptions;
  /**
   * API host, no trailing slash (default `https://api.pipedrive.com`, or with OAuth the `api_domain` of the token
   * answer; the emulator's URL in tests). v2 is `/api/v2`, v1 `/v1`.
   */
  basePath?: string;
  /** Objects `listObjects` offers (default persons, organizations, deals, activities). */
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
  /**
   * Compare each existing record with what would be sent and skip the write when nothing changes (reported
   * `unchanged`). Costs one list call (10 tokens) per 100 existing records, against 5 tokens per write saved. Default on.
   * The default of `upsert()` calls that do not say; an `upsert()` option `detectUnchanged` overrides it for that call.
   */
  detectUnchanged?: boolean;
  /**
   * From this many keys not yet in the ID cache in one `upsert()`, the connector lists the object once (10 tokens per
   * 500 records) instead of searching each key (20 tokens, and Pipedrive allows 10 searches per 2 s). Default 200.
   */
  primeThreshold?: number;
}

export type PipedriveObject = 'persons' | 'organizations' | 'deals' | 'activities';
const OBJECTS: PipedriveObject[] = ['persons', 'organizations', 'deals', 'activities'];
const DEFAULT_BASE = 'https://api.pipedrive.com';
/** Token costs of the calls (`x-token-cost` in Pipedrive's OpenAPI; v1 field listings cost 20). */
const COST = { list: 10, get: 1, write: 5, search: 20, v1: 20 } as const;
/** Records of one upsert() in flight at once. */
const UPSERT_WINDOW = 200;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const CUSTOM_KEY = /^[0-9a-f]{40}$/;
/** Standard fields holding an ID (Pipedrive types `pipeline_id` as `double`); pipeline and stage may also be given by name. */
const REFERENCES = ['org_id', 'owner_id', 'person_id', 'stage_id', 'pipeline_id'];

/** Cursor of an incremental read: the last `update_time` and ID seen, so equal timestamps are not skipped. */
export function encodePipedriveCursor(updateTime: string, id: string | number): string {
  return encodeCursor(updateTime, id);
}

/** The shared cursor with Pipedrive's integer IDs, compared as numbers. */
function decodePipedriveCursor(cursor: string): { time: number; id: number | null } {
  const decoded = decodeCursor(cursor);
  const time = Date.parse(decoded.time);
  const id = decoded.id === null ? null : Number(decoded.id);
  if (Number.isNaN(time) || (id !== null && !Number.isInteger(id))) {
    throw new PipedriveError(`Invalid Pipedrive cursor "${cursor}": expected an ISO time, optionally followed by |id`);
  }
  return { time, id };
}

const TYPES: Record<string, FieldType> = {
  varchar: 'string',
  varchar_auto: 'string',
  text: 'string',
  address: 'string',
  phone: 'string',
  time: 'string',
  timerange: 'string',
  double: 'number',
  monetary: 'number',
  int: 'integer',
  user: 'integer',
  org: 'integer',
  people: 'integer',
  stage: 'integer',
  date: 'date',
  daterange: 'date',
  enum: 'enum',
  set: 'enum',
  status: 'enum',
  varchar_options: 'enum',
};

function formatOf(key: string, fieldType: string): FieldFormat | undefined {
  if (fieldType === 'phone' || key === 'phone') return 'phone';
  if (key === 'email') return 'email';
  if (fieldType === 'monetary') return 'currency';
  if (fieldType === 'text') return 'textarea';
  if (['user', 'org', 'people', 'stage'].includes(fieldType) || key.endsWith('_id'))
    return key === 'id' ? undefined : 'reference';
  return undefined;
}

interface RawField {
  key: string;
  name: string;
  field_type: string;
  edit_flag?: boolean;
  mandatory_flag?: boolean;
  options?: Array<{ id: number | string; label: string }> | null;
}
interface FieldInfo {
  key: string;
  name: string;
  fieldType: string;
  custom: boolean;
  options: Map<string, number | string>;
}
interface RawRecord {
  id: number;
  update_time: string;
  custom_fields?: Record<string, unknown>;
  [k: string]: unknown;
}
interface Envelope<T> {
  success?: boolean;
  data?: T;
  additional_data?: {
    next_cursor?: string | null;
    pagination?: { more_items_in_collection?: boolean; next_start?: number };
  };
}

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
  private basePath: string;
  private readonly account: AccountLimiter;
  private readonly apis: {
    persons: v2.PersonsApi;
    deals: v2.DealsApi;
    organizations: v2.OrganizationsApi;
    activities: v2.ActivitiesApi;
    personFields: v1.PersonFieldsApi;
    dealFields: v1.DealFieldsApi;
    organizationFields: v1.OrganizationFieldsApi;
    activityFields: v1.ActivityFieldsApi;
    users: v1.UsersApi;
    pipelines: v2.PipelinesApi;
    stages: v2.StagesApi;
  };
  private readonly fieldCache = new Map<PipedriveObject, Map<string, FieldInfo>>();
  private readonly describeCache = new Map<PipedriveObject, ObjectSchema>();
  /** object -> key property -> key value -> Pipedrive ID; filled by searches, listings and creates, so a re-run does not search. */
  private readonly idCache = new Map<string, Map<string, number>>();
  /** Caches (object:key) filled by listing every record: a key not in them is new, no search needed. */
  private readonly primed = new Map<string, Promise<PrimedState>>();
  private readonly budget: RetryBudget;
  private readonly oauth: v2.OAuth2Configuration | null = null;
  private token: { accessToken: string; expiresAt: number } | null = null;
  private refreshing: Promise<string> | null = null;
  private readonly configs: { v1: v1.Configuration; v2: v2.Configuration };
  private readonly pendingLoads = new Map<
    PipedriveObject,
    { ids: Set<number>; result: Promise<Map<number, RawRecord>> }
  >();
  /** Retries spent so far, for monitoring and tests. */
  get retriesUsed(): number {
    return this.budget.used;
  }

  constructor(private readonly options: PipedriveConnectorOptions) {
    const oauth = options.oauth;
    if (!options.apiToken && !oauth)
      throw new PipedriveError('Pipedrive connector needs an API token or OAuth client credentials');
    if (oauth && (!oauth.clientId || !oauth.clientSecret || !oauth.refreshToken))
      throw new PipedriveError('Pipedrive OAuth needs a client ID, client secret and refresh token');
    this.basePath = (options.basePath ?? DEFAULT_BASE).replace(/\/+$/, '');
    const identity = options.apiToken ?? `oauth:${oauth!.clientId}:${oauth!.refreshToken}`;
    this.account = limiterFor(this.basePath, identity, options.maxConcurrent ?? 4);
    this.budget = new RetryBudget(options.retryBudget ?? 200);
    let c2: v2.Configuration;
    let c1: v1.Configuration;
    if (options.apiToken) {
      c2 = new v2.Configuration({ apiKey: options.apiToken, basePath: `${this.basePath}/api/v2` });
      c1 = new v1.Configuration({ apiKey: options.apiToken, basePath: `${this.basePath}/v1` });
    } else {
      // The SDK's OAuth2Configuration refreshes at `${host}/oauth/token` with HTTP Basic client_id:client_secret; the API
      // objects read the access token through a function on every call, so a refreshed token is used at once.
      const config = new v2.OAuth2Configuration({
        clientId: oauth!.clientId,
        clientSecret: oauth!.clientSecret,
        redirectUri: oauth!.redirectUri ?? 'https://localhost/oauth/callback',
        host: (oauth!.oauthHost ?? 'https://oauth.pipedrive.com').replace(/\/+$/, ''),
      });
      config.onTokenUpdate = (t) => this.tokenUpdated(t as unknown as TokenAnswer);
      config.updateToken({ refresh_token: oauth!.refreshToken } as never);
      if (oauth!.accessToken) this.token = { accessToken: oauth!.accessToken, expiresAt: Infinity };
      this.oauth = config;
      const accessToken = () => this.accessToken();
      c2 = new v2.Configuration({ accessToken, basePath: `${this.basePath}/api/v2` });
      c1 = new v1.Configuration({ accessToken, basePath: `${this.basePath}/v1` });
    }
    this.configs = { v1: c1, v2: c2 };
    this.apis = {
      persons: this.observed(new v2.PersonsApi(c2)),
      deals: this.observed(new v2.DealsApi(c2)),
      organizations: this.observed(new v2.OrganizationsApi(c2)),
      activities: this.observed(new v2.ActivitiesApi(c2)),
      activityFields: this.observed(new v1.ActivityFieldsApi(c1)),
      personFields: this.observed(new v1.PersonFieldsApi(c1)),
      dealFields: this.observed(new v1.DealFieldsApi(c1)),
      organizationFields: this.observed(new v1.OrganizationFieldsApi(c1)),
      users: this.observed(new v1.UsersApi(c1)),
      pipelines: this.observed(new v2.PipelinesApi(c2)),
      stages: this.observed(new v2.StagesApi(c2)),
    };
  }

  /** Everything secret this connector holds, for redaction. */
  private get secrets(): string[] {
    const o = this.options.oauth;
    return [this.options.apiToken, o?.clientSecret, o?.refreshToken, o?.accessToken, this.token?.accessToken].filter(
      (x): x is string => !!x,
    );
  }

  private tokenUpdated(answer: TokenAnswer): void {
    if (!answer.access_token) return;
    this.token = {
      accessToken: answer.access_token,
      expiresAt: answer.expires_in ? Date.now() + (answer.expires_in - 60) * 1000 : Infinity,
    };
    // OAuth apps must call the company's own domain unless a base URL was given.
    if (answer.api_domain && !this.options.basePath) this.rebase(answer.api_domain.replace(/\/+$/, ''));
  }

  /** The SDK builds each URL from its configuration's basePath when the request leaves, so this applies at once. */
  private rebase(host: string): void {
    this.basePath = host;
    this.configs.v1.basePath = `${host}/v1`;
    this.configs.v2.basePath = `${host}/api/v2`;
  }

  /** The current OAuth access token, refreshed first when there is none or it is about to expire. */
  private async accessToken(): Promise<string> {
    if (this.token && Date.now() < this.token.expiresAt) return this.token.accessToken;
    return this.refresh();
  }

  /** One refresh at a time, however many calls need it. */
  private refresh(): Promise<string> {
    this.refreshing ??= (async () => {
      try {
        await this.oauth!.tokenRefresh();
        if (!this.token) throw new PipedriveError('Pipedrive OAuth token refresh returned no access token', 401);
        return this.token.accessToken;
      } catch (error) {
        if (error instanceof PipedriveError) throw error;
        const body = error as {
          error?: unknown;
          error_description?: unknown;
          message?: unknown;
          response?: { status?: number };
        };
        const reason =
          typeof body?.error === 'string'
            ? `${body.error}${typeof body.error_description === 'string' ? ` (${body.error_description})` : ''}`
            : String(body?.message ?? error);
        const refused = typeof body?.error === 'string';
        throw new PipedriveError(
          redactSecrets(`Pipedrive OAuth token refresh failed: ${reason}`, this.secrets),
          refused ? 401 : body?.response?.status,
        );
      } finally {
        this.refreshing = null;
      }
    })();
    return this.refreshing;
  }

  /**
   * The SDK gives no hook and resolves with the bare body (rejects with the bare error body), so headers and status
   * are read by a response transformer on each API object's own axios instance: it feeds the limiter and remembers
   * the status and wait of error bodies.
   */
  private observed<T extends object>(api: T): T {
    const instance = (api as unknown as { axios: { defaults: { transformResponse?: unknown } } }).axios;
    const existing = instance.defaults.transformResponse;
    const list = (Array.isArray(existing) ? existing : existing ? [existing] : []) as Array<
      (...args: unknown[]) => unknown
    >;
    const account = this.account;
    instance.defaults.transformResponse = [
      ...list,
      function observe(data: unknown, headers: unknown, status?: number) {
        const h = (
          headers && typeof (headers as { toJSON?: () => unknown }).toJSON === 'function'
            ? (headers as { toJSON: () => Record<string, unknown> }).toJSON()
            : (headers ?? {})
        ) as Record<string, unknown>;
        account.observe(h);
        if (status === 429) account.refused(h);
        if (status !== undefined && status >= 400 && data && typeof data === 'object') {
          replyMeta.set(data, {
            status,
            retryAfterMs: status === 429 || status === 503 ? waitFrom(h, status === 429) : undefined,
          });
        }
        return data;
      },
    ];
    return api;
  }

  /** The account's hashed key (safe to log). */
  get accountId(): string {
    return this.account.account;
  }

  /**
   * One SDK call through the account limiter (paced by its token cost), retried within the call's limits and the
   * connector's retry budget. With OAuth, a 401 refreshes the access token once and repeats the call.
   */
  private call<T>(
    what: string,
    fn: ApiCall<T>,
    cost: number,
    policy: Partial<PipedriveConnectorOptions> = {},
  ): Promise<T> {
    let refreshed = false;
    const attempt = async (): Promise<T> => {
      await this.account.acquire(cost);
      try {
        return await fn();
      } catch (error) {
        const status = error && typeof error === 'object' ? replyMeta.get(error)?.status : undefined;
        if (status !== 401 || !this.oauth || refreshed) throw error;
        refreshed = true;
        await this.refresh();
        await this.account.acquire(cost);
        return fn();
      }
    };
    return retryingCall(attempt, {
      limiter: this.account,
      policy: { ...this.options, ...policy },
      budget: this.budget,
      toError: (error) => toPipedriveError(error, what, this.secrets, this.basePath),
      timeoutError: (ms) =>
        new PipedriveError(`Pipedrive ${what} timed out after ${ms} ms`, undefined, undefined, true),
      budgetSpent: (error, size) =>
        new PipedriveError(
          `${error.message} (retry budget of ${size} exhausted)`,
          error.status,
          error.retryAfterMs,
          error.timeout,
          error.unreachable,
        ),
    });
  }

  private object(object: string): PipedriveObject {
    if (!OBJECTS.includes(object as PipedriveObject))
      throw new PipedriveError(`Unknown Pipedrive object "${object}" (expected one of ${OBJECTS.join(', ')})`);
    return object as PipedriveObject;
  }

  async checkConnection(): Promise<ConnectionCheck> {
    try {
      await this.call('connection check', () => this.apis.users.getCurrentUser(), COST.v1);
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
      const page = (await this.call(
        `describe ${object}`,
        () => {
          const limit = 500;
          if (object === 'persons') return this.apis.personFields.getPersonFields({ start, limit });
          if (object === 'deals') return this.apis.dealFields.getDealFields({ start, limit });
          if (object === 'activities') return this.apis.activityFields.getActivityFields();
          return this.apis.organizationFields.getOrganizationFields({ start, limit });
        },
        COST.v1,
      )) as unknown as Envelope<RawField[]>;
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
        name: f.key,
        label: f.name,
        type: TYPES[f.field_type] ?? 'unknown',
        required: f.mandatory_flag ?? false,
        readOnly: f.edit_flag === false,
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

  private listPage(
    object: PipedriveObject,
    since: string | undefined,
    limit: number,
    cursor: string | undefined,
    extra: {
      ids?: string;
      updated_until?: string;
      sort_by?: 'id' | 'update_time' | 'add_time';
      sort_direction?: 'asc' | 'desc';
    } = {},
  ): Promise<unknown> {
    const params = {
      updated_since: since,
      sort_by: 'update_time' as const,
      sort_direction: 'asc' as const,
      limit,
      cursor,
      ...extra,
    };
    if (object === 'persons') return this.apis.persons.getPersons(params);
    if (object === 'deals') return this.apis.deals.getDeals(params);
    if (object === 'activities') return this.apis.activities.getActivities(params);
    return this.apis.organizations.getOrganizations(params);
  }

  /** The fields to read: all (by API key), or those asked for by key or by name (keyed as asked). */
  private selection(
    object: PipedriveObject,
    fields: Map<string, FieldInfo>,
    wanted: string[] | undefined,
  ): Array<[string, FieldInfo]> {
    if (!wanted) return [...fields];
    return wanted.map((name) => {
      const f = this.field(fields, name);
      if (!f) throw new PipedriveError(`Unknown ${object} field "${name}"`);
      return [name, f] as [string, FieldInfo];
    });
  }

  private toItem(object: PipedriveObject, r: RawRecord, selected: Array<[string, FieldInfo]>): ReadItem {
    const props: Record<string, Value> = {};
    for (const [name, info] of selected) {
      const key = info.key;
      if (info.custom) props[key] = asString(r.custom_fields?.[key]);
      else if (key === 'email') props[key] = asString(r.emails ?? r.email);
      else if (key === 'phone') props[key] = asString(r.phones ?? r.phone);
      else props[key] = asString(r[key]);
      if (props[key] !== null && (info.fieldType === 'enum' || info.fieldType === 'set') && info.custom) {
        const byId = new Map([...info.options].map(([label, id]) => [String(id), label]));
        props[key] = String(props[key])
          .split(',')
          .map((id) => byId.get(id.trim()) ?? id)
          .join(';');
      }
      if (name !== key) {
        props[name] = props[key]!;
        delete props[key];
      }
    }
    const modifiedAt = new Date(r.update_time).toISOString();
    return {
      type: 'record',
      record: { id: String(r.id), properties: props, modifiedAt, origin: { source: `pipedrive:${object}` } },
    };
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
    const selected = this.selection(o, fields, options.properties);
    const start = options.since ? decodePipedriveCursor(options.since) : null;
    const since = start
      ? new Date(Math.floor(start.time / 1000) * 1000).toISOString().replace(/\.000Z$/, 'Z')
      : undefined;
    const limit = Math.min(this.options.pageSize ?? 100, 500);
    let cursor: string | undefined;
    do {
      options.signal?.throwIfAborted();
      const page = (await this.call(`read ${o}`, () => this.listPage(o, since, limit, cursor), COST.list)) as Envelope<
        RawRecord[]
      >;
      for (const r of page.data ?? []) {
        if (start) {
          const t = Date.parse(r.update_time);
          if (t < start.time || (t === start.time && start.id !== null && r.id <= start.id)) continue;
        }
        yield this.toItem(o, r, selected);
      }
      cursor = page.additional_data?.next_cursor ?? undefined;
    } while (cursor);
  }

  /** The records with these Pipedrive IDs (100 per list call, `ids=`); IDs not found are left out. */
  async *readByIds(
    object: string,
    ids: string[],
    options: Omit<ReadOptions, 'since'> = {},
  ): AsyncGenerator<ReadItem, void, undefined> {
    const o = this.object(object);
    const fields = await this.fields(o);
    const selected = this.selection(o, fields, options.properties);
    const numeric = ids.map((id) => Number(id));
    const bad = ids.filter((_, i) => !Number.isInteger(numeric[i]));
    if (bad.length)
      throw new PipedriveError(
        `Pipedrive IDs are integers, got ${bad
          .slice(0, 3)
          .map((b) => `"${b}"`)
          .join(', ')}`,
      );
    for (let i = 0; i < numeric.length; i += 100) {
      options.signal?.throwIfAborted();
      const chunk = numeric.slice(i, i + 100);
      const page = (await this.call(
        `read ${o} by ID`,
        () => this.listPage(o, undefined, 100, undefined, { ids: chunk.join(','), sort_by: 'id' }),
        COST.list,
      )) as Envelope<RawRecord[]>;
      for (const r of page.data ?? []) yield this.toItem(o, r, selected);
    }
  }

  /** Resolves a property name (API key, or the field's name as shown in Pipedrive) to its field. */
  private field(fields: Map<string, FieldInfo>, name: string): FieldInfo | undefined {
    return (
      fields.get(name) ??
      [...fields.values()].find((f) => f.name === name) ??
      [...fields.values()].find((f) => f.name.toLowerCase() === name.toLowerCase())
    );
  }

  /** The body of an add or update; a stage and pipeline given by name are resolved to IDs (stages within the pipeline). */
  private async body(
    object: PipedriveObject,
    fields: Map<string, FieldInfo>,
    key: FieldInfo,
    input: UpsertInput,
  ): Promise<Record<string, unknown>> {
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
      // person_id, org_id, owner_id: the Pipedrive ID of the record pointed at (e.g. a person upserted just before).
      else if (REFERENCES.includes(f.key) && v !== null) body[f.key] = /^\d+$/.test(String(v).trim()) ? Number(v) : v;
      else body[f.key] = v;
    }
    if (object === 'deals') await this.resolveStage(body);
    body.custom_fields = custom;
    return body;
  }

  private pipelineCache: Promise<Array<{ id: number; name: string }>> | null = null;
  private readonly stageCache = new Map<number, Promise<Array<{ id: number; name: string }>>>();

  private pipelineList(): Promise<Array<{ id: number; name: string }>> {
    this.pipelineCache ??= this.call('list pipelines', () => this.apis.pipelines.getPipelines(), COST.list)
      .then((page) =>
        ((page as unknown as Envelope<Array<{ id: number; name: string }>>).data ?? []).map((p) => ({
          id: p.id,
          name: p.name,
        })),
      )
      .catch((error: unknown) => {
        this.pipelineCache = null;
        throw error;
      });
    return this.pipelineCache;
  }

  /** The stages of one pipeline (`GET /stages?pipeline_id=`), cached for the connector's life. */
  private stagesOf(pipelineId: number): Promise<Array<{ id: number; name: string }>> {
    let stages = this.stageCache.get(pipelineId);
    if (!stages) {
      stages = this.call(
        `list stages of pipeline ${pipelineId}`,
        () => this.apis.stages.getStages({ pipeline_id: pipelineId }),
        COST.list,
      )
        .then((page) =>
          ((page as unknown as Envelope<Array<{ id: number; name: string }>>).data ?? []).map((st) => ({
            id: st.id,
            name: st.name,
          })),
        )
        .catch((error: unknown) => {
          this.stageCache.delete(pipelineId);
          throw error;
        });
      this.stageCache.set(pipelineId, stages);
    }
    return stages;
  }

  /** Pipelines with their stages, e.g. to map a stage name to its ID within a pipeline. */
  async pipelines(): Promise<PipelineInfo[]> {
    const pipelines = await this.pipelineList();
    return Promise.all(pipelines.map(async (p) => ({ id: p.id, name: p.name, stages: await this.stagesOf(p.id) })));
  }

  /**
   * Replaces a pipeline or stage given by name with its ID. A stage name is looked up within the deal's pipeline
   * (by name or ID); without a pipeline it must be unique across pipelines.
   */
  private async resolveStage(body: Record<string, unknown>): Promise<void> {
    const byName = (v: unknown) => v !== undefined && v !== null && typeof v !== 'number';
    if (!byName(body.pipeline_id) && !byName(body.stage_id)) return;
    const same = (a: string, b: unknown) => a.trim().toLowerCase() === String(b).trim().toLowerCase();
    const pipelines = await this.pipelineList();
    let pipeline: { id: number; name: string } | undefined;
    if (byName(body.pipeline_id)) {
      pipeline = pipelines.find((p) => same(p.name, body.pipeline_id));
      if (!pipeline)
        throw new PipedriveError(
          `Unknown Pipedrive pipeline "${String(body.pipeline_id)}" (known: ${pipelines.map((p) => p.name).join(', ')})`,
        );
      body.pipeline_id = pipeline.id;
    } else if (typeof body.pipeline_id === 'number') {
      pipeline = pipelines.find((p) => p.id === body.pipeline_id);
    }
    if (!byName(body.stage_id)) return;
    const among = pipeline ? [pipeline] : pipelines;
    const candidates = (
      await Promise.all(
        among.map(async (p) =>
          (await this.stagesOf(p.id))
            .filter((st) => same(st.name, body.stage_id))
            .map((st) => ({ ...st, pipeline: p })),
        ),
      )
    ).flat();
    if (candidates.length === 0)
      throw new PipedriveError(
        `Unknown Pipedrive stage "${String(body.stage_id)}"${pipeline ? ` in pipeline "${pipeline.name}"` : ''}`,
      );
    if (candidates.length > 1) {
      throw new PipedriveError(
        `Stage "${String(body.stage_id)}" exists in several pipelines (${candidates.map((c) => c.pipeline.name).join(', ')}): give the pipeline too`,
      );
    }
    body.stage_id = candidates[0]!.id;
    // A deal moved to a stage by name also lands in that stage's pipeline.
    body.pipeline_id ??= candidates[0]!.pipeline.id;
  }

  private async search(object: PipedriveObject, key: string): Promise<number[]> {
    const params = { term: key, fields: 'custom_fields' as const, exact_match: true, limit: 10 };
    const page = (await this.call<unknown>(
      `search ${object}`,
      () => {
        if (object === 'persons') return this.apis.persons.searchPersons(params);
        if (object === 'deals') return this.apis.deals.searchDeals(params);
        return this.apis.organizations.searchOrganization(params);
      },
      COST.search,
    )) as unknown as Envelope<{ items?: Array<{ item: { id: number } }> }>;
    return (page.data?.items ?? []).map((i) => i.item.id);
  }

  private write(object: PipedriveObject, id: number | undefined, body: Record<string, unknown>): Promise<unknown> {
    const api = this.apis[object] as unknown as Record<string, (p: unknown) => Promise<unknown>>;
    const singular = object === 'persons' ? 'Person' : object === 'deals' ? 'Deal' : 'Organization';
    if (id === undefined) return api[`add${singular}`]!.call(api, { [`Add${singular}Request`]: body });
    return api[`update${singular}`]!.call(api, { id, [`Update${singular}Request`]: body });
  }

  /**
   * Lists every record of the object once (500 per call) and fills the ID cache with their key values: a key not
   * found then belongs to a new record. Keys held by several records are remembered as ambiguous.
   */
  private prime(object: PipedriveObject, key: FieldInfo, cache: Map<string, number>): Promise<PrimedState> {
    const name = `${object}:${key.key}`;
    let state = this.primed.get(name);
    if (!state) {
      state = (async () => {
        const ambiguous = new Map<string, number[]>();
        const snapshot = new Map<number, RawRecord>();
        let cursor: string | undefined;
        do {
          const page = (await this.call(
            `list ${object}`,
            () => this.listPage(object, undefined, 500, cursor, { sort_by: 'id' }),
            COST.list,
          )) as Envelope<RawRecord[]>;
          for (const r of page.data ?? []) {
            const value = r.custom_fields?.[key.key];
            if (value === null || value === undefined || value === '') continue;
            const k = String(value);
            const seen = cache.get(k);
            if (seen !== undefined && seen !== r.id) ambiguous.set(k, [...(ambiguous.get(k) ?? [seen]), r.id]);
            else cache.set(k, r.id);
            snapshot.set(r.id, r);
          }
          cursor = page.additional_data?.next_cursor ?? undefined;
        } while (cursor);
        return { ambiguous, snapshot, at: Date.now() };
      })();
      state.catch(() => this.primed.delete(name));
      this.primed.set(name, state);
    }
    return state;
  }

  /** Current records by ID, fetched 100 per list call (`ids=`); lookups made in the same tick share calls. */
  private current(object: PipedriveObject, id: number): Promise<RawRecord | undefined> {
    let batch = this.pendingLoads.get(object);
    if (!batch) {
      const ids = new Set<number>();
      const result = new Promise<void>((resolve) => setImmediate(resolve)).then(async () => {
        this.pendingLoads.delete(object);
        const all = [...ids];
        const out = new Map<number, RawRecord>();
        const chunks: number[][] = [];
        for (let i = 0; i < all.length; i += 100) chunks.push(all.slice(i, i + 100));
        await Promise.all(
          chunks.map(async (chunk) => {
            const page = (await this.call(
              `read ${object} by ID`,
              () => this.listPage(object, undefined, 100, undefined, { ids: chunk.join(','), sort_by: 'id' }),
              COST.list,
            )) as Envelope<RawRecord[]>;
            for (const r of page.data ?? []) out.set(r.id, r);
          }),
        );
        return out;
      });
      batch = { ids, result };
      this.pendingLoads.set(object, batch);
    }
    batch.ids.add(id);
    return batch.result.then((m) => m.get(id));
  }

  /**
   * Upserts by an external-ID custom field (`keyProperty`: its 40-hex key or its name). The ID comes from this
   * connector's cache, else from an exact-match search on custom fields, or, for large batches, from one listing of
   * the object. An existing record is compared with what would be sent and left alone when nothing changes
   * (`unchanged`), else updated (PATCH); a new one is added (POST). Each record gets its own result; Pipedrive's
   * validation message is kept on failures. Records with the same key are written one after the other, so a batch
   * never creates a key twice. `options.detectUnchanged` (else the connector's setting) says whether to compare:
   * `false` when the caller already knows what it sends differs (the sync engine), so existing records are updated
   * without being read first and never come back `unchanged`.
   */
  async upsert(object: string, records: UpsertInput[], options: UpsertOptions): Promise<UpsertResult[]> {
    const o = this.object(object);
    const detect = options.detectUnchanged ?? this.options.detectUnchanged ?? true;
    const fields = await this.fields(o);
    const key = this.field(fields, options.keyProperty);
    if (o === 'activities')
      throw new PipedriveError(
        'Pipedrive activities have no custom fields, so they cannot be upserted by an external ID (read and describe them instead)',
      );
    if (!key || !key.custom)
      throw new PipedriveError(`The key property "${options.keyProperty}" is not a custom field of Pipedrive ${o}`);
    const cacheName = `${o}:${key.key}`;
    const cache = this.idCache.get(cacheName) ?? new Map<string, number>();
    this.idCache.set(cacheName, cache);
    const uncached = new Set(records.filter((r) => !cache.has(r.key)).map((r) => r.key));
    const primed =
      this.primed.has(cacheName) || uncached.size >= (this.options.primeThreshold ?? 200)
        ? await this.prime(o, key, cache)
        : null;
    // A window of records in flight (not all at once: 100,000 pending calls cost more in memory and GC than the
    // requests themselves), wide enough that the by-ID lookups of unchanged detection fill their 100-ID calls.
    const results = new Array<UpsertResult>(records.length);
    const chains = new Map<string, Promise<unknown>>();
    let next = 0;
    const worker = async () => {
      while (next < records.length) {
        const i = next++;
        const input = records[i]!;
        const run = (chains.get(input.key) ?? Promise.resolve()).then(() =>
          this.upsertOne(o, fields, key, cache, input, primed, detect),
        );
        const tail = run.catch(() => undefined);
        chains.set(input.key, tail);
        results[i] = await run;
        if (chains.get(input.key) === tail) chains.delete(input.key);
      }
    };
    await Promise.all(Array.from({ length: Math.min(records.length, UPSERT_WINDOW) }, worker));
    return results;
  }

  private async upsertOne(
    object: PipedriveObject,
    fields: Map<string, FieldInfo>,
    key: FieldInfo,
    cache: Map<string, number>,
    input: UpsertInput,
    primed: PrimedState | null,
    detect: boolean,
  ): Promise<UpsertResult> {
    try {
      const body = await this.body(object, fields, key, input);
      let id = cache.get(input.key);
      const ambiguous = primed?.ambiguous.get(input.key);
      if (ambiguous)
        return {
          key: input.key,
          status: 'failed',
          error: `${ambiguous.length} Pipedrive ${object} carry ${key.name} = ${input.key} (IDs ${ambiguous.join(', ')})`,
        };
      if (id === undefined && !primed) {
        const ids = await this.search(object, input.key);
        if (ids.length > 1)
          return {
            key: input.key,
            status: 'failed',
            error: `${ids.length} Pipedrive ${object} carry ${key.name} = ${input.key} (IDs ${ids.join(', ')})`,
          };
        id = ids[0];
      }
      if (id !== undefined) {
        if (detect) {
          // A listing made moments ago by this upsert is as good as a fresh read; each entry serves once.
          const fresh = primed && Date.now() - primed.at < 30_000 ? primed.snapshot.get(id) : undefined;
          if (fresh) primed!.snapshot.delete(id);
          const current = fresh ?? (await this.current(object, id));
          if (!current) {
            cache.delete(input.key); // deleted in Pipedrive since we learnt its ID
            return this.upsertOne(object, fields, key, cache, input, null, detect);
          }
          if (recordIsUnchanged(body, current)) return { key: input.key, status: 'unchanged', id: String(id) };
        }
        try {
          const updated = (await this.call(
            `update ${object}`,
            () => this.write(object, id, body),
            COST.write,
          )) as Envelope<RawRecord>;
          cache.set(input.key, updated.data?.id ?? id);
          return { key: input.key, status: 'updated', id: String(updated.data?.id ?? id) };
        } catch (error) {
          if ((error as PipedriveError).status !== 404 || !cache.has(input.key)) throw error;
          cache.delete(input.key); // deleted in Pipedrive since we cached it: look again
          return this.upsertOne(object, fields, key, cache, input, null, detect);
        }
      }
      const created = await this.create(object, key, input.key, body);
      cache.set(input.key, created);
      return { key: input.key, status: 'created', id: String(created) };
    } catch (error) {
      const e =
        error instanceof PipedriveError
          ? error
          : toPipedriveError(error, `upsert ${object}`, this.secrets, this.basePath);
      if (e.connectionFailed) throw e; // no record's own failure: the whole upsert stops
      return { key: input.key, status: 'failed', error: e.message };
    }
  }

  /**
   * Adds a record. A create that failed in a way that may have been applied (connection dropped, timeout, 5xx) is
   * not sent again blindly: the records added since just before it are listed, and one carrying the key is taken
   * as this create's. 429s are refused before anything happens, so they are simply retried.
   */
  private async create(
    object: PipedriveObject,
    key: FieldInfo,
    value: string,
    body: Record<string, unknown>,
  ): Promise<number> {
    const maxRetries = this.options.retries ?? 5;
    for (let attempt = 0; ; attempt++) {
      let sentAt = Date.now();
      try {
        const created = (await this.call(
          `create ${object}`,
          () => {
            sentAt = Date.now();
            return this.write(object, undefined, body);
          },
          COST.write,
          { retries: 0 },
        )) as Envelope<RawRecord>;
        if (!created.data?.id) throw new PipedriveError(`Pipedrive create ${object} returned no ID`);
        return created.data.id;
      } catch (error) {
        const e = toPipedriveError(error, `create ${object}`, this.secrets, this.basePath);
        if (!e.retryable || e.status === 429 || attempt >= maxRetries || this.budget.left <= 0) throw e;
        this.budget.left--;
        this.budget.used++;
        const found = await this.changedBetween(object, key, value, sentAt, Date.now());
        if (found.length === 1) return found[0]!;
        if (found.length > 1)
          throw new PipedriveError(
            `${found.length} Pipedrive ${object} carry ${key.name} = ${value} after a retried create (IDs ${found.join(', ')})`,
          );
        const min = this.options.minRetryDelayMs ?? 500;
        await sleep(Math.min(this.options.maxRetryDelayMs ?? 30_000, min * 2 ** attempt * (1 + Math.random())));
      }
    }
  }

  /**
   * IDs of the records carrying the key value among those changed between `from` and `to` (ms, widened by a second
   * each side for Pipedrive's second precision): where a create that lost its answer must be, if it was applied.
   */
  private async changedBetween(
    object: PipedriveObject,
    key: FieldInfo,
    value: string,
    from: number,
    to: number,
  ): Promise<number[]> {
    const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const range = { since: iso(Math.floor(from / 1000) * 1000 - 1000), until: iso(Math.ceil(to / 1000) * 1000 + 1000) };
    const ids: number[] = [];
    let cursor: string | undefined;
    do {
      const page = (await this.call(
        `list recent ${object}`,
        () => this.listPage(object, range.since, 500, cursor, { updated_until: range.until }),
        COST.list,
      )) as Envelope<RawRecord[]>;
      for (const r of page.data ?? []) if (String(r.custom_fields?.[key.key] ?? '') === value) ids.push(r.id);
      cursor = page.additional_data?.next_cursor ?? undefined;
    } while (cursor);
    return ids;
  }
}

interface PrimedState {
  ambiguous: Map<string, number[]>;
  snapshot: Map<number, RawRecord>;
  at: number;
}
interface TokenAnswer {
  access_token?: string;
  refresh_token?: string;
  expires_in?: number;
  api_domain?: string;
}
export interface PipelineInfo {
  id: number;
  name: string;
  stages: Array<{ id: number; name: string }>;
}
