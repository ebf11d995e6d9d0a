import { createHash } from 'node:crypto';
import Bottleneck from 'bottleneck';

/** Identifies an account without revealing its token: a short SHA-256 of base path + token. */
export function accountKey(basePath: string, token: string): string {
  return createHash('sha256').update(`${basePath}\n${token}`).digest('hex').slice(0, 16);
}

/**
 * One limiter per HubSpot account, shared by every connector (and job) of this process that uses the account.
 * It learns the account's limit from `X-HubSpot-RateLimit-*` headers: it sends freely while plenty is left,
 * spaces requests at the sustainable rate when less than half is left, and stops everyone after a 429 until the
 * wait HubSpot asked for (or a backoff) has passed.
 */
export class AccountLimiter {
  readonly limiter: Bottleneck;
  max: number | null = null;
  remaining: number | null = null;
  intervalMs: number | null = null;
  /** Current spacing between request starts (ms). */
  minTime = 0;
  private pausedUntil = 0;
  private resumeTimer: NodeJS.Timeout | null = null;

  constructor(readonly account: string, readonly maxConcurrent: number) {
    this.limiter = new Bottleneck({ maxConcurrent, id: `hubspot-${account}` });
  }

  schedule<T>(fn: () => Promise<T>): Promise<T> {
    return this.limiter.schedule(fn);
  }

  /** Feeds the limiter with one response's headers (lower-case names, as node-fetch gives them). */
  observe(headers: Record<string, string>): void {
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

  /** Stops every job of the account for `ms` (after a 429). */
  pause(ms: number): void {
    const until = Date.now() + ms;
    if (until <= this.pausedUntil) return;
    this.pausedUntil = until;
    this.limiter.updateSettings({ reservoir: 0 });
    if (this.resumeTimer) clearTimeout(this.resumeTimer);
    this.resumeTimer = setTimeout(() => {
      this.resumeTimer = null;
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
