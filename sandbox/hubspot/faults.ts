import { AnswerFaults } from '../answer-faults';

/**
 * Faults a test can inject through the emulator object (never over HTTP): those the Pipedrive emulator has too (a
 * storm's 429s carry the ten-secondly policy and no Retry-After here), dropped connections and failing records.
 */
export class Faults extends AnswerFaults {
  private drops: Array<'before' | 'after'> = [];
  /** object -> key value -> message */
  private readonly recordFailures = new Map<string, Map<string, string>>();

  /** The next `count` requests answer 429 (ten-secondly policy), whatever the real limit. */
  override rateLimitStorm(count: number): this {
    return super.rateLimitStorm(count, null);
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

  override clear(): void {
    super.clear();
    this.drops = [];
    this.recordFailures.clear();
  }

  recordFailure(object: string, key: string): string | undefined {
    return this.recordFailures.get(object)?.get(key);
  }
}
