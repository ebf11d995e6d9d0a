import { DynamicsWebApi } from 'dynamics-web-api';
import { RetryBudget, retryingCall } from '../http/retrying-call';
import { ClientCredentialsTokens } from './auth';
import { DynamicsError, toDynamicsError } from './errors';
import type { DynamicsConnectorOptions } from './options';
import { DynamicsLimiter, limiterFor } from './rate-limit';

/**
 * The unmodified `dynamics-web-api` client behind the user's service protection limiter, with bounded retries (the
 * SDK retries nothing, 429s included) and, with client credentials, tokens renewed before they expire and on 401.
 */
export class DynamicsClient {
  readonly api: DynamicsWebApi;
  readonly url: string;
  readonly apiPath: string;
  readonly account: DynamicsLimiter;
  readonly budget: RetryBudget;
  readonly tokens: ClientCredentialsTokens | null;

  constructor(readonly options: DynamicsConnectorOptions) {
    if (!options.accessToken && !options.credentials)
      throw new DynamicsError(
        'Dynamics connector needs an access token or client credentials (tenant ID, client ID, secret)',
      );
    let parsed: URL;
    try {
      parsed = new URL(options.url);
    } catch {
      throw new DynamicsError(`Dynamics URL "${options.url}" is not a URL (e.g. https://contoso.crm.dynamics.com)`);
    }
    this.url = parsed.origin;
    const version = options.apiVersion ?? '9.2';
    this.apiPath = `/api/data/v${version}`;
    this.tokens = options.credentials ? new ClientCredentialsTokens(options.credentials, this.url) : null;
    // Service protection limits count per user: an app registration is one user whatever token it holds.
    const identity = options.credentials
      ? `app\n${options.credentials.tenantId}\n${options.credentials.clientId}`
      : options.accessToken!;
    this.account = limiterFor(this.url, identity, {
      maxConcurrent: options.maxConcurrent ?? 8,
      requests: options.requestsPerWindow ?? 6000,
      windowMs: options.windowMs ?? 300_000,
    });
    this.budget = new RetryBudget(options.retryBudget ?? 200);
    const tokens = this.tokens;
    this.api = new DynamicsWebApi({
      serverUrl: `${this.url}/`,
      dataApi: { version },
      timeout: options.requestTimeoutMs ?? 60_000,
      onTokenRefresh: () => (tokens ? tokens.current() : Promise.resolve(options.accessToken!)),
    });
  }

  get secrets(): Array<string | undefined> {
    return [this.options.accessToken, this.options.credentials?.clientSecret, ...(this.tokens?.secrets ?? [])];
  }

  /**
   * One SDK call through the user's limiter (booking `cost` requests of the window), retried on 429, 5xx and network
   * failures within the call's limits and the connector's retry budget. A 401 with client credentials fetches a new
   * token once and repeats the call.
   */
  async call<T>(what: string, fn: (api: DynamicsWebApi) => Promise<T>, cost = 1): Promise<T> {
    try {
      return await this.attempt(what, fn, cost);
    } catch (error) {
      if ((error as DynamicsError).status !== 401 || !this.tokens) throw error;
      this.tokens.invalidate();
      return this.attempt(what, fn, cost);
    }
  }

  private attempt<T>(what: string, fn: (api: DynamicsWebApi) => Promise<T>, cost: number): Promise<T> {
    const account = this.account;
    const observed = async (): Promise<T> => {
      await account.acquire(cost);
      try {
        return await fn(this.api);
      } catch (error) {
        const headers = (error as { headers?: Record<string, unknown> })?.headers;
        if (headers && typeof headers === 'object') account.observe(headers);
        throw error;
      }
    };
    return retryingCall(observed, {
      limiter: account,
      policy: this.options,
      budget: this.budget,
      toError: (error) => this.toError(error, what),
      timeoutError: (ms) => new DynamicsError(`Dynamics ${what} timed out after ${ms} ms`),
      budgetSpent: (error, size) =>
        new DynamicsError(
          `${error.message} (retry budget of ${size} exhausted)`,
          error.status,
          error.code,
          error.retryAfterMs,
          error.unreachable,
        ),
    });
  }

  toError(error: unknown, what: string): DynamicsError {
    return toDynamicsError(error, what, this.secrets, this.url);
  }
}
