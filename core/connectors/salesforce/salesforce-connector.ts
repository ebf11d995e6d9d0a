import type { Connection } from 'jsforce';
import type { JobInfoV2 } from 'jsforce/lib/api/bulk2';
import { csvJobs, MAX_JOB_BYTES, parseBulkError, type CsvJob } from './bulk-csv';
import type { Value } from '../connector';
import type {
  ConnectionCheck,
  Connector,
  FieldSchema,
  FieldType,
  FieldFormat,
  ObjectSchema,
  ReadItem,
  ReadOptions,
  SourceRecord,
  UpsertInput,
  UpsertResult,
} from '../connector';
import { decodeCursor, encodeCursor } from '../cursor';
import {
  isConnectionFailure,
  recordErrorMessage,
  SalesforceError,
  toSalesforceError,
  type RecordErrorBody,
} from './errors';
import { firstPollWait, learnBulkRate, learnedBulkRate, MAX_POLL_WAIT_MS } from './bulk-pace';
import { login } from './login';
import { applyUsage, limiterFor, RetryBudget, withRetry, type LimiterOptions, type RetryOptions } from './throttle';
import type Bottleneck from 'bottleneck';

export interface SalesforceConnectorOptions {
  /** The org's instance URL, e.g. https://acme.my.salesforce.com (the emulator's http://127.0.0.1:PORT in tests). */
  instanceUrl: string;
  /** An access token obtained elsewhere; or give `oauth` to log in. */
  accessToken?: string;
  /**
   * OAuth2 login against `${loginUrl ?? instanceUrl}/services/oauth2/token`: the JWT bearer grant when `username` and
   * `privateKey` are given (an RS256 assertion signed here: iss = clientId, sub = username, aud = the login URL), else
   * the refresh-token grant when `refreshToken` is given, else the client-credentials grant. The session is renewed
   * on INVALID_SESSION_ID (JWT and client credentials by logging in again).
   */
  oauth?: {
    clientId: string;
    clientSecret?: string;
    refreshToken?: string;
    loginUrl?: string;
    username?: string;
    privateKey?: string;
  };
  /** REST API version (default '60.0'). */
  version?: string;
  /** Records per sObject Collections call (1-200, default 200). */
  batchSize?: number;
  /** Time limit of one HTTP request in ms (default 120,000). */
  requestTimeoutMs?: number;
  retry?: RetryOptions;
  limiter?: LimiterOptions;
  /** Upserts of more records than this go through Bulk API 2.0 ingest jobs instead of sObject Collections (default 2,000). */
  bulkThreshold?: number;
  bulk?: {
    /**
     * Shortest wait before asking whether a job is done, in ms (default 1,000). The first wait is this long while the
     * org's processing rate is unknown, else as long as a job of this size should take (x 1.2, at most 30 s); later
     * waits follow the job's own progress.
     */
    pollIntervalMs?: number;
    /**
     * The org's Bulk processing rate in records per second, for callers who know it: times the first poll of a job
     * until a job of this org has finished in this process, after which the rate measured from the org's jobs wins.
     */
    expectedRecordsPerSecond?: number;
    /** Longest wait for one job to finish, in ms (default 600,000). */
    pollTimeoutMs?: number;
    /** Largest CSV upload per job in bytes (default and Salesforce's limit: 100 MB). */
    maxJobBytes?: number;
  };
}

/** A Salesforce field as describe reports it (the part the connector uses). */
interface DescribeField {
  name: string;
  label?: string;
  type: string;
  nillable?: boolean;
  unique?: boolean;
  externalId?: boolean;
  updateable?: boolean;
  createable?: boolean;
  defaultedOnCreate?: boolean;
  calculated?: boolean;
  inlineHelpText?: string | null;
  picklistValues?: Array<{ value: string; active?: boolean }>;
}
interface DescribeResult {
  name: string;
  fields: DescribeField[];
}
interface QueryPage {
  totalSize: number;
  done: boolean;
  nextRecordsUrl?: string;
  records: Array<Record<string, unknown>>;
}
interface CollectionResult {
  id?: string | null;
  success: boolean;
  created?: boolean;
  errors?: RecordErrorBody[];
}

/** A Salesforce field schema; `externalId` says the field can key an upsert. */
export interface SalesforceFieldSchema extends FieldSchema {
  externalId?: boolean;
  salesforceType: string;
}

