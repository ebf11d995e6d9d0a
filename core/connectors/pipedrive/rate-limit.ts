import { AccountLimiter as BaseLimiter, accountKey, sharedLimiter } from '../http/account-limiter';

export { accountKey };

/**
 * Pipedrive's limiter learns the token budget of the 2-second burst window from `x-ratelimit-limit/-remaining/-reset`:
 * when what is left would not cover an expensive call (a search costs 20 tokens), it holds every request until the
 * window resets; after a 429 it holds them for the wait Pipedrive asked for.
 */
export class AccountLimiter extends BaseLimiter {
  limit: number | null = null;
  /** How many times requests were held back before Pipedrive said no. */
  holds = 0;

  constructor(account: string, maxConcurrent: number, private readonly reserve = 25) {
    super('pipedrive', account, maxConcurrent);
  }

  /** Feeds one response's headers (lower-case names). */
  observe(headers: Record<string, unknown>): void {
    const limit = Number(headers['x-ratelimit-limit']);
    const remaining = Number(headers['x-ratelimit-remaining']);
    const reset = Number(headers['x-ratelimit-reset']);
    if (!Number.isFinite(limit) || !Number.isFinite(remaining) || limit <= 0) return;
    this.limit = limit;
    this.remaining = remaining;
    if (remaining < Math.min(this.reserve, limit / 4) && Number.isFinite(reset)) {
      this.holds++;
      this.pause(Math.max(100, reset * 1000));
    }
  }
}

export function limiterFor(basePath: string, token: string, maxConcurrent: number): AccountLimiter {
  return sharedLimiter('pipedrive', basePath, token, (account) => new AccountLimiter(account, maxConcurrent));
}
