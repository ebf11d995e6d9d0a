import { Client } from '@hubspot/api-client';
import type {
  ConnectionCheck,
  Connector,
  ObjectSchema,
  ReadItem,
  ReadOptions,
  UpsertInput,
  UpsertOptions,
  UpsertResult,
} from '../connector';
import { HubSpotError, toHubSpotError } from './errors';
import { RetryBudget, retryingCall } from '../http/retrying-call';
import { AccountLimiter, limiterFor } from './rate-limit';
import { OAuthTokens, type HubSpotOAuth } from './oauth';
import { readArchived, updateByIds, type IdUpdate, type IdUpdateResult } from './by-id';
import { UnchangedPolicy } from './unchanged-policy';
import {
  associate,
  parentKeyOf,
  ParentAssociationSchema,
  readAssociations,
  resolveParents,
  type AssociationContext,
  type ParentAssociation,
  type WithHeaders,
} from './associations';
import { EngagementsView } from './engagements/view';
import { associateByIds, type IdLink, type IdLinkResult } from './associate-by-id';
import { searchModifiedSince, type RawRecord } from './incremental-read';
import { toFieldSchema, type RawProperty } from './property-schema';
import { ENGAGEMENTS } from './engagements/types';
import type { Retype } from './engagements/upsert';

/** Each parent association of one upsert() call, with the parent keys resolved so far (key -> HubSpot ID). */
type Parents = Array<{ spec: ParentAssociation; ids: Map<string, string> }>;

export interface HubSpotConnectorOptions {
  /** Private app token or OAuth access token. Never logged nor put in errors. Give this or `oauth`. */
  accessToken?: string;
  /**
   * An OAuth app's client ID and secret and the account's refresh token: the connector gets access tokens with the
   * refresh-token grant and renews them before they expire and on 401. None of the three is ever put in errors.
   */
  oauth?: HubSpotOAuth;
  /** API root, no trailing slash (default `https://api.hubapi.com`; the emulator's URL in tests). */
  basePath?: string;
  /** Objects `listObjects` offers (default contacts, companies, deals, engagements). */
  objects?: string[];
  /** Page size of full reads (list endpoint, max 100). */
  pageSize?: number;
  /** Page size of incremental reads (search endpoint, max 200). */
  searchPageSize?: number;
  /** How far one search query can page before HubSpot answers 400 (10,000). */
  searchCap?: number;
  /** Retries of one call on 5xx, network errors and timeouts (default 5). */
  retries?: number;
  /** Further retries of one call on 429, which is always safe to wait out (default 20). */
  rateLimitRetries?: number;
  /** Retries one connector may spend in total across all its calls (default 200); then calls fail. */
  retryBudget?: number;
  /** Backoff bounds of 5xx and timeouts (exponential, factor 2, with jitter). Default 500 ms .. 30 s. */
  minRetryDelayMs?: number;
  maxRetryDelayMs?: number;
  /** Wait after a 429 without Retry-After (default minRetryDelayMs, at most 1 s); it does not grow. */
  rateLimitDelayMs?: number;
  /** A call that takes longer counts as failed and is retried (default 60 s). */
  requestTimeoutMs?: number;
  /**
   * Before an upsert batch, read the existing records by the key (`batch/read`) and send only those whose values
   * differ; the others are reported `unchanged` and not written. Values are compared as strings (blank = null), so a
   * value HubSpot normalises (e.g. `50.0` -> `50`) counts as a change. The read costs a call per 100 records, so
   * reading every batch allows at most half the rate limit's records/s. `'auto'` (default) reads while what it reads
   * keeps turning out unchanged (a re-run writes nothing) and otherwise only one batch in 16 (a first load runs at
   * ~0.94 of the limit); `true` reads every batch; `false` never (callers that know their records are new or changed).
   * Records of batches not read back come back `created` or `updated` as HubSpot answers.
   */
  detectUnchanged?: boolean | 'auto';
  /** Requests in flight per account, across every connector of the process (default 5; the first one sets it). */
  maxConcurrent?: number;
  /**
   * `engagements` upserts of a record HubSpot holds as another type than its `hs_engagement_type`: `move` (default)
   * re-creates it as that type and archives the old one (its ID changes); `refuse` fails it. HubSpot cannot retype.
   */
  engagementRetype?: Retype;
}