const TYPES: Record<string, [FieldType, FieldFormat?]> = {
  id: ['string', 'reference'],
  reference: ['string', 'reference'],
  string: ['string'],
  textarea: ['string', 'textarea'],
  email: ['string', 'email'],
  phone: ['string', 'phone'],
  url: ['string', 'url'],
  combobox: ['string'],
  picklist: ['enum'],
  multipicklist: ['enum'],
  int: ['integer'],
  long: ['integer'],
  double: ['number'],
  currency: ['number', 'currency'],
  percent: ['number', 'percent'],
  boolean: ['boolean'],
  date: ['date'],
  datetime: ['datetime'],
  encryptedstring: ['string'],
};
const COMPOUND = new Set(['address', 'location', 'base64']);
const NAME = /^[A-Za-z][A-Za-z0-9_]*$/;
const MAX_BATCH = 200;
const DEFAULT_BULK_THRESHOLD = 2_000;
function checkName(name: string, what: string): string {
  if (!NAME.test(name)) throw new SalesforceError(`Invalid Salesforce ${what} name "${name}"`, 'INVALID_NAME');
  return name;
}

/** jsforce's ingest job, whatever record schema the connection was typed with. */
type IngestJob = ReturnType<Connection['bulk2']['createJob']>;

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Cursor of an incremental read: SystemModstamp and Id of the last record seen (`<ISO time>|<Id>`). */
export function salesforceCursor(record: Pick<SourceRecord, 'id' | 'modifiedAt'>): string {
  if (!record.modifiedAt) throw new Error(`record ${record.id} has no modifiedAt`);
  return encodeCursor(record.modifiedAt, record.id);
}

