import { AccountLimiter, sharedLimiter } from '../http/account-limiter';
import { RollingWindow } from '../http/rolling-window';

/**
 * Dataverse's service protection limits per user: `requests` per sliding `windowMs` (Microsoft: 6,000 per 300 s)
 * and a cap on requests in flight. Requests are booked in a rolling window of `windowMs` plus a margin, so this
 * process alone never draws a 429; the `x-ms-ratelimit-burst-remaining-xrm-requests` header (sent with refusals the
 * SDK lets us see) tells when other clients spent the window, and a 429 holds every request for its Retry-After.
 */
export class DynamicsLimiter extends AccountLimiter {
  /** Requests held back by the window, for monitoring and tests. */
  waits = 0;
  private readonly window: RollingWindow;

  constructor(
    account: string,
    maxConcurrent: number,
    readonly requests: number,
    readonly windowMs: number,
    marginMs = 250,
  ) {
    super('dynamics', account, maxConcurrent);
    this.window = new RollingWindow(windowMs, () => marginMs);
  }

  /** Requests booked in the current window. */
  get inWindow(): number {
    return this.window.spentInWindow();
  }

  /** Waits (first come, first served) until `cost` more requests fit the window, then books them. */
  acquire(cost = 1): Promise<void> {
    return this.window.acquire(
      cost,
      () => this.requests,
      () => this.waits++,
    );
  }

  /** Feeds one response's headers (lower-case names). */
  observe(headers: Record<string, unknown>): void {
    const remaining = Number(String(headers['x-ms-ratelimit-burst-remaining-xrm-requests'] ?? '').replace(/,/g, ''));
    if (Number.isFinite(remaining) && String(headers['x-ms-ratelimit-burst-remaining-xrm-requests'] ?? '') !== '')
      this.remaining = remaining;
  }
}

export function limiterFor(
  url: string,
  identity: string,
  settings: { maxConcurrent: number; requests: number; windowMs: number },
): DynamicsLimiter {
  return sharedLimiter(
    'dynamics',
    url,
    identity,
    (account) => new DynamicsLimiter(account, settings.maxConcurrent, settings.requests, settings.windowMs),
  );
}
