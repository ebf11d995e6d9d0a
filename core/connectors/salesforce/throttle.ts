import Bottleneck from 'bottleneck';
import pRetry from 'p-retry';
import { SalesforceError } from './errors';

export interface RetryOptions {
  /** Retries of one call (default 5). */
  retries?: number;
  /** First backoff in ms (default 500); it doubles each time, with jitter. */
  minTimeoutMs?: number;
  /** Longest backoff in ms (default 30,000). */
  maxTimeoutMs?: number;
  /** Retries allowed over the connector's life, all calls together (default 50), so an outage fails fast. */
  budget?: number;
}

export interface LimiterOptions {
  /** Calls in flight per org (default 4). */
  maxConcurrent?: number;
  /** Requests of the daily allocation left untouched for other integrations (default 0). */
  reserveRequests?: number;
}

/** One limiter per org (keyed by org ID or instance URL), shared by every connector of that org in this process. */
const limiters = new Map<string, Bottleneck>();

export function limiterFor(org: string, options: LimiterOptions = {}): Bottleneck {
  let limiter = limiters.get(org);
  if (!limiter) {
    limiter = new Bottleneck({ maxConcurrent: options.maxConcurrent ?? 4 });
    limiters.set(org, limiter);
  }
  return limiter;
}

export interface ApiUsage {
  used: number;
  limit: number;
}

/**
 * Adjusts the org's limiter from the latest `Sforce-Limit-Info: api-usage=N/M`: one call at a time once 90% of the
 * daily allocation is spent, and a clear error (without calling) once only the reserve is left.
 */
export function applyUsage(limiter: Bottleneck, usage: ApiUsage | undefined, options: LimiterOptions = {}): void {
  if (!usage || usage.limit <= 0) return;
  const left = usage.limit - usage.used;
  if (left <= (options.reserveRequests ?? 0)) {
    throw new SalesforceError(
      `The Salesforce org's daily API request limit is used up (api-usage ${usage.used}/${usage.limit}${options.reserveRequests ? `, ${options.reserveRequests} kept in reserve` : ''}). Wait until the rolling 24-hour window frees requests, or ask Salesforce for a higher limit.`,
      'REQUEST_LIMIT_EXCEEDED',
    );
  }
  limiter.updateSettings({ maxConcurrent: left < usage.limit * 0.1 ? 1 : (options.maxConcurrent ?? 4) });
}

/** Remaining retries of a connector, shared by all its calls. */
export class RetryBudget {
  constructor(public left: number) {}
}

/**
 * Runs `fn`, retrying transient failures (5xx, timeouts, dropped connections) with exponential backoff and jitter
 * while the call's retries and the shared budget last. `toError` classifies and cleans each failure.
 */
export async function withRetry<T>(
  fn: () => Promise<T>,
  toError: (e: unknown) => SalesforceError,
  budget: RetryBudget,
  options: RetryOptions = {},
): Promise<T> {
  return pRetry(
    async () => {
      try {
        return await fn();
      } catch (raw) {
        const error = toError(raw);
        if (!error.transient) throw new pRetry.AbortError(error);
        throw error;
      }
    },
    {
      retries: options.retries ?? 5,
      factor: 2,
      minTimeout: options.minTimeoutMs ?? 500,
      maxTimeout: options.maxTimeoutMs ?? 30_000,
      randomize: true,
      onFailedAttempt: (error) => {
        if (error.retriesLeft > 0 && budget.left <= 0) {
          throw new SalesforceError(
            `${error.message} (gave up: the connector's retry budget is spent)`,
            (error as { code?: string }).code ?? 'UNKNOWN',
          );
        }
        if (error.retriesLeft > 0) budget.left--;
      },
    },
  );
}
