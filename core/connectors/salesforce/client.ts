import type { Connection } from 'jsforce';
import type Bottleneck from 'bottleneck';
import { SalesforceError, toSalesforceError } from './errors';
import { login } from './login';
import { DEFAULT_BULK_THRESHOLD, MAX_BATCH, type SalesforceConnectorOptions } from './options';
import { applyUsage, limiterFor, RetryBudget, withRetry } from './throttle';

const NAME = /^[A-Za-z][A-Za-z0-9_]*$/;

/** An object or field name safe to put in a URL or SOQL. */
export function checkName(name: string, what: string): string {
  if (!NAME.test(name)) throw new SalesforceError(`Invalid Salesforce ${what} name "${name}"`, 'INVALID_NAME');
  return name;
}

/** jsforce's connection (logging in first when OAuth settings are given), behind the org's limiter and retries. */
export class SalesforceClient {
  private connecting: Promise<Connection> | null = null;
  /** The org's ID once logged in (its instance URL before): the key of its limiter and learned Bulk pace. */
  org: string;
  readonly budget: RetryBudget;

  constructor(readonly options: SalesforceConnectorOptions) {
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

  fail(error: unknown, context: string, conn?: Connection): SalesforceError {
    return toSalesforceError(
      error,
      [...this.secrets(), conn?.accessToken, conn?.refreshToken],
      context,
      this.options.instanceUrl,
    );
  }

  get version(): string {
    return this.options.version ?? '60.0';
  }

  /** The REST API root of paths as endpoints are named in errors, e.g. `/services/data/v60.0`. */
  get apiRoot(): string {
    return `/services/data/v${this.version}`;
  }

  get requestOptions(): { timeout: number } {
    return { timeout: this.options.requestTimeoutMs ?? 120_000 };
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
  async call<T>(context: string, fn: (conn: Connection) => Promise<T>, retry = false): Promise<T> {
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
}
