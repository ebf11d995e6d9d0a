import { CODES, DataverseFault } from './errors';

/** Dataverse's service protection limits, per user, over a sliding window (Microsoft: 6,000 / 20 min / 52 / 300 s). */
export interface ProtectionLimits {
  /** Requests per window (a `$batch` counts once unless `countBatchOperations`). */
  requests: number;
  /** Combined execution time per window, in ms. */
  executionMs: number;
  /** Requests in progress at once. */
  concurrent: number;
  windowMs: number;
  /** Count every operation inside a `$batch` toward `requests` (entitlement-style pacing). */
  countBatchOperations: boolean;
}

export const MICROSOFT_LIMITS: ProtectionLimits = {
  requests: 6000,
  executionMs: 1_200_000,
  concurrent: 52,
  windowMs: 300_000,
  countBatchOperations: false,
};

interface UserWindow {
  /** Times of requests counted, one entry per unit of cost. */
  hits: number[];
  /** [time, ms] of executions finished. */
  spent: Array<[number, number]>;
  active: number;
}

/**
 * Counts each user's requests, execution time and concurrent requests, refusing with 429 and `Retry-After` (seconds)
 * as Dataverse does, and reporting what is left in the `x-ms-ratelimit-*-xrm-requests` headers.
 */
export class ServiceProtection {
  private readonly users = new Map<string, UserWindow>();
  /** Requests refused, by limit. */
  readonly refused = { requests: 0, executionTime: 0, concurrency: 0 };

  constructor(
    readonly limits: ProtectionLimits,
    private readonly now: () => number = Date.now,
  ) {}

  private window(user: string): UserWindow {
    let w = this.users.get(user);
    if (!w) {
      w = { hits: [], spent: [], active: 0 };
      this.users.set(user, w);
    }
    const horizon = this.now() - this.limits.windowMs;
    let drop = 0;
    while (drop < w.hits.length && w.hits[drop]! <= horizon) drop++;
    if (drop) w.hits.splice(0, drop);
    drop = 0;
    while (drop < w.spent.length && w.spent[drop]![0] <= horizon) drop++;
    if (drop) w.spent.splice(0, drop);
    return w;
  }

  private spentMs(w: UserWindow): number {
    let total = 0;
    for (const [, ms] of w.spent) total += ms;
    return total;
  }

  /** Admits one request of `cost` units or throws the 429 Dataverse would answer. */
  admit(user: string, cost = 1): void {
    const w = this.window(user);
    const now = this.now();
    if (w.active >= this.limits.concurrent) {
      this.refused.concurrency++;
      throw this.tooMany(
        CODES.tooManyConcurrent,
        `Number of concurrent requests exceeded the limit of ${this.limits.concurrent}.`,
        1,
        user,
      );
    }
    if (w.hits.length + cost > this.limits.requests) {
      this.refused.requests++;
      const freed = w.hits[Math.min(w.hits.length - 1, w.hits.length + cost - this.limits.requests - 1)] ?? now;
      throw this.tooMany(
        CODES.tooManyRequests,
        `Number of requests exceeded the limit of ${this.limits.requests} over time window of ${this.limits.windowMs / 1000} seconds.`,
        Math.max(1, Math.ceil((freed + this.limits.windowMs - now) / 1000)),
        user,
      );
    }
    if (this.spentMs(w) >= this.limits.executionMs) {
      this.refused.executionTime++;
      const oldest = w.spent[0]?.[0] ?? now;
      throw this.tooMany(
        CODES.tooMuchTime,
        `Combined execution time of incoming requests exceeded limit of ${this.limits.executionMs} milliseconds over time window of ${this.limits.windowMs / 1000} seconds. Decrease number of concurrent requests or reduce the duration of requests and try again later.`,
        Math.max(1, Math.ceil((oldest + this.limits.windowMs - now) / 1000)),
        user,
      );
    }
    for (let i = 0; i < cost; i++) w.hits.push(now);
    w.active++;
  }

  /** A request admitted earlier finished after `ms` of execution. */
  finish(user: string, ms: number): void {
    const w = this.window(user);
    w.active = Math.max(0, w.active - 1);
    w.spent.push([this.now(), ms]);
  }

  /** Counts extra units for a request already admitted (the operations of a `$batch`), without refusing it. */
  charge(user: string, units: number): void {
    const w = this.window(user);
    for (let i = 0; i < units; i++) w.hits.push(this.now());
  }

  headers(user: string): Record<string, string> {
    const w = this.window(user);
    return {
      'x-ms-ratelimit-burst-remaining-xrm-requests': String(Math.max(0, this.limits.requests - w.hits.length)),
      'x-ms-ratelimit-time-remaining-xrm-requests': Math.max(0, this.limits.executionMs - this.spentMs(w)).toFixed(2),
    };
  }

  private tooMany(code: string, message: string, retryAfter: number, user: string): DataverseFault {
    return new DataverseFault(429, code, message, { 'Retry-After': String(retryAfter), ...this.headers(user) });
  }
}
