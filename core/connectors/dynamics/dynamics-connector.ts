import type {
  ConnectionCheck,
  Connector,
  DeletedReadOptions,
  DeleteResult,
  ObjectSchema,
  ReadItem,
  ReadOptions,
  UpsertInput,
  UpsertOptions,
  UpsertResult,
} from '../connector';
import { compareCursors, decodeCursor } from '../cursor';
import { LimitedConnector } from '../http/limited-connector';
import { readByIds } from './by-id';
import { DynamicsClient } from './client';
import { deleteRows, readDeletedRows } from './deletes';
import { DynamicsTables } from './describe';
import type { DynamicsConnectorOptions } from './options';
import { parseReply, WhoAmIReply } from './schemas';
import { readChanges, readModified, type DeletedRow, type DynamicsChange } from './read';
import { DynamicsUpserter } from './upsert';

/** A delta link kept from a completed read, valid for later reads from `from` on with the same columns. */
interface HeldDelta {
  link: string;
  from: string | null;
  /** When the read that returned it ended (ms): every row it returns changed after this. */
  issuedAt: number;
}

/**
 * Microsoft Dynamics 365 (Dataverse Web API) through the unmodified `dynamics-web-api` SDK, behind the user's service
 * protection limiter with bounded retries. Jobs live in their own modules: client (calls, limits, tokens), auth
 * (client credentials), describe, read (modifiedon paging, change tracking), upsert (alternate key, `$batch`).
 */
export class DynamicsConnector extends LimitedConnector<DynamicsClient> implements Connector {
  readonly system = 'dynamics';
  private readonly tables: DynamicsTables;
  private readonly upserter: DynamicsUpserter;
  private readonly deltas = new Map<string, HeldDelta>();
  private readonly deleted = new Map<string, DeletedRow[]>();

  constructor(private readonly options: DynamicsConnectorOptions) {
    super(new DynamicsClient(options));
    this.tables = new DynamicsTables(this.client);
    this.upserter = new DynamicsUpserter(this.client, this.tables);
  }

  /** Requests the window held back so far (this process's own pacing). */
  get windowWaits(): number {
    return this.client.account.waits;
  }

  async checkConnection(): Promise<ConnectionCheck> {
    try {
      const who = parseReply(
        WhoAmIReply,
        await this.client.call('connection check', (api) => api.callFunction('WhoAmI')),
        `GET ${this.client.apiPath}/WhoAmI`,
      );
      return { ok: true, message: `connected to Dynamics at ${this.client.url} as user ${who.UserId}` };
    } catch (error) {
      return { ok: false, message: (error as Error).message };
    }
  }

  async listObjects(): Promise<string[]> {
    return [...(this.options.objects ?? ['account', 'contact'])];
  }

  /** Columns from the metadata endpoints: custom ones (publisher prefix) described as such, choices with their labels, alternate keys unique. */
  async describe(object: string): Promise<ObjectSchema> {
    return (await this.tables.table(object)).schema;
  }

  /**
   * Every row, or those changed after `since` (a cursor `modifiedon|id`, or an ISO time), oldest change first. On a
   * table with change tracking, a full read asks for a delta link, and a later read from a cursor it covers fetches
   * only the changes since (sorted by modified time; deletions kept for `readDeleted`); otherwise rows are read by
   * modifiedon and ID with `@odata.nextLink` paging. Choices come back as their labels, lookups as row IDs.
   */
  async *read(object: string, options: ReadOptions = {}): AsyncGenerator<ReadItem, void, undefined> {
    const table = await this.tables.table(object);
    const heldKey = `${table.logicalName}\n${options.properties?.join(',') ?? '*'}`;
    const held = this.deltas.get(heldKey);
    const covered = held && options.since && (held.from === null || compareCursors(options.since, held.from) >= 0);
    if (!table.changeTracking || (options.since && !covered)) return yield* readModified(this.client, table, options);
    const changes = readChanges(this.client, this.tables, object, {
      ...options,
      deltaLink: covered ? held.link : undefined,
    });
    if (!covered) {
      // A full read: rows in the service's order, as any full read.
      for await (const change of changes) {
        if (change.type === 'deltaLink')
          this.deltas.set(heldKey, { link: change.link, from: null, issuedAt: Date.now() });
        else if (change.type !== 'deleted') yield change;
      }
      return;
    }
    const rows: ReadItem[] = [];
    let link: string | null = null;
    for await (const change of changes) this.collect(table.logicalName, change, rows, (l) => (link = l));
    rows.sort((a, b) => (a.type === 'record' && b.type === 'record' ? compareCursors(cursorOf(a), cursorOf(b)) : 0));
    const since = decodeCursor(options.since!);
    // Every row of the delta changed after the link was issued; only a cursor later than that needs comparing (rows
    // of the cursor's own second must not be dropped, as times are shown to the second).
    const compare = Date.parse(since.time) > held.issuedAt;
    const issuedAt = Date.now();
    for (const item of rows) {
      if (compare && item.type === 'record' && compareCursors(cursorOf(item), options.since!) <= 0) continue;
      yield item;
    }
    if (link) this.deltas.set(heldKey, { link, from: held.from, issuedAt });
  }