const DEFAULT_BASE = 'https://api.hubapi.com';
export { encodeHubSpotCursor } from './incremental-read';
/** Options of one `upsert()` call: the connector contract's, and parents to associate with. */
export interface HubSpotUpsertOptions extends UpsertOptions {
  /** A unique property (`hasUniqueValue`) whose value is each input's `key`. */
  keyProperty: string;
  /**
   * Overrides the connector's `detectUnchanged` for this call: `false` when the caller knows the records are new or
   * changed (one call per 100 records instead of two); such records come back `created` or `updated`, never `unchanged`.
   */
  detectUnchanged?: boolean;
  /**
   * Parents to associate each record with, found by the parent's key. The parent keys are resolved to HubSpot IDs
   * before writing (one `batch/read` per 100 records and parent type); a record whose parent does not exist is not
   * written and comes back `failed`, saying which parent is missing.
   */
  associations?: ParentAssociation[];
}

/** HubSpot CRM through the official SDK, with one adaptive rate limiter per account and bounded retries. */
export class HubSpotConnector implements Connector {
  readonly system = 'hubspot';
  private readonly client: Client;
  private readonly account: AccountLimiter;
  private readonly basePath: string;
  private readonly describeCache = new Map<string, ObjectSchema>();
  private readonly budget: RetryBudget;
  private readonly tokens: OAuthTokens | null;
  private readonly associationContext: AssociationContext;
  /** Calls, emails, meetings, notes and tasks as the one object `engagements` (see engagements/view.ts). */
  private readonly engagements: EngagementsView;
  /** Per object: whether reading upsert batches back is paying off (see `detectUnchanged`). */
  private readonly unchangedPolicies = new Map<string, UnchangedPolicy>();
  /** OAuth access tokens obtained so far (0 with a private app token). */
  get tokenRefreshes(): number {
    return this.tokens?.refreshes ?? 0;
  }
  /** Retries spent so far, for monitoring and tests. */
  get retriesUsed(): number {
    return this.budget.used;
  }

  constructor(private readonly options: HubSpotConnectorOptions) {
    if (!options.accessToken && !options.oauth)
      throw new HubSpotError('HubSpot connector needs an access token or OAuth credentials');
    this.basePath = (options.basePath ?? DEFAULT_BASE).replace(/\/+$/, '');
    // HubSpot limits an OAuth app per account, whatever access token it currently holds.
    const accountSecret = options.oauth
      ? `oauth\n${options.oauth.clientId}\n${options.oauth.refreshToken}`
      : options.accessToken!;
    this.account = limiterFor(this.basePath, accountSecret, options.maxConcurrent ?? 5);
    this.budget = new RetryBudget(options.retryBudget ?? 200);
    // No `middleware` option: @hubspot/api-client 13.5.0 ignores configured middleware unless each call passes its
    // own options, so the rate-limit headers are read from the `*WithHttpInfo` answers (and ApiException) instead.
    this.client = new Client({
      ...(options.accessToken ? { accessToken: options.accessToken } : {}),
      basePath: this.basePath,
    });
    this.tokens = options.oauth ? new OAuthTokens(this.client, options.oauth) : null;
    this.associationContext = { client: this.client, call: (what, fn) => this.call(what, fn) };
    this.engagements = new EngagementsView(this, this.associationContext, options.engagementRetype ?? 'move');
  }

  private get secrets(): Array<string | undefined> {
    return [this.options.accessToken, ...(this.tokens?.secrets ?? [])];
  }

  /** The account's hashed key (safe to log). */
  get accountId(): string {
    return this.account.account;
  }

  /**
   * One SDK call through the account limiter, retried within the call's limits and the connector's retry budget.
   * With OAuth, the access token is renewed before it expires, and once more if HubSpot answers 401 anyway.
   */
  private async call<T>(what: string, fn: () => Promise<WithHeaders<T>>): Promise<T> {
    if (!this.tokens) return this.attempt(what, fn);
    await this.tokens.ensure();
    const generation = this.tokens.generation;
    try {
      return await this.attempt(what, fn);
    } catch (error) {
      if ((error as HubSpotError).status !== 401) throw error;
      await this.tokens.renewAfter(generation);
      return this.attempt(what, fn);
    }
  }

