import { v1, v2 } from 'pipedrive';
import { PipedriveError, replyMeta, toPipedriveError, waitFrom } from './errors';
import { RetryBudget, retryingCall } from '../http/retrying-call';
import { AccountLimiter, limiterFor } from './rate-limit';
import { PipedriveOAuth } from './oauth';
import type { PipedriveConnectorOptions } from './options';

const DEFAULT_BASE = 'https://api.pipedrive.com';

export interface PipedriveApis {
  persons: v2.PersonsApi;
  deals: v2.DealsApi;
  organizations: v2.OrganizationsApi;
  activities: v2.ActivitiesApi;
  personFields: v1.PersonFieldsApi;
  dealFields: v1.DealFieldsApi;
  organizationFields: v1.OrganizationFieldsApi;
  activityFields: v1.ActivityFieldsApi;
  users: v1.UsersApi;
  /** v1 `/recents`: every change since a time, deletions included (v2 has no deleted listing for most objects). */
  recents: v1.RecentsApi;
  pipelines: v2.PipelinesApi;
  stages: v2.StagesApi;
}

/**
 * The official `pipedrive` SDK's API objects (v2 for records and search, v1 for fields and users) behind one
 * token-budget limiter per account, fed by `x-ratelimit-*` headers, with bounded retries and, with OAuth, token refresh.
 */
export class PipedriveClient {
  basePath: string;
  readonly account: AccountLimiter;
  readonly budget: RetryBudget;
  readonly apis: PipedriveApis;
  private readonly oauth: PipedriveOAuth | null = null;
  private readonly configs: { v1: v1.Configuration; v2: v2.Configuration };

  constructor(readonly options: PipedriveConnectorOptions) {
    const oauth = options.oauth;
    if (!options.apiToken && !oauth)
      throw new PipedriveError('Pipedrive connector needs an API token or OAuth client credentials');
    if (oauth && (!oauth.clientId || !oauth.clientSecret || !oauth.refreshToken))
      throw new PipedriveError('Pipedrive OAuth needs a client ID, client secret and refresh token');
    this.basePath = (options.basePath ?? DEFAULT_BASE).replace(/\/+$/, '');
    const identity = options.apiToken ?? `oauth:${oauth!.clientId}:${oauth!.refreshToken}`;
    this.account = limiterFor(this.basePath, identity, options.maxConcurrent ?? 4);
    this.budget = new RetryBudget(options.retryBudget ?? 200);
    let c2: v2.Configuration;
    let c1: v1.Configuration;
    if (options.apiToken) {
      c2 = new v2.Configuration({ apiKey: options.apiToken, basePath: `${this.basePath}/api/v2` });
      c1 = new v1.Configuration({ apiKey: options.apiToken, basePath: `${this.basePath}/v1` });
    } else {
      const tokens = new PipedriveOAuth(
        oauth!,
        (host) => {
          if (!options.basePath) this.rebase(host);
        },
        () => this.secrets,
      );
      this.oauth = tokens;
      const accessToken = () => tokens.accessToken();
      c2 = new v2.Configuration({ accessToken, basePath: `${this.basePath}/api/v2` });
      c1 = new v1.Configuration({ accessToken, basePath: `${this.basePath}/v1` });
    }
    this.configs = { v1: c1, v2: c2 };
    this.apis = {
      persons: this.observed(new v2.PersonsApi(c2)),
      deals: this.observed(new v2.DealsApi(c2)),
      organizations: this.observed(new v2.OrganizationsApi(c2)),
      activities: this.observed(new v2.ActivitiesApi(c2)),
      activityFields: this.observed(new v1.ActivityFieldsApi(c1)),
      personFields: this.observed(new v1.PersonFieldsApi(c1)),
      dealFields: this.observed(new v1.DealFieldsApi(c1)),
      organizationFields: this.observed(new v1.OrganizationFieldsApi(c1)),
      users: this.observed(new v1.UsersApi(c1)),
      recents: this.observed(new v1.RecentsApi(c1)),
      pipelines: this.observed(new v2.PipelinesApi(c2)),
      stages: this.observed(new v2.StagesApi(c2)),
    };
  }

  /** Everything secret this connector holds, for redaction. */
  get secrets(): string[] {
    const o = this.options.oauth;
    return [this.options.apiToken, o?.clientSecret, o?.refreshToken, o?.accessToken, this.oauth?.current].filter(
      (x): x is string => !!x,
    );
  }

  /** The SDK builds each URL from its configuration's basePath when the request leaves, so this applies at once. */
  private rebase(host: string): void {
    this.basePath = host;
    this.configs.v1.basePath = `${host}/v1`;
    this.configs.v2.basePath = `${host}/api/v2`;
  }

  /**
   * The SDK gives no hook and resolves with the bare body (rejects with the bare error body), so headers and status
   * are read by a response transformer on each API object's own axios instance: it feeds the limiter and remembers
   * the status and wait of error bodies.
   */
  private observed<T extends object>(api: T): T {
    // The SDK's typings keep each API object's axios instance protected; it is there at run time.
    const instance = (api as unknown as { axios: { defaults: { transformResponse?: unknown } } }).axios;
    const existing = instance.defaults.transformResponse;
    const list = (Array.isArray(existing) ? existing : existing ? [existing] : []) as Array<
      (...args: unknown[]) => unknown
    >;
    const account = this.account;
    instance.defaults.transformResponse = [
      ...list,
      function observe(data: unknown, headers: unknown, status?: number) {
        const h = (
          headers && typeof (headers as { toJSON?: () => unknown }).toJSON === 'function'
            ? (headers as { toJSON: () => Record<string, unknown> }).toJSON()
            : (headers ?? {})
        ) as Record<string, unknown>;
        account.observe(h);
        if (status === 429) account.refused(h);
        if (status !== undefined && status >= 400 && data && typeof data === 'object') {
          replyMeta.set(data, {
            status,
            retryAfterMs: status === 429 || status === 503 ? waitFrom(h, status === 429) : undefined,
          });
        }
        return data;
      },
    ];
    return api;
  }

  /**
   * One SDK call through the account limiter (paced by its token cost), retried within the call's limits and the
   * connector's retry budget. With OAuth, a 401 refreshes the access token once and repeats the call.
   */
  call<T>(
    what: string,
    fn: () => Promise<T>,
    cost: number,
    policy: Partial<PipedriveConnectorOptions> = {},
  ): Promise<T> {
    let refreshed = false;
    const attempt = async (): Promise<T> => {
      await this.account.acquire(cost);
      try {
        return await fn();
      } catch (error) {
        const status = error && typeof error === 'object' ? replyMeta.get(error)?.status : undefined;
        if (status !== 401 || !this.oauth || refreshed) throw error;
        refreshed = true;
        await this.oauth.refresh();
        await this.account.acquire(cost);
        return fn();
      }
    };
    return retryingCall(attempt, {
      limiter: this.account,
      policy: { ...this.options, ...policy },
      budget: this.budget,
      toError: (error) => this.toError(error, what),
      timeoutError: (ms) =>
        new PipedriveError(`Pipedrive ${what} timed out after ${ms} ms`, undefined, undefined, true),
      budgetSpent: (error, size) =>
        new PipedriveError(
          `${error.message} (retry budget of ${size} exhausted)`,
          error.status,
          error.retryAfterMs,
          error.timeout,
          error.unreachable,
        ),
    });
  }

  /** Whatever a call failed with, as a PipedriveError without secrets. */
  toError(error: unknown, what: string): PipedriveError {
    return toPipedriveError(error, what, this.secrets, this.basePath);
  }
}
