/** Faults injected into the emulator's next requests. Each rule applies to matching requests until its count runs out. */
export interface FaultMatch {
  /** HTTP method to affect (default: all). */
  method?: string;
  /** Path fragment to affect, e.g. '/composite/sobjects' (default: all API paths). */
  path?: string;
}

export type Fault =
  | { kind: 'status'; status: number; errorCode: string; message: string }
  | { kind: 'slow'; delayMs: number }
  | { kind: 'drop'; afterProcessing: boolean }
  | { kind: 'malformed'; mutate: (body: unknown) => unknown };

interface Rule extends FaultMatch {
  fault: Fault;
  remaining: number;
}

export class Faults {
  private rules: Rule[] = [];
  /** How many requests each kind of fault hit, for assertions. */
  readonly hits = { status: 0, slow: 0, drop: 0, malformed: 0 };

  /** The next `count` matching requests answer `status` (default 503) with Salesforce's error body. */
  serverErrors(count: number, match: FaultMatch & { status?: number } = {}): void {
    const status = match.status ?? 503;
    this.add(count, match, {
      kind: 'status',
      status,
      errorCode: status === 503 ? 'SERVER_UNAVAILABLE' : 'UNKNOWN_EXCEPTION',
      message: 'An unexpected error occurred. Please try again.',
    });
  }

  /** The next `count` matching requests wait `delayMs` before being answered. */
  slow(count: number, delayMs: number, match: FaultMatch = {}): void {
    this.add(count, match, { kind: 'slow', delayMs });
  }

  /** The next `count` matching requests have their connection destroyed; with `afterProcessing` the write is applied first. */
  drop(count: number, match: FaultMatch & { afterProcessing?: boolean } = {}): void {
    this.add(count, match, { kind: 'drop', afterProcessing: match.afterProcessing ?? false });
  }

  /**
   * The next `count` matching requests are handled, then answered with `mutate` applied to a copy of the JSON body
   * (when the answer is JSON): a vendor answer of a shape the client does not expect.
   */
  malformed(count: number, mutate: (body: unknown) => unknown, match: FaultMatch = {}): void {
    this.add(count, match, { kind: 'malformed', mutate });
  }

  clear(): void {
    this.rules = [];
  }

  private add(count: number, match: FaultMatch, fault: Fault): void {
    this.rules.push({ method: match.method, path: match.path, fault, remaining: count });
  }

  /** The fault for this request, if any (consumes one use of the first matching rule). */
  take(method: string, path: string): Fault | undefined {
    const rule = this.rules.find(
      (r) => r.remaining > 0 && (!r.method || r.method === method) && (!r.path || path.includes(r.path)),
    );
    if (!rule) return undefined;
    rule.remaining--;
    this.hits[rule.fault.kind]++;
    return rule.fault;
  }
}