  private attempt<T>(what: string, fn: () => Promise<WithHeaders<T>>): Promise<T> {
    const account = this.account;
    const observed = async (): Promise<T> => {
      const startedAt = Date.now();
      try {
        const info = await fn();
        account.observe(info.headers, startedAt);
        return info.data;
      } catch (error) {
        const headers = (error as { headers?: Record<string, string> }).headers;
        if (headers && typeof headers === 'object') account.observe(headers, startedAt);
        throw error;
      }
    };
    return retryingCall(observed, {
      limiter: this.account,
      policy: this.options,
      budget: this.budget,
      toError: (error) => toHubSpotError(error, what, this.secrets, this.basePath),
      timeoutError: (ms) => new HubSpotError(`HubSpot ${what} timed out after ${ms} ms`, undefined, 'TIMEOUT'),
      budgetSpent: (error, size) =>
        new HubSpotError(
          `${error.message} (retry budget of ${size} exhausted)`,
          error.status,
          error.category,
          error.correlationId,
          error.retryAfterMs,
          error.unreachable,
        ),
    });
  }

  async checkConnection(): Promise<ConnectionCheck> {
    try {
      await this.call('connection check', () => this.client.crm.objects.basicApi.getPageWithHttpInfo('contacts', 1));
      return { ok: true, message: `connected to HubSpot at ${this.basePath} (account ${this.accountId})` };
    } catch (error) {
      return { ok: false, message: (error as Error).message };
    }
  }

  async listObjects(): Promise<string[]> {
    return [...(this.options.objects ?? ['contacts', 'companies', 'deals', ENGAGEMENTS])];
  }

  async describe(object: string): Promise<ObjectSchema> {
    if (object === ENGAGEMENTS) return this.engagements.describe();
    const cached = this.describeCache.get(object);
    if (cached) return cached;
    const response = await this.call(`describe ${object}`, () =>
      this.client.crm.properties.coreApi.getAllWithHttpInfo(object),
    );
    const fields = (response.results as unknown as RawProperty[]).map(toFieldSchema);
    const schema: ObjectSchema = { object, idField: 'hs_object_id', fields };
    this.describeCache.set(object, schema);
    return schema;
  }

  private async wanted(object: string, options: ReadOptions): Promise<string[]> {
    return options.properties ?? (await this.describe(object)).fields.map((f) => f.name);
  }

  private toItem(object: string, r: RawRecord, properties: string[]): ReadItem {
    const props: Record<string, string | null> = {};
    for (const p of properties) props[p] = r.properties[p] ?? null;
    const modifiedAt = new Date(r.updatedAt).toISOString();
    return {
      type: 'record',
      record: { id: r.id, properties: props, modifiedAt, origin: { source: `hubspot:${object}` } },
    };
  }

  /**
   * Without `since`: every record, by the list endpoint's paging. With `since` (an ISO time, or a cursor
   * `modified|id` built from a record's `modifiedAt` and `id`): the records modified after it, oldest first, by
   * search on `hs_lastmodifieddate`. Search cannot page past 10,000 results, so each window stops short of the cap
   * and the next one restarts from the last modified time seen (skipping the records of that instant already given).
   */
  async *read(object: string, options: ReadOptions = {}): AsyncGenerator<ReadItem, void, undefined> {
    if (object === ENGAGEMENTS) return yield* this.engagements.read(options);
    const properties = await this.wanted(object, options);
    if (!options.since) {
      const limit = Math.min(this.options.pageSize ?? 100, 100);
      let after: string | undefined;
      do {
        options.signal?.throwIfAborted();
        const page = await this.call(`read ${object}`, () =>
          this.client.crm.objects.basicApi.getPageWithHttpInfo(object, limit, after, properties),
        );
        for (const r of page.results) yield this.toItem(object, r as unknown as RawRecord, properties);
        after = page.paging?.next?.after;
      } while (after);
      return;
    }

    const cap = this.options.searchCap ?? 10_000;
    const limits = { cap, pageSize: Math.min(this.options.searchPageSize ?? 200, 200, cap) };
    yield* searchModifiedSince(
      this.associationContext,
      object,
      properties,
      { ...options, since: options.since },
      limits,
      (r) => this.toItem(object, r, properties),
    );
  }