/** A SOQL datetime literal (seconds precision, UTC); SystemModstamp carries no milliseconds. */
function soqlDateTime(iso: string): string {
  const t = Date.parse(iso.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
  if (Number.isNaN(t)) throw new SalesforceError(`Invalid cursor time "${iso}"`, 'INVALID_CURSOR');
  return `${new Date(t).toISOString().slice(0, 19)}Z`;
}

function isoOf(sfTime: unknown): string | undefined {
  if (typeof sfTime !== 'string') return undefined;
  const t = Date.parse(sfTime.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
  return Number.isNaN(t) ? undefined : new Date(t).toISOString();
}

function toValue(v: unknown): Value {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

/** Salesforce over its REST API through jsforce: describe, SOQL incremental reads, sObject Collections upserts. */
export class SalesforceConnector implements Connector {
  readonly system = 'salesforce';
  private connecting: Promise<Connection> | null = null;
  private org: string;
  private readonly budget: RetryBudget;
  private readonly describes = new Map<string, Promise<DescribeResult>>();

  constructor(private readonly options: SalesforceConnectorOptions) {
    if (!options.accessToken && !options.oauth)
      throw new SalesforceError('Salesforce connector needs an accessToken or oauth client settings', 'CONFIG');
    const batch = options.batchSize ?? MAX_BATCH;
    if (!Number.isInteger(batch) || batch < 1 || batch > MAX_BATCH)
      throw new SalesforceError(`batchSize must be 1-${MAX_BATCH}`, 'CONFIG');
    const threshold = options.bulkThreshold ?? DEFAULT_BULK_THRESHOLD;
    if (!Number.isInteger(threshold) || threshold < 0)
      throw new SalesforceError('bulkThreshold must be a whole number >= 0', 'CONFIG');
    const rate = options.bulk?.expectedRecordsPerSecond;
    if (rate !== undefined && !(Number.isFinite(rate) && rate > 0))
      throw new SalesforceError('bulk.expectedRecordsPerSecond must be a number > 0', 'CONFIG');
    if (options.oauth && !!options.oauth.username !== !!options.oauth.privateKey) {
      throw new SalesforceError('Salesforce JWT bearer login needs both username and privateKey', 'CONFIG');
    }
    this.org = options.instanceUrl.replace(/\/+$/, '');
    this.budget = new RetryBudget(options.retry?.budget ?? 50);
  }

  private secrets(): string[] {
    const o = this.options;
    return [o.accessToken, o.oauth?.clientSecret, o.oauth?.refreshToken, o.oauth?.privateKey].filter(
      (s): s is string => !!s,
    );
  }

  private fail(error: unknown, context: string, conn?: Connection): SalesforceError {
    return toSalesforceError(
      error,
      [...this.secrets(), conn?.accessToken, conn?.refreshToken],
      context,
      this.options.instanceUrl,
    );
  }

  private get version(): string {
    return this.options.version ?? '60.0';
  }

  /** The jsforce connection, logging in first when OAuth settings are given. */
  connection(): Promise<Connection> {
    this.connecting ??= login(
      this.options,
      this.version,
      (orgId) => (this.org = orgId),
      (e) => this.fail(e, 'Salesforce login'),
    ).catch((error: unknown) => {
      this.connecting = null;
      throw this.fail(error, 'Salesforce login');
    });
    return this.connecting;
  }

  /** One REST call through the org's limiter; writes (`retry`) also get backoff retries on transient failures. */
  private async call<T>(context: string, fn: (conn: Connection) => Promise<T>, retry = false): Promise<T> {
    const conn = await this.connection();
    const limiter: Bottleneck = limiterFor(this.org, this.options.limiter);
    const once = async (): Promise<T> => {
      applyUsage(limiter, conn.limitInfo?.apiUsage, this.options.limiter);
      try {
        return await limiter.schedule(() => fn(conn));
      } finally {
        try {
          applyUsage(limiter, conn.limitInfo?.apiUsage, this.options.limiter);
        } catch {
          // Reported on the next call, not on one that succeeded.
        }
      }
    };
    if (!retry) {
      try {
        return await once();
      } catch (error) {
        throw this.fail(error, context, conn);
      }
    }
    return withRetry(once, (e) => this.fail(e, context, conn), this.budget, this.options.retry);
  }

  private get requestOptions(): { timeout: number } {
    return { timeout: this.options.requestTimeoutMs ?? 120_000 };
  }

  async checkConnection(): Promise<ConnectionCheck> {
    try {
      const limits = await this.call('Salesforce connection check', (c) =>
        c.request<{ DailyApiRequests?: { Max: number; Remaining: number } }>('/limits', this.requestOptions),
      );
      const conn = await this.connection();
      const api = limits.DailyApiRequests;
      return {
        ok: true,
        message: `connected to ${conn.instanceUrl} (API ${this.version}${api ? `, ${api.Max - api.Remaining}/${api.Max} daily API requests used` : ''})`,
      };
    } catch (error) {
      return {
        ok: false,
        message:
          error instanceof SalesforceError ? error.message : this.fail(error, 'Salesforce connection check').message,
      };
    }
  }

  async listObjects(): Promise<string[]> {
    const global = await this.call('Salesforce describeGlobal', (c) =>
      c.request<{ sobjects: Array<{ name: string; queryable?: boolean }> }>('/sobjects', this.requestOptions),
    );
    return global.sobjects.filter((o) => o.queryable !== false).map((o) => o.name);
  }

  private describeRaw(object: string): Promise<DescribeResult> {
    checkName(object, 'object');
    let d = this.describes.get(object);
    if (!d) {
      d = this.call(`Salesforce describe ${object}`, (c) =>
        c.request<DescribeResult>(`/sobjects/${object}/describe`, this.requestOptions),
      );
      d.catch(() => this.describes.delete(object));
      this.describes.set(object, d);
    }
    return d;
  }

  async describe(object: string): Promise<ObjectSchema> {
    const d = await this.describeRaw(object);
    const fields = d.fields.map((f): SalesforceFieldSchema => {
      const [type, format] = TYPES[f.type] ?? ['unknown'];
      const options = f.picklistValues?.filter((p) => p.active !== false).map((p) => p.value);
      return {
        name: f.name,
        ...(f.label ? { label: f.label } : {}),
        type,
        salesforceType: f.type,
        required: f.nillable === false && f.createable !== false && !f.defaultedOnCreate,
        unique: !!f.unique,
        externalId: !!f.externalId,
        readOnly: f.updateable === false,
        ...(format ? { format } : {}),
        ...(options?.length ? { options } : {}),
        ...(f.type === 'multipicklist' ? { multiValue: true } : {}),
        ...(f.inlineHelpText ? { description: f.inlineHelpText } : {}),
      };
    });
    return { object: d.name, idField: 'Id', fields };
  }

  /**
   * All records (or those changed after `since`), oldest change first: SOQL ordered by SystemModstamp, Id, pages
   * followed through nextRecordsUrl. `since` is `salesforceCursor(lastRecord)` (or a plain ISO time): records sharing
   * the cursor's SystemModstamp with a greater Id are still returned.
   */
  async *read(object: string, options: ReadOptions = {}): AsyncGenerator<ReadItem, void, undefined> {
    yield* this.query(object, options);
  }

  /** The records with these IDs (any order; IDs that do not exist are simply absent), 200 IDs a query. */
  async *readByIds(
    object: string,
    ids: string[],
    options: Omit<ReadOptions, 'since'> = {},
  ): AsyncGenerator<ReadItem, void, undefined> {
    for (const id of ids)
      if (!/^[A-Za-z0-9]{15,18}$/.test(id)) throw new SalesforceError(`Invalid ${object} Id "${id}"`, 'INVALID_ID');
    for (let i = 0; i < ids.length; i += 200) yield* this.query(object, options, ids.slice(i, i + 200));
  }

  private async *query(
    object: string,
    options: ReadOptions,
    ids?: string[],
  ): AsyncGenerator<ReadItem, void, undefined> {
    checkName(object, 'object');
    const props =
      options.properties ??
      (await this.describeRaw(object)).fields.filter((f) => !COMPOUND.has(f.type)).map((f) => f.name);
    props.forEach((p) => checkName(p, 'field'));
    const select = [...new Set(['Id', 'SystemModstamp', ...props])];
    let where = '';
    if (options.since) {
      const cursor = decodeCursor(options.since);
      const time = soqlDateTime(cursor.time);
      const id = cursor.id;
      if (id !== null && !/^[A-Za-z0-9]{15,18}$/.test(id))
        throw new SalesforceError(`Invalid cursor Id "${id}"`, 'INVALID_CURSOR');
      where =
        id === null
          ? ` WHERE SystemModstamp > ${time}`
          : ` WHERE SystemModstamp > ${time} OR (SystemModstamp = ${time} AND Id > '${id}')`;
    }
    // Plain `Id = ... OR ...` rather than IN: equally valid SOQL, and the subset every emulator of ours parses.
    if (ids) where = ` WHERE ${ids.map((id) => `Id = '${id}'`).join(' OR ')}`;
    const soql = `SELECT ${select.join(', ')} FROM ${object}${where} ORDER BY SystemModstamp, Id`;
    let url: string | undefined = `/query?q=${encodeURIComponent(soql)}`;
    const source = `salesforce:${object}`;
    while (url) {
      options.signal?.throwIfAborted();
      const next: string = url;
      const page = await this.call(`Salesforce query ${object}`, (c) =>
        c.request<QueryPage>(next, this.requestOptions),
      );
      for (const r of page.records) {
        const properties: Record<string, Value> = {};
        for (const p of props) properties[p] = toValue(r[p]);
        const modifiedAt = isoOf(r.SystemModstamp);
        yield {
          type: 'record',
          record: { id: String(r.Id), properties, ...(modifiedAt ? { modifiedAt } : {}), origin: { source } },
        };
      }
      url = page.done ? undefined : page.nextRecordsUrl;
    }
  }

  /**
   * Upserts by an external-ID field: up to `bulkThreshold` records in sObject Collections calls of up to 200 records
   * (allOrNone false), more through Bulk API 2.0 ingest jobs. Transient failures are retried. Each record comes back
   * `created`, `updated` or `failed` with what Salesforce objected to. A Collections call that was applied but whose
   * answer was lost is sent again: the records are then reported `updated`.
   */
  async upsert(object: string, records: UpsertInput[], options: { keyProperty: string }): Promise<UpsertResult[]> {
    if (records.length === 0) return [];
    checkName(object, 'object');
    const keyProperty = checkName(options.keyProperty, 'field');
    const d = await this.describeRaw(object);
    const fields = new Map(d.fields.map((f) => [f.name, f]));
    const key = fields.get(keyProperty);
    if (!key) throw new SalesforceError(`${object} has no field ${keyProperty}`, 'INVALID_FIELD');
    if (!key.externalId && keyProperty !== 'Id')
      throw new SalesforceError(
        `${object}.${keyProperty} is not an External ID field, so Salesforce cannot upsert by it`,
        'INVALID_FIELD',
      );

    const results = new Array<UpsertResult>(records.length);
    const seen = new Set<string>();
    const toSend: number[] = [];
    records.forEach((r, i) => {
      if (seen.has(r.key))
        results[i] = { key: r.key, status: 'failed', error: `key ${r.key} appears more than once in this upsert` };
      else {
        seen.add(r.key);
        toSend.push(i);
      }
    });
    if (toSend.length > (this.options.bulkThreshold ?? DEFAULT_BULK_THRESHOLD))
      await this.upsertBulk(object, keyProperty, fields, records, toSend, results);
    else await this.upsertCollections(object, keyProperty, fields, records, toSend, results);
    return results;
  }

  /** Fields of one record as Salesforce wants them, key last. */
  private values(r: UpsertInput, keyProperty: string, fields: Map<string, DescribeField>): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(r.properties))
      if (name !== keyProperty) out[name] = this.coerce(fields.get(name), value);
    out[keyProperty] = r.key;
    return out;
  }

  /** sObject Collections calls of up to 200 records (allOrNone false), each retried on transient failures. */
  private async upsertCollections(
    object: string,
    keyProperty: string,
    fields: Map<string, DescribeField>,
    records: UpsertInput[],
    toSend: number[],
    results: UpsertResult[],
  ): Promise<void> {
    const batchSize = this.options.batchSize ?? MAX_BATCH;
    for (let start = 0; start < toSend.length; start += batchSize) {
      const indexes = toSend.slice(start, start + batchSize);
      const body = JSON.stringify({
        allOrNone: false,
        records: indexes.map((i) => ({
          attributes: { type: object },
          ...this.values(records[i]!, keyProperty, fields),
        })),
      });
      let answer: CollectionResult[];
      try {
        answer = await this.call(
          `Salesforce upsert ${object} by ${keyProperty}`,
          (c) =>
            c.request<CollectionResult[]>(
              {
                method: 'PATCH',
                url: `/composite/sobjects/${object}/${keyProperty}`,
                body,
                headers: { 'content-type': 'application/json' },
              },
              this.requestOptions,
            ),
          true,
        );
      } catch (error) {
        // Every record gets a result, even when a call fails for good. A batch whose answer never came may have been
        // written: that is said, and a re-run is safe because upserts by external ID are idempotent. Salesforce
        // unreachable or refusing the session or every call is no record's failure: the upsert stops there.
        if (isConnectionFailure(error)) throw error;
        const reason = `${(error as Error).message} (this batch's outcome is unknown; run the upsert again: it is idempotent by ${keyProperty})`;
        for (const i of indexes) results[i] = { key: records[i]!.key, status: 'failed', error: reason };
        continue;
      }
      if (!Array.isArray(answer) || answer.length !== indexes.length) {
        throw new SalesforceError(
          `Salesforce upsert ${object}: expected ${indexes.length} results, got ${Array.isArray(answer) ? answer.length : typeof answer}`,
          'BAD_RESPONSE',
        );
      }
      indexes.forEach((i, n) => {
        const res = answer[n]!;
        const k = records[i]!.key;
        results[i] = res.success
          ? { key: k, status: res.created ? 'created' : 'updated', ...(res.id ? { id: res.id } : {}) }
          : { key: k, status: 'failed', error: recordErrorMessage(res.errors) };
      });
    }
  }

  /**
   * Bulk API 2.0 through jsforce's bulk2 client: one ingest job per 100 MB of CSV (create, upload, UploadComplete),
   * polled until done, then its successful / failed / unprocessed results mapped back to each record. A job that
   * cannot be started is aborted and started afresh on transient failures; once its data is in, it is never sent again.
   */
  private async upsertBulk(
    object: string,
    keyProperty: string,
    fields: Map<string, DescribeField>,
    records: UpsertInput[],
    toSend: number[],
    results: UpsertResult[],
  ): Promise<void> {
    const rows = new Map(toSend.map((i) => [i, { index: i, values: this.values(records[i]!, keyProperty, fields) }]));
    const maxBytes = this.options.bulk?.maxJobBytes ?? MAX_JOB_BYTES;
    const jobs = csvJobs([...rows.values()], keyProperty, maxBytes);
    let resends = this.options.retry?.retries ?? 5;
    for (let j = 0; j < jobs.length; j++) {
      const job = jobs[j]!;
      try {
        const unseen = await this.runIngestJob(object, keyProperty, job, records, results);
        // Records the job never saw (jsforce re-sends a streamed upload after a 5xx without its data) are sent again.
        if (unseen.length && resends-- > 0 && this.budget.left > 0) {
          this.budget.left--;
          for (const i of unseen) delete results[i];
          jobs.push(
            ...csvJobs(
              unseen.map((i) => rows.get(i)!),
              keyProperty,
              maxBytes,
            ),
          );
        }
      } catch (error) {
        const e =
          error instanceof SalesforceError ? error : this.fail(error, `Salesforce Bulk API 2.0 upsert ${object}`);
        if (isConnectionFailure(e)) throw e;
        const reason = `${e.message} (this Bulk API job's outcome is unknown; run the upsert again: it is idempotent by ${keyProperty})`;
        for (const i of job.indexes) results[i] ??= { key: records[i]!.key, status: 'failed', error: reason };
      }
    }
  }

  /** Runs one job and records each record's result; returns the records Salesforce reported nothing about. */
  private async runIngestJob(
    object: string,
    keyProperty: string,
    job: CsvJob,
    records: UpsertInput[],
    results: UpsertResult[],
  ): Promise<number[]> {
    const context = `Salesforce Bulk API 2.0 upsert ${object} by ${keyProperty}`;
    const { ingest, closing } = await this.startIngestJob(context, object, keyProperty, job.csv);
    const info = await this.waitForJob(context, ingest, job.indexes.length, closing);
    const processed = info.numberRecordsProcessed ?? 0;
    const failed = info.numberRecordsFailed ?? 0;
    // Only the result lists that can hold something are fetched: each read is an API call of the daily budget.
    const successful = processed > failed ? await this.call(context, () => ingest.getSuccessfulResults(), true) : [];
    const failures = failed > 0 ? await this.call(context, () => ingest.getFailedResults(), true) : [];
    const unprocessed =
      processed < job.indexes.length ? await this.call(context, () => ingest.getUnprocessedRecords(), true) : [];
    const byKey = new Map(job.indexes.map((i) => [records[i]!.key, i]));
    for (const row of successful as unknown as Array<Record<string, string>>) {
      const i = byKey.get(row[keyProperty] ?? '');
      if (i !== undefined)
        results[i] = {
          key: records[i]!.key,
          status: row.sf__Created === 'true' ? 'created' : 'updated',
          ...(row.sf__Id ? { id: row.sf__Id } : {}),
        };
    }
    for (const row of failures as unknown as Array<Record<string, string>>) {
      const i = byKey.get(row[keyProperty] ?? '');
      if (i !== undefined)
        results[i] = {
          key: records[i]!.key,
          status: 'failed',
          error: recordErrorMessage([parseBulkError(row.sf__Error)]),
        };
    }
    const pending = new Set(
      Array.isArray(unprocessed)
        ? (unprocessed as unknown as Array<Record<string, string>>).map((row) => row[keyProperty])
        : [],
    );
    const unseen: number[] = [];
    for (const i of job.indexes) {
      if (results[i]) continue;
      const key = records[i]!.key;
      const why = pending.has(key)
        ? `the Bulk API job ${info.id} ended ${info.state}${info.errorMessage ? ` (${info.errorMessage})` : ''} before processing this record`
        : `Salesforce's Bulk API job ${info.id} returned no result for this record`;
      if (!pending.has(key)) unseen.push(i);
      results[i] = { key, status: 'failed', error: `${why}; run the upsert again: it is idempotent by ${keyProperty}` };
    }
    return unseen;
  }

  /**
   * Creates the job, uploads its CSV and marks it UploadComplete; on a transient failure, aborts it and starts a new
   * one. `closing`: when UploadComplete was sent, which is when Salesforce starts on the job give or take the request's
   * way there; its answer can come back much later.
   */
  private async startIngestJob(
    context: string,
    object: string,
    keyProperty: string,
    csv: string,
  ): Promise<{ ingest: IngestJob; closing: number }> {
    const attempts = (this.options.retry?.retries ?? 5) + 1;
    for (let attempt = 1; ; attempt++) {
      const conn = await this.connection();
      const ingest = conn.bulk2.createJob({
        object,
        operation: 'upsert',
        externalIdFieldName: keyProperty,
        contentType: 'CSV',
        lineEnding: 'LF',
      });
      try {
        // Retried in place: an Open job whose creation answer was lost holds no data and expires on its own.
        await this.call(context, () => ingest.open(), true);
        await this.call(context, () => ingest.uploadData(csv));
        const closing = Date.now();
        await this.closeIngestJob(context, ingest);
        return { ingest, closing };
      } catch (error) {
        const e = error instanceof SalesforceError ? error : this.fail(error, context, conn);
        if (ingest.id) await this.call(context, () => ingest.abort()).catch(() => undefined);
        if (!e.transient || attempt >= attempts || this.budget.left <= 0) throw e;
        this.budget.left--;
        await delay(
          Math.min(
            (this.options.retry?.minTimeoutMs ?? 500) * 2 ** (attempt - 1),
            this.options.retry?.maxTimeoutMs ?? 30_000,
          ),
        );
      }
    }
  }

  /** UploadComplete; when its answer is lost, the job's state says whether it was applied. */
  private async closeIngestJob(context: string, ingest: IngestJob): Promise<void> {
    try {
      await this.call(context, () => ingest.close());
    } catch (error) {
      const e = error instanceof SalesforceError ? error : this.fail(error, context);
      if (!e.transient) throw e;
      const info = await this.call(context, () => ingest.check(), true);
      if (info.state === 'Open') await this.call(context, () => ingest.close(), true);
    }
  }

  /**
   * Polls the job until it is JobComplete, Failed or Aborted. Each poll is an API call of the daily budget, so the
   * first look comes when the org's processing rate (learned from its earlier jobs, else `expectedRecordsPerSecond`)
   * says the job should be done, never sooner than `pollIntervalMs`; later ones when the job's own progress (records
   * processed so far per ms) says the rest should be done. The predicted time counts from `started`, when
   * UploadComplete was sent, as the job's own time does; the poll interval from now, as it always did.
   */
  private async waitForJob(context: string, ingest: IngestJob, total: number, started: number): Promise<JobInfoV2> {
    const interval = this.options.bulk?.pollIntervalMs ?? 1_000;
    const expected = this.options.bulk?.expectedRecordsPerSecond;
    const deadline = started + (this.options.bulk?.pollTimeoutMs ?? 600_000);
    const rate = learnedBulkRate(this.org) ?? (expected === undefined ? undefined : expected / 1000);
    let at = Math.max(Date.now() + interval, started + firstPollWait(total, rate, interval));
    for (let polls = 1; ; polls++) {
      await delay(Math.max(0, Math.min(at, deadline) - Date.now()));
      const info = await this.call(context, () => ingest.check(), true);
      if (info.state === 'JobComplete') this.learnPace(info, Date.now() - started, polls === 1);
      if (info.state === 'JobComplete' || info.state === 'Failed' || info.state === 'Aborted') return info;
      if (Date.now() >= deadline) {
        throw new SalesforceError(
          `${context}: job ${info.id} is still ${info.state} after ${Date.now() - started} ms (it goes on in Salesforce)`,
          'JOB_TIMEOUT',
        );
      }
      const done = info.numberRecordsProcessed ?? 0;
      const elapsed = Date.now() - started;
      at =
        Date.now() +
        (done > 0
          ? Math.min(MAX_POLL_WAIT_MS, Math.max(100, (elapsed / done) * (total - done) * 1.1))
          : Math.min(MAX_POLL_WAIT_MS, interval * 2));
    }
  }

  /**
   * Records the org's processing rate from a completed job. The job's own totalProcessingTime is exact; without it,
   * the time from UploadComplete to the poll that saw it done overstates the duration, by a whole wait when that was
   * the first poll (then it only bounds the duration, see learnBulkRate). apiActiveProcessingTime leaves out the time
   * the job queued, which a caller waits too, so it is not used.
   */
  private learnPace(info: JobInfoV2, elapsedMs: number, firstLook: boolean): void {
    const records = info.numberRecordsProcessed ?? 0;
    const own = info.totalProcessingTime;
    if (typeof own === 'number' && own > 0) learnBulkRate(this.org, records, own);
    else learnBulkRate(this.org, records, elapsedMs, firstLook);
  }

  /** Strings travel as the field's JSON type: numbers for numeric fields, booleans for checkboxes. */
  private coerce(field: DescribeField | undefined, value: Value): unknown {
    if (value === null || !field) return value;
    if (['int', 'long', 'double', 'currency', 'percent'].includes(field.type)) {
      const n = Number(value);
      return value.trim() !== '' && Number.isFinite(n) ? n : value;
    }
    if (field.type === 'boolean')
      return /^(true|1|yes)$/i.test(value) ? true : /^(false|0|no)$/i.test(value) ? false : value;
    return value;
  }
}
