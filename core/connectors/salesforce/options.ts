import type { LimiterOptions, RetryOptions } from './throttle';

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

/** Records per sObject Collections call: Salesforce's limit and the default. */
export const MAX_BATCH = 200;
export const DEFAULT_BULK_THRESHOLD = 2_000;