  /** The records with these IDs (`batch/read`, 100 a call); IDs HubSpot does not know are left out. */
  async *readByIds(
    object: string,
    ids: string[],
    options: Omit<ReadOptions, 'since'> = {},
  ): AsyncGenerator<ReadItem, void, undefined> {
    if (object === ENGAGEMENTS) return yield* this.engagements.readByIds(ids, options);
    const properties = await this.wanted(object, options);
    const unique = [...new Set(ids)];
    for (let i = 0; i < unique.length; i += 100) {
      options.signal?.throwIfAborted();
      const chunk = unique.slice(i, i + 100);
      const response = await this.call(`read ${object} by ID`, () =>
        this.client.crm.objects.batchApi.readWithHttpInfo(object, {
          inputs: chunk.map((id) => ({ id })),
          properties,
          propertiesWithHistory: [],
        }),
      );
      for (const r of response.results) yield this.toItem(object, r as unknown as RawRecord, properties);
    }
  }

  /**
   * Creates or updates by `keyProperty` (a property with unique values) in batches of 100 through
   * `batch/upsert`. HubSpot says per record whether it was new (`created`) or not (`updated`). With
   * `detectUnchanged` (default), records whose values are already there are not sent and come back `unchanged`.
   * Records HubSpot rejects (207) are `failed` with its message; a batch that fails as a whole (after retries) fails
   * all its records, except an authentication failure, which is thrown. With `associations`, each record is also
   * associated with its parent (see `HubSpotUpsertOptions`).
   */
  async upsert(object: string, records: UpsertInput[], options: HubSpotUpsertOptions): Promise<UpsertResult[]> {
    if (object === ENGAGEMENTS) return this.engagements.upsert(records, options);
    const detect = options.detectUnchanged ?? this.options.detectUnchanged ?? 'auto';
    const parents = (options.associations ?? []).map((spec) => ({
      spec: ParentAssociationSchema.parse(spec),
      ids: new Map<string, string>(),
    }));
    const batches: UpsertInput[][] = [];
    for (let i = 0; i < records.length; i += 100) batches.push(records.slice(i, i + 100));
    // Batches go out side by side (the account limiter still paces them) unless a key repeats across the call: then
    // one at a time, so the later value of that key is the one written last.
    const unique = new Set(records.map((r) => r.key)).size === records.length;
    const workers = unique ? Math.min(this.options.maxConcurrent ?? 5, batches.length) : 1;
    const results: UpsertResult[][] = new Array(batches.length);
    let next = 0;
    let fatal: unknown;
    const work = async () => {
      while (fatal === undefined && next < batches.length) {
        const b = next++;
        const batch = batches[b]!;
        try {
          results[b] = await this.upsertBatch(object, batch, options.keyProperty, detect, parents);
        } catch (error) {
          // Unreachable, or the credentials refused: every other batch would fail the same way, so the upsert stops.
          if ((error as HubSpotError).connectionFailed) fatal = error;
          results[b] = batch.map((r) => ({ key: r.key, status: 'failed', error: (error as Error).message }));
        }
      }
    };
    await Promise.all(Array.from({ length: workers }, work));
    if (fatal !== undefined) throw fatal;
    return results.flat();
  }

