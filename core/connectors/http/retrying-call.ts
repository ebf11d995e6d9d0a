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
  /** Wait after a 429 that does not say how long (no Retry-After); default minRetryDelayMs, at most 1 s. */
  rateLimitDelayMs?: number;
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

function withTimeout<T, E extends RetryableError>(
  promise: Promise<T>,
  ms: number,
  context: CallContext<E>,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(context.timeoutError(ms)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * One API call through the account's limiter, retried on 429s, 5xx and timeouts. A 429 is the API's window, not an
 * outage: it holds every request of the account for the wait the API asked for (Retry-After), or a short fixed pause
 * when it did not say, and that wait never grows. Other failures back off exponentially (factor 2) with jitter.
 * Retries count against the call's own limits and the connector's budget.
 */
export async function retryingCall<T, E extends RetryableError>(
  fn: () => Promise<T>,
  context: CallContext<E>,
): Promise<T> {
  const { policy, budget, limiter } = context;
  const maxOther = policy.retries ?? 5;
  const maxRateLimited = policy.rateLimitRetries ?? 20;
  const minDelay = policy.minRetryDelayMs ?? 500;
  const maxDelay = policy.maxRetryDelayMs ?? 30_000;
  let other = 0;
  let rateLimited = 0;
  for (;;) {
    let e: E;
    try {
      return await limiter.schedule(() => withTimeout(fn(), policy.requestTimeoutMs ?? 60_000, context));
    } catch (error) {
      e = context.toError(error);
    }
    if (!e.retryable) throw e;
    let wait: number;
    if (e.status === 429) {
      if (++rateLimited > maxRateLimited) throw e;
      wait = e.retryAfterMs ?? policy.rateLimitDelayMs ?? Math.min(minDelay, 1000);
      limiter.pause(wait);
      // A little jitter so the calls held by the same 429 do not all return in the same millisecond.
      wait += Math.random() * Math.min(100, minDelay);
    } else {
      if (++other > maxOther) throw e;
      wait = Math.min(maxDelay, minDelay * 2 ** (other - 1) * (1 + Math.random()));
    }
    if (budget.left <= 0) throw context.budgetSpent(e, budget.size);
    budget.left--;
    budget.used++;
    await sleep(wait);
  }
}
