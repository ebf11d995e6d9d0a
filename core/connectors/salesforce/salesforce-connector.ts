import { Connection, OAuth2 } from 'jsforce';
import type { Value } from '../../mapping/transforms';
import type { ConnectionCheck, Connector, FieldSchema, FieldType, FieldFormat, ObjectSchema, ReadItem, ReadOptions, SourceRecord, UpsertInput, UpsertResult } from '../connector';
import { recordErrorMessage, SalesforceError, toSalesforceError, type RecordErrorBody } from './errors';
import { applyUsage, limiterFor, RetryBudget, withRetry, type LimiterOptions, type RetryOptions } from './throttle';
import type Bottleneck from 'bottleneck';

/** Errors after which no later call of the same upsert can succeed. */
const FATAL_FOR_REST = new Set(['INVALID_SESSION_ID', 'REQUEST_LIMIT_EXCEEDED', 'invalid_grant', 'invalid_client']);

export interface SalesforceConnectorOptions {
  /** The org's instance URL, e.g. https://acme.my.salesforce.com (the emulator's http://127.0.0.1:PORT in tests). */
  instanceUrl: string;
  /** An access token obtained elsewhere; or give `oauth` to log in. */
  accessToken?: string;
  /**
   * OAuth2 login against `${loginUrl ?? instanceUrl}/services/oauth2/token`: the refresh-token grant when
   * `refreshToken` is given, else the client-credentials grant. jsforce renews the session on INVALID_SESSION_ID.
   */
  oauth?: { clientId: string; clientSecret?: string; refreshToken?: string; loginUrl?: string };
  /** REST API version (default '60.0'). */
  version?: string;
  /** Records per sObject Collections call (1-200, default 200). */
  batchSize?: number;
  /** Time limit of one HTTP request in ms (default 120,000). */
  requestTimeoutMs?: number;
  retry?: RetryOptions;
  limiter?: LimiterOptions;
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
interface DescribeResult { name: string; fields: DescribeField[] }
interface QueryPage { totalSize: number; done: boolean; nextRecordsUrl?: string; records: Array<Record<string, unknown>> }
interface CollectionResult { id?: string | null; success: boolean; created?: boolean; errors?: RecordErrorBody[] }

/** A Salesforce field schema; `externalId` says the field can key an upsert. */
export interface SalesforceFieldSchema extends FieldSchema {
  externalId?: boolean;
  salesforceType: string;
}

const TYPES: Record<string, [FieldType, FieldFormat?]> = {
  id: ['string', 'reference'], reference: ['string', 'reference'], string: ['string'], textarea: ['string', 'textarea'],
  email: ['string', 'email'], phone: ['string', 'phone'], url: ['string', 'url'], combobox: ['string'],
  picklist: ['enum'], multipicklist: ['enum'], int: ['integer'], long: ['integer'], double: ['number'],
  currency: ['number', 'currency'], percent: ['number', 'percent'], boolean: ['boolean'], date: ['date'],
  datetime: ['datetime'], encryptedstring: ['string'],
};
const COMPOUND = new Set(['address', 'location', 'base64']);
const NAME = /^[A-Za-z][A-Za-z0-9_]*$/;
const MAX_BATCH = 200;

function checkName(name: string, what: string): string {
  if (!NAME.test(name)) throw new SalesforceError(`Invalid Salesforce ${what} name "${name}"`, 'INVALID_NAME');
  return name;
}

/** Cursor of an incremental read: SystemModstamp and Id of the last record seen (`<ISO time>|<Id>`). */
export function salesforceCursor(record: Pick<SourceRecord, 'id' | 'modifiedAt'>): string {
  if (!record.modifiedAt) throw new Error(`record ${record.id} has no modifiedAt`);
  return `${record.modifiedAt}|${record.id}`;
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
    if (!options.accessToken && !options.oauth) throw new SalesforceError('Salesforce connector needs an accessToken or oauth client settings', 'CONFIG');
    const batch = options.batchSize ?? MAX_BATCH;
    if (!Number.isInteger(batch) || batch < 1 || batch > MAX_BATCH) throw new SalesforceError(`batchSize must be 1-${MAX_BATCH}`, 'CONFIG');
    this.org = options.instanceUrl.replace(/\/+$/, '');
    this.budget = new RetryBudget(options.retry?.budget ?? 50);
  }

  private secrets(): string[] {
    const o = this.options;
    return [o.accessToken, o.oauth?.clientSecret, o.oauth?.refreshToken].filter((s): s is string => !!s);
  }

