import type Bottleneck from 'bottleneck';
import { AccountLimiter as BaseLimiter, accountKey, sharedLimiter } from '../http/account-limiter';
import { RollingWindow } from '../http/rolling-window';

export { accountKey };

/** Pipedrive's burst window (its rate-limiting page: every limit is counted per 2-second window and token). */
export const BURST_WINDOW_MS = 2000;

/**
 * The part of Bottleneck the account limiter uses: `schedule` with at most `maxConcurrent` jobs running, and a hold
 * while `reservoir` is 0 (set by the base after a 429, cleared with null).
 */
export class SlotScheduler {
  private running = 0;
  private readonly slots: Array<() => void> = [];
  private held = false;
  private readonly holders: Array<() => void> = [];

  constructor(private readonly maxConcurrent: number) {}

  async schedule<T>(fn: () => Promise<T>): Promise<T> {
    if (this.running >= this.maxConcurrent) await new Promise<void>((resolve) => this.slots.push(resolve));
    else this.running++;
    try {
      while (this.held) await new Promise<void>((resolve) => this.holders.push(resolve));
      return await fn();
    } finally {
      const next = this.slots.shift();
      // The slot passes straight to the next job in line (FIFO); otherwise it is freed.
      if (next) next();
      else this.running--;
    }
  }

  updateSettings(settings: { reservoir?: number | null }): this {
    if (settings.reservoir === 0) this.held = true;
    else if (settings.reservoir === null) {
      this.held = false;
      for (const release of this.holders.splice(0)) release();
    }
    return this;
  }
}

/**
 * Pipedrive's limiter. Pipedrive charges each call tokens (`x-token-cost` in its OpenAPI: v2 list 10, get 1,
 * create/update 5, search 20) against a budget per 2-second window, and reports the budget in `x-ratelimit-limit`.
 *
 * Requests are paced so that no rolling window of `windowMs` (+ a small margin) carries more tokens than the budget:
 * any fixed window the server counts lies inside such a rolling window, so our own traffic never draws a 429, and the
 * budget is used to the full instead of stopping at a low remainder and waiting a whole rounded-up `x-ratelimit-reset`.
 * When `x-ratelimit-remaining` shows more spent than we sent (another client on the same token), every request is
 * held until the window resets; after a 429 they are held for the wait Pipedrive asked for.
 */
export class AccountLimiter extends BaseLimiter {
  limit: number | null = null;
  /** How many times requests were held back because someone else spent the window. */
  holds = 0;
  /**
   * Pipedrive is called once per record, so the base's Bottleneck queue is swapped for `SlotScheduler`: Bottleneck's
   * local datastore yields to the timer queue several times per job (~3 ms each, one job at a time: measured ~300
   * jobs/s at most), below Pipedrive's 240 writes/s. The base keeps driving it (shared budgets, holds after a 429).
   */
  override readonly limiter = new SlotScheduler(this.maxConcurrent) as unknown as Bottleneck;
  /** Tokens sent, in a rolling window of Pipedrive's. */
  private readonly window: RollingWindow;

  constructor(
    account: string,
    maxConcurrent: number,
    readonly windowMs = BURST_WINDOW_MS,
    private marginMs = 40,
  ) {
    super('pipedrive', account, maxConcurrent);
    this.window = new RollingWindow(windowMs, () => this.marginMs);
  }

  /** Tokens this process sent in the last window. */
  spentInWindow(now = Date.now()): number {
    return this.window.spentInWindow(now);
  }

  /** Waits (first come, first served) until a call of `cost` tokens fits the rolling window, then books it. */
  acquire(cost: number): Promise<void> {
    return this.window.acquire(cost, () => this.limit);
  }

  /**
   * Pipedrive refused a call for the budget. Requests booked in one window can reach Pipedrive in the next when the
   * network or this process is slow, so the window's safety margin grows (50 ms per refusal, up to 500 ms): a margin
   * costs a few percent of the rate, a 429 a whole `Retry-After` of every request of the account. A 429 that leaves
   * the window's budget unspent (an outage-style storm) says nothing about timing and changes nothing.
   */
  refused(headers: Record<string, unknown>): void {
    const limit = Number(headers['x-ratelimit-limit']);
    const remaining = Number(headers['x-ratelimit-remaining']);
    if (!Number.isFinite(limit) || !Number.isFinite(remaining) || remaining > limit * 0.05) return;
    this.marginMs = Math.min(500, this.marginMs + 50);
  }

  get margin(): number {
    return this.marginMs;
  }

  /** Feeds one response's headers (lower-case names). */
  observe(headers: Record<string, unknown>): void {
    const limit = Number(headers['x-ratelimit-limit']);
    const remaining = Number(headers['x-ratelimit-remaining']);
    const reset = Number(headers['x-ratelimit-reset']);
    if (!Number.isFinite(limit) || !Number.isFinite(remaining) || limit <= 0) return;
    this.limit = limit;
    this.remaining = remaining;
    // The server's window is inside our rolling one, so it cannot have seen more of our tokens than we booked.
    const others = limit - remaining - this.spentInWindow();
    if (others > Math.max(10, limit / 10) && remaining < limit / 4 && Number.isFinite(reset)) {
      this.holds++;
      this.pause(Math.max(100, reset * 1000));
    }
  }
}

export function limiterFor(basePath: string, token: string, maxConcurrent: number): AccountLimiter {
  return sharedLimiter('pipedrive', basePath, token, (account) => new AccountLimiter(account, maxConcurrent));
}
