import { AccountLimiter as BaseLimiter, accountKey, sharedLimiter } from '../http/account-limiter';

export { accountKey };

/**
 * HubSpot's limiter mirrors the account's rolling window (`X-HubSpot-RateLimit-Max` requests per
 * `-Interval-Milliseconds`): it sends at the full allowance and, once `max` requests are counted, starts the next one
 * only when the oldest stops counting. A request counts from its start until `interval` after its answer arrived,
 * which is never earlier than HubSpot stops counting it, so this process alone never gets a 429. When
 * `-Remaining` says less is left than this process used (other processes on the same account), the difference is
 * counted as spent for a whole interval. A 429 still holds every request for the wait HubSpot asked for.
 */
export class AccountLimiter extends BaseLimiter {
  max: number | null = null;
  intervalMs: number | null = null;
  /** Requests held back by the window, for monitoring and tests. */
  waits = 0;
  /**
   * When each request stops counting (Infinity while it is in flight). Entries stay a while after they stop counting,
   * so `observe` can tell what was counted when an earlier request reached HubSpot.
   */
  private counted: number[] = [];
  private holdUntil = 0;
  private readonly wakers = new Set<() => void>();

  constructor(
    account: string,
    maxConcurrent: number,
    private readonly marginMs = 25,
  ) {
    super('hubspot', account, maxConcurrent);
  }

  override schedule<T>(fn: () => Promise<T>): Promise<T> {
    return super.schedule(async () => {
      await this.acquire();
      try {
        return await fn();
      } finally {
        this.release();
      }
    });
  }

  override pause(ms: number): void {
    super.pause(ms);
    this.holdUntil = Math.max(this.holdUntil, Date.now() + ms);
  }

  /** Requests counted in the current window (in flight or answered less than an interval ago). */
  get inWindow(): number {
    return this.countedAfter(Date.now());
  }

  private countedAfter(time: number): number {
    let n = 0;
    for (const t of this.counted) if (t > time) n++;
    return n;
  }

  private prune(now: number): void {
    const keepAfter = now - KEEP_MS;
    if (this.counted.length && this.counted.some((t) => t <= keepAfter))
      this.counted = this.counted.filter((t) => t > keepAfter);
  }

  private async acquire(): Promise<void> {
    let waited = false;
    for (;;) {
      const now = Date.now();
      this.prune(now);
      const active = this.counted.filter((t) => t > now);
      const wait =
        this.holdUntil > now
          ? this.holdUntil - now
          : active.length < (this.max ?? Infinity)
            ? 0
            : Math.min(...active) - now;
      if (wait <= 0) {
        this.counted.push(Infinity);
        if (waited) this.waits++;
        return;
      }
      waited = true;
      await this.sleep(wait);
    }
  }

  private release(): void {
    const i = this.counted.indexOf(Infinity);
    if (i >= 0) this.counted[i] = Date.now() + (this.intervalMs ?? 10_000) + this.marginMs;
    for (const wake of this.wakers) wake();
  }

  /** Sleeps `ms` (all requests in flight: until one is answered). */
  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wakers.delete(done);
        resolve();
      };
      const timer = Number.isFinite(ms) ? setTimeout(done, ms) : undefined;
      if (!Number.isFinite(ms)) this.wakers.add(done);
    });
  }

  /**
   * Feeds the limiter with one response's headers (lower-case names, as node-fetch gives them). `startedAt` is when
   * that request was sent: HubSpot's Remaining was computed when it arrived, so it is compared with what this process
   * counted at any time since then (without it, since an interval ago).
   */
  observe(headers: Record<string, unknown>, startedAt?: number): void {
    const max = Number(headers['x-hubspot-ratelimit-max']);
    const remaining = Number(headers['x-hubspot-ratelimit-remaining']);
    const interval = Number(headers['x-hubspot-ratelimit-interval-milliseconds']);
    if (!Number.isFinite(max) || !Number.isFinite(remaining) || max <= 0) return;
    this.max = max;
    this.remaining = remaining;
    if (Number.isFinite(interval) && interval > 0) this.intervalMs = interval;
    const now = Date.now();
    this.prune(now);
    // What this process counts includes what HubSpot counted for it, so less left than max minus ours means another
    // client spent the difference. Ours is taken at its highest since the request left (every entry counted then or
    // later), so requests of ours that stopped counting meanwhile are not mistaken for someone else's.
    const ours = this.countedAfter(startedAt ?? now - (this.intervalMs ?? 10_000));
    const foreign = max - ours - remaining;
    for (let i = 0; i < foreign; i++) this.counted.push(now + (this.intervalMs ?? 10_000));
  }
}

/** How long answered requests are remembered after they stop counting (at least the longest request). */
const KEEP_MS = 120_000;

export function limiterFor(basePath: string, accountSecret: string, maxConcurrent: number): AccountLimiter {
  return sharedLimiter('hubspot', basePath, accountSecret, (account) => new AccountLimiter(account, maxConcurrent));
}