  private fail(error: unknown, context: string, conn?: Connection): SalesforceError {
    return toSalesforceError(error, [...this.secrets(), conn?.accessToken, conn?.refreshToken], context);
  }

  private get version(): string {
    return this.options.version ?? '60.0';
  }

  /** The jsforce connection, logging in first when OAuth settings are given. */
  connection(): Promise<Connection> {
    this.connecting ??= this.login().catch((error: unknown) => {
      this.connecting = null;
      throw this.fail(error, 'Salesforce login');
    });
    return this.connecting;
  }

  private async login(): Promise<Connection> {
    const { instanceUrl, accessToken, oauth } = this.options;
    if (!oauth) return new Connection({ instanceUrl, accessToken, version: this.version });
    const oauth2 = new OAuth2({ loginUrl: oauth.loginUrl ?? instanceUrl, clientId: oauth.clientId, clientSecret: oauth.clientSecret });
    const clientCredentials = () => oauth2.requestToken({ grant_type: 'client_credentials' });
    const token = oauth.refreshToken ? await oauth2.refreshToken(oauth.refreshToken) : await clientCredentials();
    const orgId = /\/([^/]+)\/[^/]+$/.exec(token.id ?? '')?.[1];
    if (orgId) this.org = orgId;
    return new Connection({
      oauth2,
      instanceUrl: token.instance_url,
      accessToken: token.access_token,
      refreshToken: oauth.refreshToken,
      version: this.version,
      // Client credentials have no refresh token: a new session comes from the same grant.
      ...(oauth.refreshToken
        ? {}
        : {
            refreshFn: (conn: Connection, callback: (err?: Error | null, token?: string) => void) => {
              clientCredentials().then(
                (t) => {
                  conn.accessToken = t.access_token;
                  callback(null, t.access_token);
                },
                (err: Error) => callback(err),
              );
            },
          }),
    });
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
        c.request<{ DailyApiRequests?: { Max: number; Remaining: number } }>('/limits', this.requestOptions));
      const conn = await this.connection();
      const api = limits.DailyApiRequests;
      return { ok: true, message: `connected to ${conn.instanceUrl} (API ${this.version}${api ? `, ${api.Max - api.Remaining}/${api.Max} daily API requests used` : ''})` };
    } catch (error) {
      return { ok: false, message: error instanceof SalesforceError ? error.message : this.fail(error, 'Salesforce connection check').message };
    }
  }

  async listObjects(): Promise<string[]> {
    const global = await this.call('Salesforce describeGlobal', (c) =>
      c.request<{ sobjects: Array<{ name: string; queryable?: boolean }> }>('/sobjects', this.requestOptions));
    return global.sobjects.filter((o) => o.queryable !== false).map((o) => o.name);
  }

  private describeRaw(object: string): Promise<DescribeResult> {
    checkName(object, 'object');
    let d = this.describes.get(object);
    if (!d) {
      d = this.call(`Salesforce describe ${object}`, (c) => c.request<DescribeResult>(`/sobjects/${object}/describe`, this.requestOptions));
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
    checkName(object, 'object');
    const props = options.properties ?? (await this.describeRaw(object)).fields.filter((f) => !COMPOUND.has(f.type)).map((f) => f.name);
    props.forEach((p) => checkName(p, 'field'));
    const select = [...new Set(['Id', 'SystemModstamp', ...props])];
    let where = '';
    if (options.since) {
      const bar = options.since.lastIndexOf('|');
      const time = soqlDateTime(bar < 0 ? options.since : options.since.slice(0, bar));
      const id = bar < 0 ? null : options.since.slice(bar + 1);
      if (id !== null && !/^[A-Za-z0-9]{15,18}$/.test(id)) throw new SalesforceError(`Invalid cursor Id "${id}"`, 'INVALID_CURSOR');
      where = id === null ? ` WHERE SystemModstamp > ${time}` : ` WHERE SystemModstamp > ${time} OR (SystemModstamp = ${time} AND Id > '${id}')`;
    }
    const soql = `SELECT ${select.join(', ')} FROM ${object}${where} ORDER BY SystemModstamp, Id`;
    let url: string | undefined = `/query?q=${encodeURIComponent(soql)}`;
    const source = `salesforce:${object}`;
    while (url) {
      options.signal?.throwIfAborted();
      const next: string = url;
      const page = await this.call(`Salesforce query ${object}`, (c) => c.request<QueryPage>(next, this.requestOptions));
      for (const r of page.records) {
        const properties: Record<string, Value> = {};
        for (const p of props) properties[p] = toValue(r[p]);
        const modifiedAt = isoOf(r.SystemModstamp);
        yield { type: 'record', record: { id: String(r.Id), properties, ...(modifiedAt ? { modifiedAt } : {}), origin: { source } } };
      }
      url = page.done ? undefined : page.nextRecordsUrl;
    }
  }

  /**
   * Upserts by an external-ID field in sObject Collections calls of up to 200 records (allOrNone false), retrying
   * transient failures. Each record comes back `created`, `updated` or `failed` with what Salesforce objected to.
   * A call that was applied but whose answer was lost is sent again: the records are then reported `updated`.
   */
  async upsert(object: string, records: UpsertInput[], options: { keyProperty: string }): Promise<UpsertResult[]> {
    if (records.length === 0) return [];
    checkName(object, 'object');
    const keyProperty = checkName(options.keyProperty, 'field');
    const d = await this.describeRaw(object);
    const fields = new Map(d.fields.map((f) => [f.name, f]));
    const key = fields.get(keyProperty);
    if (!key) throw new SalesforceError(`${object} has no field ${keyProperty}`, 'INVALID_FIELD');
    if (!key.externalId && keyProperty !== 'Id') throw new SalesforceError(`${object}.${keyProperty} is not an External ID field, so Salesforce cannot upsert by it`, 'INVALID_FIELD');

    const results = new Array<UpsertResult>(records.length);
    const seen = new Set<string>();
    const toSend: number[] = [];
    records.forEach((r, i) => {
      if (seen.has(r.key)) results[i] = { key: r.key, status: 'failed', error: `key ${r.key} appears more than once in this upsert` };
      else {
        seen.add(r.key);
        toSend.push(i);
      }
    });
    const batchSize = this.options.batchSize ?? MAX_BATCH;
    for (let start = 0; start < toSend.length; start += batchSize) {
      const indexes = toSend.slice(start, start + batchSize);
      const body = JSON.stringify({
        allOrNone: false,
        records: indexes.map((i) => {
          const r = records[i]!;
          const out: Record<string, unknown> = { attributes: { type: object } };
          for (const [name, value] of Object.entries(r.properties)) if (name !== keyProperty) out[name] = this.coerce(fields.get(name), value);
          out[keyProperty] = r.key;
          return out;
        }),
      });
      let answer: CollectionResult[];
      try {
        answer = await this.call(
          `Salesforce upsert ${object} by ${keyProperty}`,
          (c) => c.request<CollectionResult[]>({ method: 'PATCH', url: `/composite/sobjects/${object}/${keyProperty}`, body, headers: { 'content-type': 'application/json' } }, this.requestOptions),
          true,
        );
      } catch (error) {
        // Every record gets a result, even when a call fails for good. A batch whose answer never came may have been
        // written: that is said, and a re-run is safe because upserts by external ID are idempotent. Errors that would
        // fail every later call too (a dead session, a spent daily limit) fail the rest without sending them.
        const code = error instanceof SalesforceError ? error.code : '';
        const fatal = FATAL_FOR_REST.has(code);
        const reason = `${(error as Error).message} (this batch's outcome is unknown; run the upsert again: it is idempotent by ${keyProperty})`;
        for (const i of fatal ? toSend.slice(start) : indexes) results[i] = { key: records[i]!.key, status: 'failed', error: reason };
        if (fatal) break;
        continue;
      }
      if (!Array.isArray(answer) || answer.length !== indexes.length) {
        throw new SalesforceError(`Salesforce upsert ${object}: expected ${indexes.length} results, got ${Array.isArray(answer) ? answer.length : typeof answer}`, 'BAD_RESPONSE');
      }
      indexes.forEach((i, n) => {
        const res = answer[n]!;
        const k = records[i]!.key;
        results[i] = res.success
          ? { key: k, status: res.created ? 'created' : 'updated', ...(res.id ? { id: res.id } : {}) }
          : { key: k, status: 'failed', error: recordErrorMessage(res.errors) };
      });
    }
    return results;
  }

  /** Strings travel as the field's JSON type: numbers for numeric fields, booleans for checkboxes. */
  private coerce(field: DescribeField | undefined, value: Value): unknown {
    if (value === null || !field) return value;
    if (['int', 'long', 'double', 'currency', 'percent'].includes(field.type)) {
      const n = Number(value);
      return value.trim() !== '' && Number.isFinite(n) ? n : value;
    }
    if (field.type === 'boolean') return /^(true|1|yes)$/i.test(value) ? true : /^(false|0|no)$/i.test(value) ? false : value;
    return value;
  }
}
