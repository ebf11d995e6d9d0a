import { createHash } from 'node:crypto';
import Bottleneck from 'bottleneck';

/** Identifies an account without revealing its token: a short SHA-256 of base path + token. */
export function accountKey(basePath: string, token: string): string {
  return createHash('sha256').update(`${basePath}\n${token}`).digest('hex').slice(0, 16);
}

/**
 * One limiter per CRM account, shared by every connector (and job) of this process that uses the account. Each
 * vendor teaches it from its own rate-limit headers (`observe`); after a 429 it holds every request of the account
 * for the wait the API asked for.
 */
export abstract class AccountLimiter {
  readonly limiter: Bottleneck;
  remaining: number | null = null;
  private pausedUntil = 0;
  private resumeTimer: NodeJS.Timeout | null = null;

  constructor(
    readonly vendor: string,
    readonly account: string,
    readonly maxConcurrent: number,
  ) {
    this.limiter = new Bottleneck({ maxConcurrent, id: `${vendor}-${account}` });
  }

  schedule<T>(fn: () => Promise<T>): Promise<T> {
    const budget = budgets?.(this.vendor, this.account);
    return this.limiter.schedule(
      budget
        ? async () => {
            await budget.acquire();
            return fn();
          }
        : fn,
    );
  }

  /** Feeds one response's headers (lower-case names). */
  abstract observe(headers: Record<string, unknown>): void;

  /** Holds every request of the account for `ms`; a longer hold already in force wins. */
  pause(ms: number): void {
    const until = Date.now() + ms;
    if (until <= this.pausedUntil) return;
    this.pausedUntil = until;
    this.limiter.updateSettings({ reservoir: 0 });
    if (this.resumeTimer) clearTimeout(this.resumeTimer);
    this.resumeTimer = setTimeout(() => {
      this.resumeTimer = null;
      this.pausedUntil = 0;
      this.limiter.updateSettings({ reservoir: null });
    }, ms);
    this.resumeTimer.unref();
  }
}

/** A request budget shared with other processes (the sync engine keeps it in Postgres); `acquire` waits for a slot. */
export interface SharedBudget {
  acquire(): Promise<void>;
}

let budgets: ((vendor: string, account: string) => SharedBudget | undefined) | null = null;

/**
 * Lets every request of an account also wait for a budget shared across processes, on top of this process's own
 * limiter: N workers on one account then stay under the account's limit together. `null` removes it.
 */
export function provideSharedBudgets(
  provider: ((vendor: string, account: string) => SharedBudget | undefined) | null,
): void {
  budgets = provider;
}

const accounts = new Map<string, AccountLimiter>();

/** The process-wide limiter of one account of one vendor, created on first use. */
export function sharedLimiter<L extends AccountLimiter>(
  vendor: string,
  basePath: string,
  token: string,
  create: (account: string) => L,
): L {
  const account = accountKey(basePath, token);
  const id = `${vendor}:${account}`;
  let limiter = accounts.get(id) as L | undefined;
  if (!limiter) {
    limiter = create(account);
    accounts.set(id, limiter);
  }
  return limiter;
}
