import { AnswerFaults } from '../answer-faults';
/** An error a test makes one record's write answer with. */
export interface RecordFailure {
  status: number;
  code: string;
  message: string;
}

/**
 * Faults a test can inject through the emulator object (never over HTTP): those the HubSpot and Pipedrive emulators
 * have too (a storm's 429s always carry Retry-After here; server errors default to 503), dropped connections, failing
 * records and malformed answers.
 */
export class Faults extends AnswerFaults {
  private drops: Array<'before' | 'after'> = [];
  /** entity set -> key value (or record ID) -> failure */
  private readonly recordFailures = new Map<string, Map<string, RecordFailure>>();
  readonly malformations: Array<{ path: string | RegExp; mutate: (body: unknown) => unknown; remaining: number }> = [];
  /** Requests answered by each fault so far, for assertions. */
  override readonly served = { rateLimited: 0, serverErrors: 0, dropped: 0, malformed: 0, recordFailures: 0 };

  /** The next `count` requests answer 429 (service protection), asking to wait `retryAfterSeconds`. */
  override rateLimitStorm(count: number, retryAfterSeconds = 1): this {
    return super.rateLimitStorm(count, retryAfterSeconds);
  }

  /** The next `count` requests answer `status` (default 503). */
  override serverErrors(count: number, status = 503): this {
    return super.serverErrors(count, status);
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

  override clear(): void {
    super.clear();
    this.drops = [];
    this.recordFailures.clear();
    this.malformations.length = 0;
  }

  takeDrop(): 'before' | 'after' | null {
    const next = this.drops.shift() ?? null;
    if (next) this.served.dropped++;
    return next;
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
