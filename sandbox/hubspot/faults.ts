/** Faults a test can inject through the emulator object (never over HTTP). */
export class Faults {
  private storm = 0;
  private storm5xx = 0;
  private status5xx = 502;
  private delayMs = 0;
  private delayCount = Infinity;
  private drops: Array<'before' | 'after'> = [];
  /** object -> key value -> message */
  private readonly recordFailures = new Map<string, Map<string, string>>();
  /** Requests answered by each fault so far, for assertions. */
  readonly served = { rateLimited: 0, serverErrors: 0, dropped: 0 };

  /** The next `count` requests answer 429 (ten-secondly policy), whatever the real limit. */
  rateLimitStorm(count: number): this {
    this.storm = count;
    return this;
  }

  /** The next `count` requests answer `status` (default 502). */
  serverErrors(count: number, status = 502): this {
    this.storm5xx = count;
    this.status5xx = status;
    return this;
  }

  /** Delay responses by `ms` (for the next `count` requests, or all). */
  slow(ms: number, count = Infinity): this {
    this.delayMs = ms;
    this.delayCount = count;
    return this;
  }

  /**
   * The next `count` connections are closed without an answer: before the request is handled, or after (the write
   * happened, the client cannot know).
   */
  dropConnections(count: number, when: 'before' | 'after' = 'before'): this {
    this.drops.push(...Array<'before' | 'after'>(count).fill(when));
    return this;
  }

  takeDrop(): 'before' | 'after' | null {
    const next = this.drops.shift() ?? null;
    if (next) this.served.dropped++;
    return next;
  }

  /** Upserts of this key (idProperty value) on this object fail with `message`. */
  failRecord(object: string, key: string, message = 'Injected failure'): this {
    const map = this.recordFailures.get(object) ?? new Map<string, string>();
    map.set(key, message);
    this.recordFailures.set(object, map);
    return this;
  }

  clear(): void {
    this.storm = 0;
    this.storm5xx = 0;
    this.delayMs = 0;
    this.drops = [];
    this.recordFailures.clear();
  }

  takeStorm(): boolean {
    if (this.storm <= 0) return false;
    this.storm--;
    this.served.rateLimited++;
    return true;
  }

  take5xx(): number | null {
    if (this.storm5xx <= 0) return null;
    this.storm5xx--;
    this.served.serverErrors++;
    return this.status5xx;
  }

  takeDelay(): number {
    if (this.delayMs <= 0 || this.delayCount <= 0) return 0;
    this.delayCount--;
    return this.delayMs;
  }

  recordFailure(object: string, key: string): string | undefined {
    return this.recordFailures.get(object)?.get(key);
  }
}
