/**
 * The faults the HubSpot and Pipedrive emulators inject the same way: a storm of 429s, a run of server errors and slow
 * answers, each for the next so many requests, with what was served counted for assertions. A test sets them through
 * the emulator object (never over HTTP); each emulator answers them in its vendor's own shape.
 */
export class AnswerFaults {
  private storm = 0;
  private stormRetryAfterSeconds: number | null = 1;
  private storm5xx = 0;
  private status5xx = 502;
  private delayMs = 0;
  private delayCount = Infinity;
  /** Requests answered by each fault so far. */
  readonly served = { rateLimited: 0, serverErrors: 0, dropped: 0 };

  /** The next `count` requests answer 429, whatever the real limit (with `Retry-After` seconds unless null). */
  rateLimitStorm(count: number, retryAfterSeconds: number | null = 1): this {
    this.storm = count;
    this.stormRetryAfterSeconds = retryAfterSeconds;
    return this;
  }

  /** The next `count` requests answer `status` (default 502). */
  serverErrors(count: number, status = 502): this {
    this.storm5xx = count;
    this.status5xx = status;
    return this;
  }

  /** Delays answers by `ms` (for the next `count` requests, or all). */
  slow(ms: number, count = Infinity): this {
    this.delayMs = ms;
    this.delayCount = count;
    return this;
  }

  /** Whether this request is one of the storm's 429s; then the `Retry-After` it carries (seconds, or null for none). */
  takeStorm(): { retryAfterSeconds: number | null } | null {
    if (this.storm <= 0) return null;
    this.storm--;
    this.served.rateLimited++;
    return { retryAfterSeconds: this.stormRetryAfterSeconds };
  }

  /** The status this request answers with, when it is one of the injected server errors. */
  take5xx(): number | null {
    if (this.storm5xx <= 0) return null;
    this.storm5xx--;
    this.served.serverErrors++;
    return this.status5xx;
  }

  /** How long to hold this request's answer (0: not at all). */
  takeDelay(): number {
    if (this.delayMs <= 0 || this.delayCount <= 0) return 0;
    this.delayCount--;
    return this.delayMs;
  }

  clear(): void {
    this.storm = 0;
    this.storm5xx = 0;
    this.delayMs = 0;
  }
}
