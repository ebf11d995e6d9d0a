import { createHash } from 'node:crypto';
import Bottleneck from 'bottleneck';

/** Identifies an account without revealing its token: a short SHA-256 of base path + token. */
export function accountKey(basePath: string, token: string): string {
  return createHash('sha256').update(`${basePath}\n${token}`).digest('hex').slice(0, 16);
}

/**
 * One limiter per Pipedrive account (API token), shared by every connector of the process that uses it. It learns
 * the token budget of the 2-second burst window from `x-ratelimit-limit/-remaining/-reset`: when what is left would
 * not cover an expensive call (a search costs 20 tokens), it holds every request until the window resets; after a
 * 429 it holds them for the wait Pipedrive asked for.
 */
export class AccountLimiter {
  readonly limiter: Bottleneck;
  limit: number | null = null;
  remaining: number | null = null;
  /** How many times requests were held back before Pipedrive said no. */
  holds = 0;
  private pausedUntil = 0;
  private resumeTimer: NodeJS.Timeout | null = null;

  constructor(readonly account: string, maxConcurrent: number, private readonly reserve = 25) {
    this.limiter = new Bottleneck({ maxConcurrent, id: `pipedrive-${account}` });
  }

  schedule<T>(fn: () => Promise<T>): Promise<T> {
    return this.limiter.schedule(fn);
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

  /** Holds every request of the account for `ms`. */
  pause(ms: number): void {
    const until = Date.now() + ms;
    if (until <= this.pausedUntil) return;
    this.pausedUntil = until;
    this.limiter.updateSettings({ reservoir: 0 });
    if (this.resumeTimer) clearTimeout(this.resumeTimer);
    this.resumeTimer = setTimeout(() => {
      this.resumeTimer = null;
      this.pausedUntil = 0;
      this.limiter.updateSettings({ reservoir: null });
    }, ms);
    this.resumeTimer.unref();
  }
}

const accounts = new Map<string, AccountLimiter>();

export function limiterFor(basePath: string, token: string, maxConcurrent: number): AccountLimiter {
  const key = accountKey(basePath, token);
  let limiter = accounts.get(key);
  if (!limiter) {
    limiter = new AccountLimiter(key, maxConcurrent);
    accounts.set(key, limiter);
  }
  return limiter;
}
