import { AccountLimiter, sharedLimiter } from '../http/account-limiter';

/**
 * Dataverse's service protection limits per user: `requests` per sliding `windowMs` (Microsoft: 6,000 per 300 s)
 * and a cap on requests in flight. Requests are booked in a rolling window of `windowMs` plus a margin, so this
 * process alone never draws a 429; the `x-ms-ratelimit-burst-remaining-xrm-requests` header (sent with refusals the
 * SDK lets us see) tells when other clients spent the window, and a 429 holds every request for its Retry-After.
 */
export class DynamicsLimiter extends AccountLimiter {
  /** Requests held back by the window, for monitoring and tests. */
  waits = 0;
  private readonly sentAt: number[] = [];
  private head = 0;
  private gate: Promise<void> = Promise.resolve();

  constructor(
    account: string,
    maxConcurrent: number,
    readonly requests: number,
    readonly windowMs: number,
    private readonly marginMs = 250,
  ) {
    super('dynamics', account, maxConcurrent);
  }

  /** Requests booked in the current window. */
  get inWindow(): number {
    this.expire(Date.now());
    return this.sentAt.length - this.head;
  }

  private expire(now: number): void {
    const horizon = now - this.windowMs - this.marginMs;
    while (this.head < this.sentAt.length && this.sentAt[this.head]! <= horizon) this.head++;
    if (this.head > 4096 && this.head * 2 > this.sentAt.length) {
      this.sentAt.splice(0, this.head);
      this.head = 0;
    }
  }

  /** Waits (first come, first served) until `cost` more requests fit the window, then books them. */
  acquire(cost = 1): Promise<void> {
    const turn = this.gate.then(async () => {
      for (;;) {
        const now = Date.now();
        this.expire(now);
        const booked = this.sentAt.length - this.head;
        if (booked + cost <= this.requests || booked === 0) break;
        this.waits++;
        const freeing = this.sentAt[this.head + Math.min(booked - 1, booked + cost - this.requests - 1)]!;
        await new Promise((resolve) =>
          setTimeout(resolve, Math.max(1, freeing + this.windowMs + this.marginMs + 1 - now)),
        );
      }
      const at = Date.now();
      for (let i = 0; i < cost; i++) this.sentAt.push(at);
    });
    this.gate = turn.catch(() => undefined);
    return turn;
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
