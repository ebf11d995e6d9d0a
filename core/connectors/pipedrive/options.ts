import { PipedriveError } from './errors';

/** OAuth app credentials: the connector refreshes access tokens itself (the SDK's OAuth2Configuration, `POST /oauth/token`). */
export interface PipedriveOAuthOptions {
  clientId: string;
  clientSecret: string;
  refreshToken: string;
  /** A current access token, if one is at hand; refreshed when it expires or is refused. */
  accessToken?: string;
  /** OAuth host (default `https://oauth.pipedrive.com`; the emulator's URL in tests). */
  oauthHost?: string;
  /** The app's redirect URI (the SDK insists on one; refreshing does not use it). */
  redirectUri?: string;
}

export interface PipedriveConnectorOptions {
  /** Personal API token (sent as `x-api-token`). Never logged nor put in errors. Give this or `oauth`. */
  apiToken?: string;
  oauth?: PipedriveOAuthOptions;
  /**
   * API host, no trailing slash (default `https://api.pipedrive.com`, or with OAuth the `api_domain` of the token
   * answer; the emulator's URL in tests). v2 is `/api/v2`, v1 `/v1`.
   */
  basePath?: string;
  /** Objects `listObjects` offers (default persons, organizations, deals, activities). */
  objects?: PipedriveObject[];
  /** Page size of reads (v2 list endpoints, max 500; default 100). */
  pageSize?: number;
  /** Retries of one call on 5xx, network errors and timeouts (default 5). */
  retries?: number;
  /** Further retries of one call on 429, always safe to wait out (default 20). */
  rateLimitRetries?: number;
  /** Retries one connector may spend in total across all its calls (default 200); then calls fail. */
  retryBudget?: number;
  /** Backoff bounds (exponential, factor 2, with jitter). Default 500 ms .. 30 s. */
  minRetryDelayMs?: number;
  maxRetryDelayMs?: number;
  /** A call that takes longer counts as failed and is retried (default 60 s). */
  requestTimeoutMs?: number;
  /** Requests in flight per account, across every connector of the process (default 4; the first one sets it). */
  maxConcurrent?: number;
  /**
   * Compare each existing record with what would be sent and skip the write when nothing changes (reported
   * `unchanged`). Costs one list call (10 tokens) per 100 existing records, against 5 tokens per write saved. Default on.
   * The default of `upsert()` calls that do not say; an `upsert()` option `detectUnchanged` overrides it for that call.
   */
  detectUnchanged?: boolean;
  /**
   * From this many keys not yet in the ID cache in one `upsert()`, the connector lists the object once (10 tokens per
   * 500 records) instead of searching each key (20 tokens, and Pipedrive allows 10 searches per 2 s). Default 200.
   */
  primeThreshold?: number;
}

export type PipedriveObject = 'persons' | 'organizations' | 'deals' | 'activities';
export const OBJECTS: PipedriveObject[] = ['persons', 'organizations', 'deals', 'activities'];
/** Token costs of the calls (`x-token-cost` in Pipedrive's OpenAPI; v1 field listings cost 20). */
export const COST = { list: 10, get: 1, write: 5, search: 20, v1: 20 } as const;

export function pipedriveObject(object: string): PipedriveObject {
  if (!OBJECTS.includes(object as PipedriveObject))
    throw new PipedriveError(`Unknown Pipedrive object "${object}" (expected one of ${OBJECTS.join(', ')})`);
  return object as PipedriveObject;
}
