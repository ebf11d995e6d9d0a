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

  constructor(vendor: string, readonly account: string, readonly maxConcurrent: number) {
    this.limiter = new Bottleneck({ maxConcurrent, id: `${vendor}-${account}` });
  }

  schedule<T>(fn: () => Promise<T>): Promise<T> {
    return this.limiter.schedule(fn);
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

const accounts = new Map<string, AccountLimiter>();

/** The process-wide limiter of one account of one vendor, created on first use. */
export function sharedLimiter<L extends AccountLimiter>(vendor: string, basePath: string, token: string, create: (account: string) => L): L {
  const account = accountKey(basePath, token);
  const id = `${vendor}:${account}`;
  let limiter = accounts.get(id) as L | undefined;
  if (!limiter) {
    limiter = create(account);
    accounts.set(id, limiter);
  }
  return limiter;
}