  /** The change-tracked read itself, for callers that keep delta links (see `readChanges` in read.ts). */
  changes(
    object: string,
    options: { deltaLink?: string; properties?: string[]; signal?: AbortSignal } = {},
  ): AsyncGenerator<DynamicsChange, void, undefined> {
    return readChanges(this.client, this.tables, object, options);
  }

  /** The rows with these IDs (GUIDs), for the sync engine's parent fetches, read-backs and before values. */
  async *readByIds(
    object: string,
    ids: string[],
    options: Omit<ReadOptions, 'since'> = {},
  ): AsyncGenerator<ReadItem, void, undefined> {
    yield* readByIds(this.client, await this.tables.table(object), ids, options);
  }

  /**
   * Rows deleted, from change tracking (Dataverse's `$deletedEntity` carries only the ID; `modifiedAt` is when this
   * connector learnt of it). With `onResume` (the sync engine), from the delta link the caller kept (`resume`), the
   * first call taking the baseline; see `readDeletedRows`. Without it, the rows this connector's own change-tracked
   * reads found deleted after `since`: empty until such a read has run in this process.
   */
  async *readDeleted(object: string, options: DeletedReadOptions = {}): AsyncGenerator<ReadItem, void, undefined> {
    const table = await this.tables.table(object);
    if (options.onResume) return yield* readDeletedRows(this.client, this.tables, table, options);
    for (const row of this.deleted.get(table.logicalName) ?? []) {
      if (options.since && Date.parse(row.seenAt) <= Date.parse(decodeCursor(options.since).time)) continue;
      yield {
        type: 'record',
        record: {
          id: row.id,
          properties: { [table.primaryId]: row.id },
          modifiedAt: row.seenAt,
          origin: { source: `dynamics:${table.logicalName}` },
        },
      };
    }
  }

  /**
   * Upserts by an alternate key of one column (`keyProperty`, e.g. accountnumber or new_legacyid) through `$batch`,
   * a result per record: `created`, `updated`, `unchanged` (with `detectUnchanged`, the default: rows holding the
   * values already are not written) or `failed` with the record, the column and Dataverse's reason.
   */
  async upsert(object: string, records: UpsertInput[], options: UpsertOptions): Promise<UpsertResult[]> {
    return this.upserter.upsert(object, records, options);
  }

  /** Deletes rows by ID through `$batch`, one result per ID (a row already gone is `missing`). */
  async delete(object: string, ids: string[]): Promise<DeleteResult[]> {
    return deleteRows(this.client, await this.tables.table(object), ids);
  }

  private collect(table: string, change: DynamicsChange, rows: ReadItem[], setLink: (link: string) => void): void {
    if (change.type === 'deltaLink') setLink(change.link);
    else if (change.type === 'deleted') {
      const list = this.deleted.get(table) ?? [];
      list.push({ id: change.id, seenAt: new Date().toISOString() });
      this.deleted.set(table, list);
    } else rows.push(change);
  }
}

const cursorOf = (item: ReadItem): string =>
  item.type === 'record' ? `${item.record.modifiedAt}|${item.record.id}` : '';
