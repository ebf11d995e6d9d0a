import { Client } from '@hubspot/api-client';
import { HubSpotError, toHubSpotError } from './errors';
import { RetryBudget, retryingCall, type RetryPolicy } from '../http/retrying-call';
import { AccountLimiter, limiterFor } from './rate-limit';
import { OAuthTokens, type HubSpotOAuth } from './oauth';
import type { WithHeaders } from './associations';

const DEFAULT_BASE = 'https://api.hubapi.com';

/** What the client needs of the connector's options. */
export interface HubSpotClientOptions extends RetryPolicy {
  accessToken?: string;
  oauth?: HubSpotOAuth;
  basePath?: string;
  retryBudget?: number;
  maxConcurrent?: number;
}

/**
 * The official SDK behind one adaptive rate limiter per account, with bounded retries and, with OAuth, access tokens
 * renewed before they expire and on 401.
 */
export class HubSpotClient {
  readonly client: Client;
  readonly account: AccountLimiter;
  readonly basePath: string;
  readonly budget: RetryBudget;
  readonly tokens: OAuthTokens | null;

  constructor(private readonly options: HubSpotClientOptions) {
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
  }

  private get secrets(): Array<string | undefined> {
    return [this.options.accessToken, ...(this.tokens?.secrets ?? [])];
  }

  /**
   * One SDK call through the account limiter, retried within the call's limits and the connector's retry budget.
   * With OAuth, the access token is renewed before it expires, and once more if HubSpot answers 401 anyway.
   */
  async call<T>(what: string, fn: () => Promise<WithHeaders<T>>): Promise<T> {
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
}
