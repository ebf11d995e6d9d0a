import type { Connection } from 'jsforce';
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
import { subscribeChangeEvents, type ChangeEventHandlers, type ChangeEventSubscription } from './change-events';
import { SalesforceClient } from './client';
import { deleteByIds, readDeletedRecords } from './deletes';
import { SalesforceDescribe } from './describe';
import { SalesforceError } from './errors';
import type { SalesforceConnectorOptions } from './options';
import { query } from './read';
import { Limits, parseReply } from './schemas';
import { SalesforceUpserter } from './upsert';

export type { SalesforceConnectorOptions } from './options';
export type { SalesforceFieldSchema } from './describe';
export { salesforceCursor } from './read';

/**
 * Salesforce over its REST API through jsforce: describe, SOQL incremental reads, sObject Collections and Bulk API
 * 2.0 upserts, and Change Data Capture through the Streaming API. The jobs live in their own modules: client (login,
 * limiter, retries), describe, read, upsert, bulk-upsert, change-events.
 */
export class SalesforceConnector implements Connector {
  readonly system = 'salesforce';
  private readonly client: SalesforceClient;
  private readonly describer: SalesforceDescribe;
  private readonly upserter: SalesforceUpserter;

  constructor(options: SalesforceConnectorOptions) {
    this.client = new SalesforceClient(options);
    this.describer = new SalesforceDescribe(this.client);
    this.upserter = new SalesforceUpserter(this.client, this.describer);
  }

  /** Retries this connector may still spend (its budget, 50 by default, shared by every call it makes). */
  get retriesLeft(): number {
    return this.client.budget.left;
  }

  /** The jsforce connection, logging in first when OAuth settings are given. */
  connection(): Promise<Connection> {
    return this.client.connection();
  }

  async checkConnection(): Promise<ConnectionCheck> {
    const { client } = this;
    try {
      const reply = await client.call('Salesforce connection check', (c) =>
        c.request<unknown>('/limits', client.requestOptions),
      );
      const limits = parseReply(Limits, reply, `GET ${client.apiRoot}/limits`);
      const conn = await client.connection();
      const api = limits.DailyApiRequests;
      return {
        ok: true,
        message: `connected to ${conn.instanceUrl} (API ${client.version}${api ? `, ${api.Max - api.Remaining}/${api.Max} daily API requests used` : ''})`,
      };
    } catch (error) {
      return {
        ok: false,
        message:
          error instanceof SalesforceError ? error.message : client.fail(error, 'Salesforce connection check').message,
      };
    }
  }

  async listObjects(): Promise<string[]> {
    return this.describer.listObjects();
  }

  async describe(object: string): Promise<ObjectSchema> {
    return this.describer.describe(object);
  }

  /**
   * All records (or those changed after `since`), oldest change first: SOQL ordered by SystemModstamp, Id, pages
   * followed through nextRecordsUrl. `since` is `salesforceCursor(lastRecord)` (or a plain ISO time): records sharing
   * the cursor's SystemModstamp with a greater Id are still returned.
   */
  async *read(object: string, options: ReadOptions = {}): AsyncGenerator<ReadItem, void, undefined> {
    yield* query(this.client, this.describer, object, options);
  }

  /** The records with these IDs (any order; IDs that do not exist are simply absent), 200 IDs a query. */
  async *readByIds(
    object: string,
    ids: string[],
    options: Omit<ReadOptions, 'since'> = {},
  ): AsyncGenerator<ReadItem, void, undefined> {
    for (const id of ids)
      if (!/^[A-Za-z0-9]{15,18}$/.test(id)) throw new SalesforceError(`Invalid ${object} Id "${id}"`, 'INVALID_ID');
    for (let i = 0; i < ids.length; i += 200)
      yield* query(this.client, this.describer, object, options, ids.slice(i, i + 200));
  }

  /**
   * Change Data Capture: subscribes to a change event channel (`/data/Loan__ChangeEvent`, `/data/ChangeEvents`) from
   * `replayFrom` (the last replay ID handled, -1 for new events only, -2 for every retained one). See change-events.ts.
   */
  subscribeChangeEvents(
    channel: string,
    replayFrom: number,
    handlers: ChangeEventHandlers,
  ): Promise<ChangeEventSubscription> {
    return subscribeChangeEvents(this.client, channel, replayFrom, handlers);
  }

  /**
   * Upserts by an external-ID field: up to `bulkThreshold` records in sObject Collections calls of up to 200 records
   * (allOrNone false), more through Bulk API 2.0 ingest jobs. Transient failures are retried. Each record comes back
   * `created`, `updated` or `failed` with what Salesforce objected to. A Collections call that was applied but whose
   * answer was lost is sent again: the records are then reported `updated`.
   */
  async upsert(object: string, records: UpsertInput[], options: { keyProperty: string }): Promise<UpsertResult[]> {
    return this.upserter.upsert(object, records, options);
  }

  /** Records deleted after `since` (getDeleted), with the deletion time as `modifiedAt`; see deletes.ts. */
  async *readDeleted(
    object: string,
    options: Omit<ReadOptions, 'properties'> = {},
  ): AsyncGenerator<ReadItem, void, undefined> {
    yield* readDeletedRecords(this.client, object, options);
  }

  /** Deletes by Id through sObject Collections, one result per Id; see deletes.ts. */
  async delete(object: string, ids: string[]): Promise<DeleteResult[]> {
    return deleteByIds(this.client, object, ids);
  }
}
