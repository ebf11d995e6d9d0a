import { provideSharedBudgets, type SharedBudget } from '../connectors/http/account-limiter';
import type { Database } from '../db/database';
import type { Sql } from '../db/sql';
import type { SyncJob } from './job';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A request budget for one CRM account kept in one Postgres row, so every process that runs jobs on the account
 * draws from it (GCRA: the row holds the theoretical arrival time of the next request; each request reserves the
 * next slot in one UPDATE and sleeps until it). After an idle spell a burst of a tenth of the allowance goes at once;
 * the spacing is chosen so that no window of `perMs` ever holds more than `requests` requests, bursts included.
 */
export class PostgresRateBudget implements SharedBudget {
  readonly emissionMs: number;
  readonly toleranceMs: number;
  private ready: Promise<void> | null = null;

  constructor(
    private readonly sql: Sql,
    readonly account: string,
    requests: number,
    perMs: number,
  ) {
    const burst = Math.floor(requests / 10);
    this.emissionMs = perMs / Math.max(1, requests - burst - 1);
    this.toleranceMs = burst * this.emissionMs;
  }

  async acquire(): Promise<void> {
    this.ready ??= this.sql
      .query(
        'INSERT INTO sync.rate_budgets (account, tat) VALUES ($1, clock_timestamp()) ON CONFLICT (account) DO NOTHING',
        [this.account],
      )
      .then(() => undefined);
    await this.ready;
    const { rows } = await this.sql.query<{ wait_ms: number }>(
      `UPDATE sync.rate_budgets b SET tat = greatest(b.tat, c.now) + $2 * interval '1 millisecond'
         FROM (SELECT clock_timestamp() AS now) c
        WHERE b.account = $1
       RETURNING greatest(0, extract(epoch FROM (b.tat - c.now)) * 1000 - $2 - $3)::float8 AS wait_ms`,
      [this.account, this.emissionMs, this.toleranceMs],
    );
    const wait = Number(rows[0]?.wait_ms ?? 0);
    if (wait > 0) await sleep(wait);
  }
}

/**
 * Makes the connectors of this process draw from the job's shared budgets. Only on a server: the embedded database
 * belongs to one process, whose own limiter is already shared by all its jobs.
 */
export function installRateBudgets(db: Database, job: SyncJob): void {
  const entries = Object.entries(job.rateBudgets);
  if (db.kind !== 'server' || entries.length === 0) return;
  const made = new Map<string, PostgresRateBudget>();
  provideSharedBudgets((vendor, account) => {
    const limit = job.rateBudgets[vendor as keyof SyncJob['rateBudgets']];
    if (!limit) return undefined;
    const id = `${vendor}:${account}`;
    let budget = made.get(id);
    if (!budget) made.set(id, (budget = new PostgresRateBudget(db.pool, id, limit.requests, limit.perMs)));
    return budget;
  });
}
