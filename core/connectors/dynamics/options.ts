import type { RetryPolicy } from '../http/retrying-call';

/** Client credentials of an app registration with an application user in the environment. */
export interface DynamicsClientCredentials {
  tenantId: string;
  clientId: string;
  clientSecret: string;
  /**
   * The identity platform's base URL (default `https://login.microsoftonline.com`; sovereign clouds, sandboxes and
   * tests override it). Tokens come from `{authorityUrl}/{tenantId}/oauth2/v2.0/token`.
   */
  authorityUrl?: string;
}

export interface DynamicsConnectorOptions extends RetryPolicy {
  /** The environment's URL, e.g. `https://contoso.crm.dynamics.com` (the emulator's URL in tests). */
  url: string;
  /** A ready access token (never logged). Give this or `credentials`. */
  accessToken?: string;
  credentials?: DynamicsClientCredentials;
  /** Web API version (default 9.2). */
  apiVersion?: string;
  /** Tables `listObjects` offers (default account and contact). */
  objects?: string[];
  /** Rows per page of reads (`odata.maxpagesize`, at most 5,000; default 1,000). */
  pageSize?: number;
  /** Operations per `$batch` of an upsert (at most 1,000; default 200). */
  batchSize?: number;
  /** `$batch` requests of one upsert in flight at once (default 4). */
  parallelBatches?: number;
  /** Requests per service protection window, per user (Microsoft: 6,000 per 300 s). */
  requestsPerWindow?: number;
  windowMs?: number;
  /** Count every operation of a `$batch` toward the window, not the batch once (default false, as Microsoft documents). */
  batchCountsOperations?: boolean;
  /** Requests in flight per user across the process (default 8; Dataverse allows 52). */
  maxConcurrent?: number;
  /** Retries one connector may spend in total (default 200). */
  retryBudget?: number;
  /**
   * Read the records of each upsert batch first and skip those whose values are already there (`unchanged`). The
   * default of `upsert()` calls that do not say (default on).
   */
  detectUnchanged?: boolean;
}

export const DEFAULT_AUTHORITY = 'https://login.microsoftonline.com';
export const MAX_PAGE_SIZE = 5000;
export const MAX_BATCH = 1000;
