/** An error a test makes one record's write answer with. */
export interface RecordFailure {
  status: number;
  code: string;
  message: string;
}

/** Faults a test can inject through the emulator object (never over HTTP). */
export class Faults {
  private storm = 0;
  private stormRetryAfter = 1;
  private storm5xx = 0;
  private status5xx = 503;
  private delayMs = 0;
  private delayCount = Infinity;
  private drops: Array<'before' | 'after'> = [];
  /** entity set -> key value (or record ID) -> failure */
  private readonly recordFailures = new Map<string, Map<string, RecordFailure>>();
  readonly malformations: Array<{ path: string | RegExp; mutate: (body: unknown) => unknown; remaining: number }> = [];
  /** Requests answered by each fault so far, for assertions. */
  readonly served = { rateLimited: 0, serverErrors: 0, dropped: 0, malformed: 0, recordFailures: 0 };

  /** The next `count` requests answer 429 (service protection), asking to wait `retryAfterSeconds`. */
  rateLimitStorm(count: number, retryAfterSeconds = 1): this {
    this.storm = count;
    this.stormRetryAfter = retryAfterSeconds;
    return this;
  }

  /** The next `count` requests answer `status` (default 503). */
  serverErrors(count: number, status = 503): this {
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

  /** The next `count` connections are closed without an answer, before or after the request was carried out. */
  dropConnections(count: number, when: 'before' | 'after' = 'before'): this {
    this.drops.push(...Array<'before' | 'after'>(count).fill(when));
    return this;
  }

  /**
   * Writes of this record (by the value of its alternate key, or its ID) in this entity set fail with `failure`;
   * by default as a duplicate detection rule would refuse it.
   */
  failRecord(entitySet: string, key: string, failure: Partial<RecordFailure> = {}): this {
    const map = this.recordFailures.get(entitySet) ?? new Map<string, RecordFailure>();
    map.set(key, {
      status: failure.status ?? 412,
      code: failure.code ?? '0x80040333',
      message:
        failure.message ??
        'A record was not created or updated because a duplicate of the current record already exists.',
    });
    this.recordFailures.set(entitySet, map);
    return this;
  }

  /** The next `count` JSON answers of GETs whose path matches are passed through `mutate` first. */
  malformed(path: string | RegExp, mutate: (body: unknown) => unknown, count = 1): this {
    this.malformations.push({ path, mutate, remaining: count });
    return this;
  }

  clear(): void {
    this.storm = 0;
    this.storm5xx = 0;
    this.delayMs = 0;
    this.drops = [];
    this.recordFailures.clear();
    this.malformations.length = 0;
  }

  takeDrop(): 'before' | 'after' | null {
    const next = this.drops.shift() ?? null;
    if (next) this.served.dropped++;
    return next;
  }

  /** Seconds to ask for when the next request is refused by the storm; null when no storm is on. */
  takeStorm(): number | null {
    if (this.storm <= 0) return null;
    this.storm--;
    this.served.rateLimited++;
    return this.stormRetryAfter;
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

  recordFailure(entitySet: string, keys: string[]): RecordFailure | undefined {
    const map = this.recordFailures.get(entitySet);
    if (!map) return undefined;
    for (const key of keys) {
      const failure = map.get(key);
      if (failure) {
        this.served.recordFailures++;
        return failure;
      }
    }
    return undefined;
  }

  /** The body as a matching malformation rewrites it (once per rule use), else unchanged. */
  mangle(path: string, body: unknown): unknown {
    const rule = this.malformations.find(
      (m) => m.remaining > 0 && (typeof m.path === 'string' ? m.path === path : m.path.test(path)),
    );
    if (!rule) return body;
    rule.remaining--;
    this.served.malformed++;
    return rule.mutate(structuredClone(body));
  }
}