  /** The existing records of these keys whose properties already hold the values given: key -> record id. */
  private async unchanged(object: string, batch: UpsertInput[], keyProperty: string): Promise<Map<string, string>> {
    if (batch.length === 0) return new Map();
    const names = [...new Set(batch.flatMap((r) => Object.keys(r.properties)))].filter((p) => p !== keyProperty);
    const response = (await this.call(`read ${object} before upsert`, () =>
      this.client.crm.objects.batchApi.readWithHttpInfo(object, {
        idProperty: keyProperty,
        inputs: batch.map((r) => ({ id: r.key })),
        properties: names,
        propertiesWithHistory: [],
      }),
    )) as unknown as { results: RawRecord[] };
    const same = new Map<string, string>();
    const wanted = new Map(batch.map((r) => [r.key, r]));
    const norm = (v: string | null | undefined) => (v === undefined || v === null || v === '' ? null : v);
    for (const existing of response.results) {
      const key = existing.properties[keyProperty];
      const input = key == null ? undefined : wanted.get(key);
      if (!input || key == null) continue;
      const equal = Object.entries(input.properties).every(
        ([k, v]) => k === keyProperty || norm(existing.properties[k]) === norm(v),
      );
      if (equal) same.set(key, existing.id);
    }
    return same;
  }

  private readBack(object: string, detect: boolean | 'auto'): { read: boolean; policy?: UnchangedPolicy } {
    if (detect !== 'auto') return { read: detect };
    let policy = this.unchangedPolicies.get(object);
    if (!policy) this.unchangedPolicies.set(object, (policy = new UnchangedPolicy()));
    return { read: policy.shouldRead(), policy };
  }

  private async upsertBatch(
    object: string,
    batch: UpsertInput[],
    keyProperty: string,
    detect: boolean | 'auto',
    parents: Parents,
  ): Promise<UpsertResult[]> {
    const byKey = new Map<string, UpsertResult>();
    // Parents first: a record whose parent is missing is not written, so a later run (after the parent) can retry it.
    for (const { spec, ids } of parents) {
      const keys = batch.map((r) => parentKeyOf(r, spec)).filter((k): k is string => k !== null);
      if (keys.length) await resolveParents(this.associationContext, spec, keys, ids);
      for (const r of batch) {
        const key = parentKeyOf(r, spec);
        if (key === null || ids.has(key) || byKey.has(r.key)) continue;
        byKey.set(r.key, {
          key: r.key,
          status: 'failed',
          error: `not written: its parent in ${spec.toObject} with ${spec.toKeyProperty}=${key} does not exist in HubSpot`,
        });
      }
    }
    const virtual = new Set(parents.map((p) => p.spec.keyFrom));
    const writable = batch
      .filter((r) => !byKey.has(r.key))
      .map((r) =>
        virtual.size
          ? {
              key: r.key,
              properties: Object.fromEntries(Object.entries(r.properties).filter(([k]) => !virtual.has(k))),
            }
          : r,
      );
    const { read, policy } = this.readBack(object, detect);
    const same = read ? await this.unchanged(object, writable, keyProperty) : new Map<string, string>();
    if (read) policy?.observe(writable.length, same.size);
    for (const [key, id] of same) byKey.set(key, { key, status: 'unchanged', id });
    const toSend = writable.filter((r) => !same.has(r.key));
    for (const result of await this.send(object, toSend, keyProperty)) byKey.set(result.key, result);
    const results = batch.map((r) => byKey.get(r.key)!);
    for (const { spec, ids } of parents) {
      const links = batch.flatMap((r, i) => {
        const parentKey = parentKeyOf(r, spec);
        const result = results[i]!;
        return parentKey !== null && result.status !== 'failed' && result.id
          ? [{ result, parentKey, parentId: ids.get(parentKey)! }]
          : [];
      });
      await associate(this.associationContext, object, spec, await this.missingLinks(object, spec.toObject, links));
    }
    return results;
  }

  /**
   * Links still to create: those of records written now, and those of `unchanged` records that are not associated
   * with that parent yet (one v4 read per 1,000), so a re-run that finds everything in place writes nothing.
   */
  private async missingLinks<L extends { result: UpsertResult; parentId: string }>(
    object: string,
    toObject: string,
    links: L[],
  ): Promise<L[]> {
    const unchanged = links.filter((l) => l.result.status === 'unchanged');
    if (unchanged.length === 0) return links;
    const existing = await readAssociations(
      this.associationContext,
      object,
      unchanged.map((l) => l.result.id!),
      toObject,
    );
    return links.filter((l) => l.result.status !== 'unchanged' || !existing.get(l.result.id!)?.includes(l.parentId));
  }

