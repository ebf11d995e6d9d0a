import type {
  ConnectionCheck,
  Connector,
  DeleteResult,
  ObjectSchema,
  ReadItem,
  ReadOptions,
  UpsertInput,
  UpsertOptions,
  UpsertResult,
} from '../connector';
import { LimitedConnector } from '../http/limited-connector';
import { PipedriveClient } from './client';
import { deleteByIds, readDeletedRecords } from './deletes';
import { PipedriveFields } from './describe';
import { COST, OBJECTS, pipedriveObject, type PipedriveConnectorOptions } from './options';
import { PipedrivePipelines, type PipelineInfo } from './pipelines';
import { readRecords, readRecordsByIds } from './read';
import { PipedriveUpserter } from './upsert';

export type { PipedriveConnectorOptions, PipedriveOAuthOptions, PipedriveObject } from './options';
export type { PipelineInfo } from './pipelines';
export { encodePipedriveCursor } from './read';

/**
 * Pipedrive through the official `pipedrive` SDK (v2 for records and search, v1 for fields, users, pipelines), with
 * one token-budget limiter per account fed by `x-ratelimit-*` headers and bounded retries with jitter. The jobs live
 * in their own modules: client (calls, limits, OAuth), describe, read, upsert (with lookup and body), pipelines.
 */
export class PipedriveConnector extends LimitedConnector<PipedriveClient> implements Connector {
  readonly system = 'pipedrive';
  private readonly fields: PipedriveFields;
  private readonly stages: PipedrivePipelines;
  private readonly upserter: PipedriveUpserter;

  constructor(private readonly options: PipedriveConnectorOptions) {
    super(new PipedriveClient(options));
    this.fields = new PipedriveFields(this.client);
    this.stages = new PipedrivePipelines(this.client);
    this.upserter = new PipedriveUpserter(this.client, this.fields, this.stages);
  }

  async checkConnection(): Promise<ConnectionCheck> {
    try {
      await this.client.call('connection check', () => this.client.apis.users.getCurrentUser(), COST.v1);
      return { ok: true, message: `connected to Pipedrive at ${this.client.basePath} (account ${this.accountId})` };
    } catch (error) {
      return { ok: false, message: (error as Error).message };
    }
  }

  async listObjects(): Promise<string[]> {
    return [...(this.options.objects ?? OBJECTS)];
  }

  /** Fields from v1 `/{object}Fields`: `name` is the API key (a 40-hex hash for custom fields), `label` the name shown in Pipedrive. */
  async describe(object: string): Promise<ObjectSchema> {
    return this.fields.describe(pipedriveObject(object));
  }

  /**
   * Every record (or those changed after `since`: an ISO time, or a cursor `update_time|id` from a record's
   * `modifiedAt` and `id`), oldest change first; ties of the cursor's second are neither lost nor repeated. Custom
   * enum values come back as option labels.
   */
  async *read(object: string, options: ReadOptions = {}): AsyncGenerator<ReadItem, void, undefined> {
    yield* readRecords(this.client, this.fields, pipedriveObject(object), options);
  }

  /** The records with these Pipedrive IDs (100 per list call, `ids=`); IDs not found are left out. */
  async *readByIds(
    object: string,
    ids: string[],
    options: Omit<ReadOptions, 'since'> = {},
  ): AsyncGenerator<ReadItem, void, undefined> {
    yield* readRecordsByIds(this.client, this.fields, pipedriveObject(object), ids, options);
  }

  /** Pipelines with their stages, e.g. to map a stage name to its ID within a pipeline. */
  async pipelines(): Promise<PipelineInfo[]> {
    return this.stages.list();
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
    return this.upserter.upsert(pipedriveObject(object), records, options);
  }

  /** Records deleted after `since` (from `/v1/recents`), with the deletion time as `modifiedAt`; see deletes.ts. */
  async *readDeleted(
    object: string,
    options: Omit<ReadOptions, 'properties'> = {},
  ): AsyncGenerator<ReadItem, void, undefined> {
    yield* readDeletedRecords(this.client, pipedriveObject(object), options);
  }

  /** Deletes by Pipedrive ID (`DELETE /api/v2/{object}/{id}`), one result per ID; see deletes.ts. */
  async delete(object: string, ids: string[]): Promise<DeleteResult[]> {
    return deleteByIds(this.client, pipedriveObject(object), ids);
  }
}
