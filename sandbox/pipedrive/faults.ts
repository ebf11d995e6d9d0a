import { AnswerFaults } from '../answer-faults';

/**
 * Faults a test injects through the emulator object (never over HTTP): those the HubSpot emulator has too, dropped
 * connections, failing records and reshaped answers.
 */
export class PipedriveFaults extends AnswerFaults {
  drops = 0;
  dropAfterProcessing = false;
  dropMethods: string[] = ['POST', 'PATCH'];
  readonly failures = new Map<string, string>();
  /** Answers to reshape: requests whose path matches get `mutate` applied to a copy of their JSON body. */
  readonly malformations: Array<{ path: string | RegExp; mutate: (body: unknown) => unknown; remaining: number }> = [];
  /** Requests answered by each fault so far, reshaped answers included. */
  override readonly served = { rateLimited: 0, serverErrors: 0, dropped: 0, malformed: 0 };
  /**
   * The next `count` requests of `methods` (default writes) lose their connection: before the emulator handles them,
   * or after it has applied the write (the client cannot tell which, so a blind retry of a create would duplicate).
   */
  dropConnections(count: number, options: { afterProcessing?: boolean; methods?: string[] } = {}): this {
    this.drops = count;
    this.dropAfterProcessing = options.afterProcessing ?? false;
    this.dropMethods = options.methods ?? ['POST', 'PATCH'];
    return this;
  }
  /** Writes whose custom field values include `value` fail with 400 and `message`. */
  failRecord(value: string, message = 'Injected validation failure'): this {
    this.failures.set(value, message);
    return this;
  }
  /**
   * The next `count` successful answers to requests whose path is `path` (or matches it) carry `mutate` applied to a
   * copy of their JSON body: a vendor answer of a shape the client does not expect.
   */
  malformed(path: string | RegExp, mutate: (body: unknown) => unknown, count = 1): this {
    this.malformations.push({ path, mutate, remaining: count });
    return this;
  }
  /** The reshaping for an answer to `path`, if one is due (it is used up). */
  takeMalformation(path: string): ((body: unknown) => unknown) | undefined {
    const rule = this.malformations.find(
      (m) => m.remaining > 0 && (typeof m.path === 'string' ? m.path === path : m.path.test(path)),
    );
    if (!rule) return undefined;
    rule.remaining--;
    this.served.malformed++;
    return rule.mutate;
  }
  override clear(): void {
    super.clear();
    this.malformations.length = 0;
    this.drops = 0;
    this.failures.clear();
  }
}
