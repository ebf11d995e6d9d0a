import pRetry from 'p-retry';
import type { AccountLimiter } from './account-limiter';

/** What a vendor's error must say for the retry loop: whether to retry, and how long the API asked to wait. */
export interface RetryableError extends Error {
  readonly status?: number;
  readonly retryable: boolean;
  readonly retryAfterMs?: number;
}

export interface RetryPolicy {
  /** Retries of 5xx, network errors and timeouts (default 5). */
  retries?: number;
  /** Further retries of 429s (default 20). */
  rateLimitRetries?: number;
  minRetryDelayMs?: number;
  maxRetryDelayMs?: number;
  requestTimeoutMs?: number;
}

/** Retries a connector may spend in its lifetime, so a failing API cannot keep a job retrying forever. */
export class RetryBudget {
  left: number;
  used = 0;

  constructor(readonly size: number) {
    this.left = size;
  }
}

export interface CallContext<E extends RetryableError> {
  limiter: AccountLimiter;
  policy: RetryPolicy;
  budget: RetryBudget;
  /** Turns anything thrown into the vendor's error, with secrets removed. */
  toError(error: unknown): E;
  timeoutError(ms: number): E;
  budgetSpent(error: E, size: number): E;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function withTimeout<T, E extends RetryableError>(promise: Promise<T>, ms: number, context: CallContext<E>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(context.timeoutError(ms)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * One API call through the account's limiter, retried with exponential backoff and jitter on 429s, 5xx and
 * timeouts. A 429 holds every request of the account for the wait the API asked for; retries count against the
 * call's own limits and the connector's budget.
 */
export async function retryingCall<T, E extends RetryableError>(fn: () => Promise<T>, context: CallContext<E>): Promise<T> {
  const { policy, budget } = context;
  const maxOther = policy.retries ?? 5;
  const maxRateLimited = policy.rateLimitRetries ?? 20;
  let other = 0;
  let rateLimited = 0;
  try {
    return await pRetry(
      async () => {
        try {
          return await context.limiter.schedule(() => withTimeout(fn(), policy.requestTimeoutMs ?? 60_000, context));
        } catch (error) {
          const e = context.toError(error);
          if (!e.retryable) throw new pRetry.AbortError(e);
          if (e.status === 429) context.limiter.pause(e.retryAfterMs ?? Math.min(policy.minRetryDelayMs ?? 500, 1000));
          throw e;
        }
      },
      {
        retries: maxOther + maxRateLimited,
        factor: 2,
        minTimeout: policy.minRetryDelayMs ?? 500,
        maxTimeout: policy.maxRetryDelayMs ?? 30_000,
        randomize: true,
        onFailedAttempt: async (error) => {
          if (error.retriesLeft === 0) return;
          const e = error as unknown as E;
          if (e.status === 429 ? ++rateLimited > maxRateLimited : ++other > maxOther) throw error;
          if (budget.left <= 0) throw context.budgetSpent(e, budget.size);
          budget.left--;
          budget.used++;
          if (e.retryAfterMs) await sleep(e.retryAfterMs);
        },
      },
    );
  } catch (error) {
    throw context.toError(error);
  }
}
