import type { Client } from '@hubspot/api-client';
import type {
  ConnectionCheck,
  Connector,
  DeleteResult,
  ObjectSchema,
  ReadItem,
  ReadOptions,
  UpsertInput,
  UpsertResult,
} from '../connector';
import { archiveByIds } from './archive';
import { HubSpotClient } from './client';
import { HubSpotError } from './errors';
import type { HubSpotOAuth } from './oauth';
import { readArchived, updateByIds, type IdUpdate, type IdUpdateResult } from './by-id';
import {
  ParentAssociationSchema,
  readAssociations,
  type AssociationContext,
  type ParentAssociation,
} from './associations';
import { EngagementsView } from './engagements/view';
import { associateByIds, type IdLink, type IdLinkResult } from './associate-by-id';
import { searchModifiedSince } from './incremental-read';
import { toFieldSchema } from './property-schema';
import { parseReply, PropertyList, RecordBatch, RecordPage, type RawRecord } from './schemas';
import { HubSpotUpserter } from './upsert';
import type { HubSpotUpsertOptions } from './upsert-options';
import { ENGAGEMENTS } from './engagements/types';
import type { Retype } from './engagements/contracts';

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

export { encodeHubSpotCursor } from './incremental-read';
export type { HubSpotUpsertOptions } from './upsert-options';

/** HubSpot CRM through the official SDK, with one adaptive rate limiter per account and bounded retries. */
export class HubSpotConnector implements Connector {
  readonly system = 'hubspot';
  private readonly api: HubSpotClient;
  private readonly client: Client;
  private readonly describeCache = new Map<string, ObjectSchema>();
  private readonly associationContext: AssociationContext;
  /** Calls, emails, meetings, notes and tasks as the one object `engagements` (see engagements/view.ts). */
  private readonly engagements: EngagementsView;
  private readonly upserter: HubSpotUpserter;
  /** OAuth access tokens obtained so far (0 with a private app token). */
  get tokenRefreshes(): number {
    return this.api.tokens?.refreshes ?? 0;
  }
  /** Retries spent so far, for monitoring and tests. */
  get retriesUsed(): number {
    return this.api.budget.used;
  }
  /** The account's hashed key (safe to log). */
  get accountId(): string {
    return this.api.account.account;
  }

  constructor(private readonly options: HubSpotConnectorOptions) {
    this.api = new HubSpotClient(options);
    this.client = this.api.client;
    this.associationContext = { client: this.client, call: (what, fn) => this.api.call(what, fn) };
    this.engagements = new EngagementsView(this, this.associationContext, options.engagementRetype ?? 'move');
    this.upserter = new HubSpotUpserter(this.associationContext, options);
  }

  async checkConnection(): Promise<ConnectionCheck> {
    try {
      await this.api.call('connection check', () =>
        this.client.crm.objects.basicApi.getPageWithHttpInfo('contacts', 1),
      );
      return { ok: true, message: `connected to HubSpot at ${this.api.basePath} (account ${this.accountId})` };
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
    const reply = await this.api.call(`describe ${object}`, () =>
      this.client.crm.properties.coreApi.getAllWithHttpInfo(object),
    );
    const fields = parseReply(PropertyList, reply, `GET /crm/v3/properties/${object}`).results.map(toFieldSchema);
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
        const reply = await this.api.call(`read ${object}`, () =>
          this.client.crm.objects.basicApi.getPageWithHttpInfo(object, limit, after, properties),
        );
        const page = parseReply(RecordPage, reply, `GET /crm/v3/objects/${object}`);
        for (const r of page.results) yield this.toItem(object, r, properties);
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
      const reply = await this.api.call(`read ${object} by ID`, () =>
        this.client.crm.objects.batchApi.readWithHttpInfo(object, {
          inputs: chunk.map((id) => ({ id })),
          properties,
          propertiesWithHistory: [],
        }),
      );
      const response = parseReply(RecordBatch, reply, `POST /crm/v3/objects/${object}/batch/read`);
      for (const r of response.results) yield this.toItem(object, r, properties);
    }
  }

  /**
   * Creates or updates by `keyProperty` (a property with unique values) in batches of 100 through `batch/upsert`;
   * see HubSpotUpserter (upsert.ts).
   */
  async upsert(object: string, records: UpsertInput[], options: HubSpotUpsertOptions): Promise<UpsertResult[]> {
    if (object === ENGAGEMENTS) return this.engagements.upsert(records, options);
    return this.upserter.upsert(object, records, options);
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

  /** Archives records by ID (to the recycling bin, restorable for 90 days); see archive.ts. */
  async delete(object: string, ids: string[]): Promise<DeleteResult[]> {
    // Engagements are five HubSpot objects whose IDs do not say which: deleting by ID could hit the wrong one.
    if (object === ENGAGEMENTS) throw new HubSpotError('Deleting engagements by ID is not supported');
    return archiveByIds(this.associationContext, object, ids);
  }

  /** Associates existing records (by ID) with parents found by key, making only the missing associations. */
  async associateByIds(object: string, links: IdLink[], spec: ParentAssociation): Promise<IdLinkResult[]> {
    if (object === ENGAGEMENTS) return this.engagements.associateByIds(links, ParentAssociationSchema.parse(spec));
    return associateByIds(this.associationContext, object, links, ParentAssociationSchema.parse(spec));
  }

  /** The IDs of the `toObject` records associated with each of these records (e.g. a deal's contacts), by v4 batch read. */
  async readAssociations(object: string, ids: string[], toObject: string): Promise<Map<string, string[]>> {
    if (object === ENGAGEMENTS) return this.engagements.readAssociations(ids, toObject);
    return readAssociations(this.associationContext, object, ids, toObject);
  }
}