  /** Updates records by their HubSpot IDs (`batch/update`), e.g. to write a legacy ID onto a record found by resemblance. */
  async updateByIds(object: string, updates: IdUpdate[]): Promise<IdUpdateResult[]> {
    if (object === ENGAGEMENTS) return this.engagements.updateByIds(updates);
    return updateByIds(this.associationContext, object, updates);
  }

  /** Records archived (in the recycling bin) after `since`, with the archive time as `modifiedAt`. */
  async *readDeleted(
    object: string,
    options: Omit<ReadOptions, 'properties'> = {},
  ): AsyncGenerator<ReadItem, void, undefined> {
    if (object === ENGAGEMENTS) return yield* this.engagements.readDeleted(options);
    const schema = await this.describe(object);
    const unique = schema.fields.filter((f) => f.unique).map((f) => f.name);
    yield* readArchived(this.associationContext, object, unique, options.since);
  }

  /** The IDs of the `toObject` records associated with each of these records (e.g. a deal's contacts), by v4 batch read. */
  /** Associates existing records (by ID) with parents found by key, making only the missing associations. */
  async associateByIds(object: string, links: IdLink[], spec: ParentAssociation): Promise<IdLinkResult[]> {
    if (object === ENGAGEMENTS) return this.engagements.associateByIds(links, ParentAssociationSchema.parse(spec));
    return associateByIds(this.associationContext, object, links, ParentAssociationSchema.parse(spec));
  }

  async readAssociations(object: string, ids: string[], toObject: string): Promise<Map<string, string[]>> {
    if (object === ENGAGEMENTS) return this.engagements.readAssociations(ids, toObject);
    return readAssociations(this.associationContext, object, ids, toObject);
  }

  /**
   * Sends one `batch/upsert`. HubSpot may reject a whole batch (400) for one bad record; the batch is then split in
   * halves until the bad records stand alone, so the others are still written and each failure has its own message.
   */
  private async send(object: string, toSend: UpsertInput[], keyProperty: string): Promise<UpsertResult[]> {
    if (toSend.length === 0) return [];
    const inputs = toSend.map((r) => {
      const properties: Record<string, string> = {};
      for (const [k, v] of Object.entries(r.properties)) if (k !== keyProperty) properties[k] = v ?? '';
      return { idProperty: keyProperty, id: r.key, properties };
    });
    let response: {
      results: Array<{ id: string; _new?: boolean; properties: Record<string, string | null> }>;
      errors?: Array<{ message: string; context?: Record<string, string[]> }>;
    };
    try {
      response = (await this.call(`upsert ${object}`, () =>
        this.client.crm.objects.batchApi.upsertWithHttpInfo(object, { inputs }),
      )) as never;
    } catch (error) {
      if ((error as HubSpotError).status !== 400) throw error;
      if (toSend.length === 1) return [{ key: toSend[0]!.key, status: 'failed', error: (error as Error).message }];
      const mid = Math.ceil(toSend.length / 2);
      return [
        ...(await this.send(object, toSend.slice(0, mid), keyProperty)),
        ...(await this.send(object, toSend.slice(mid), keyProperty)),
      ];
    }
    const byKey = new Map<string, UpsertResult>();
    response.results.forEach((res, index) => {
      const key = res.properties?.[keyProperty] ?? toSend[index]?.key;
      if (key !== undefined && key !== null)
        byKey.set(key, { key, status: res._new ? 'created' : 'updated', id: res.id });
    });
    const unattributed: string[] = [];
    for (const err of response.errors ?? []) {
      const ids = Object.values(err.context ?? {}).flat();
      const matched = toSend.filter((r) => ids.includes(r.key) && !byKey.has(r.key));
      if (matched.length === 0) unattributed.push(err.message);
      for (const r of matched) byKey.set(r.key, { key: r.key, status: 'failed', error: err.message });
    }
    return toSend.map(
      (r) =>
        byKey.get(r.key) ?? {
          key: r.key,
          status: 'failed',
          error: unattributed.join('; ') || 'HubSpot returned no result for this record',
        },
    );
  }
}
