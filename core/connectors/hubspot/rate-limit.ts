import { AccountLimiter as BaseLimiter, accountKey, sharedLimiter } from '../http/account-limiter';

export { accountKey };

/**
 * HubSpot's limiter learns the account's limit from `X-HubSpot-RateLimit-*` headers: it sends freely while plenty is
 * left, spaces requests at the sustainable rate when less than half is left, and stops everyone after a 429 until
 * the wait HubSpot asked for (or a backoff) has passed.
 */
export class AccountLimiter extends BaseLimiter {
  max: number | null = null;
  intervalMs: number | null = null;
  /** Current spacing between request starts (ms). */
  minTime = 0;

  constructor(account: string, maxConcurrent: number) {
    super('hubspot', account, maxConcurrent);
  }

  /** Feeds the limiter with one response's headers (lower-case names, as node-fetch gives them). */
  observe(headers: Record<string, unknown>): void {
    const max = Number(headers['x-hubspot-ratelimit-max']);
    const remaining = Number(headers['x-hubspot-ratelimit-remaining']);
    const interval = Number(headers['x-hubspot-ratelimit-interval-milliseconds']);
    if (!Number.isFinite(max) || !Number.isFinite(remaining) || max <= 0) return;
    this.max = max;
    this.remaining = remaining;
    if (Number.isFinite(interval) && interval > 0) this.intervalMs = interval;
    const spacing = (this.intervalMs ?? 10_000) / max;
    let minTime = 0;
    if (remaining <= this.maxConcurrent) minTime = spacing * 2;
    else if (remaining < max / 2) minTime = spacing;
    if (minTime !== this.minTime) {
      this.minTime = minTime;
      this.limiter.updateSettings({ minTime });
    }
  }
}

export function limiterFor(basePath: string, token: string, maxConcurrent: number): AccountLimiter {
  return sharedLimiter('hubspot', basePath, token, (account) => new AccountLimiter(account, maxConcurrent));
}
