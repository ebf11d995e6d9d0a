import type { AccountLimiter } from './account-limiter';
import type { RetryBudget } from './retrying-call';

/** A vendor client whose calls go through one account limiter and spend one retry budget. */
export interface LimitedClient {
  readonly account: AccountLimiter;
  readonly budget: RetryBudget;
}

/** What every rate-limited connector reports about its calls, read off its client. */
export abstract class LimitedConnector<C extends LimitedClient> {
  constructor(protected readonly client: C) {}

  /** Retries spent so far, for monitoring and tests. */
  get retriesUsed(): number {
    return this.client.budget.used;
  }

  /** The account's hashed key (safe to log). */
  get accountId(): string {
    return this.client.account.account;
  }
}
