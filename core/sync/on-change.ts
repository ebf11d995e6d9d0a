import type { Connector } from '../connectors/connector';
import type { Database } from '../db/database';
import { markNoticesProcessed, pendingNotices, type ChangeNotice } from '../webhooks';
import { WEBHOOK_SYSTEMS, type WebhookSystem } from '../webhooks/types';
import { runSync, type SyncReport } from './engine';
import type { SyncJob } from './job';

export interface WatchedJob {
  job: SyncJob;
  source: Connector;
  target: Connector;
}

/** What started a run: a webhook notice, a change event, a catch-up after missed change events, or the poll. */
export type SyncTrigger = 'webhook' | 'change-event' | 'catch-up' | 'poll';

interface JobState {
  running: Promise<void> | null;
  /** Notices came in while a run was going: run once more when it ends (however many came), for this reason. */
  again: SyncTrigger | null;
  /** A retry after a stream was busy in another process while notices waited (see `busyRetryMs`). */
  retry: NodeJS.Timeout | null;
}

/**
 * Runs sync jobs when their source changes: a webhook notice wakes the jobs whose source system and stream objects
 * it names, and a poll every `everySeconds` catches whatever no webhook announced. Notices only wake; the run reads
 * through the cursor, so a lost, late or replayed webhook cannot lose or repeat a change. Bursts coalesce into at
 * most one run in progress and one queued per job.
 */
export class SyncOnChange {
  private readonly states = new Map<string, JobState>();
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(
    private readonly db: Database,
    private readonly jobs: WatchedJob[],
    private readonly options: {
      everySeconds?: number;
      /**
       * When a run left notices unprocessed because another process was running one of the streams (it may have read
       * before their changes), run again after this many ms (default 1,000) instead of waiting for the next poll.
       */
      busyRetryMs?: number;
      onReport?: (report: SyncReport, trigger: SyncTrigger) => void;
      onError?: (job: string, error: Error) => void;
    } = {},
  ) {
    for (const j of jobs) this.states.set(j.job.name, { running: null, again: null, retry: null });
  }

  /** Jobs a notice concerns: same source system, and a stream reading that object. */
  jobsFor(notice: Pick<ChangeNotice, 'system' | 'object'>): WatchedJob[] {
    return this.jobs.filter(
      (j) =>
        j.job.source === notice.system &&
        j.job.streams.some((s) => s.source.object.toLowerCase() === notice.object.toLowerCase()),
    );
  }

  notify(notices: ChangeNotice[], why: SyncTrigger = 'webhook'): void {
    const wake = new Set<WatchedJob>();
    for (const n of notices) for (const j of this.jobsFor(n)) wake.add(j);
    for (const j of wake) this.trigger(j, why);
  }

  /** Runs one job now (a change event for it was stored, or it must catch up on events it missed). */
  wake(jobName: string, why: SyncTrigger): void {
    const watched = this.jobs.find((j) => j.job.name === jobName);
    if (!watched) throw new Error(`no watched job named ${jobName}`);
    this.trigger(watched, why);
  }

  /** Runs every job once now: what no webhook announced is found through the cursors. */
  poll(): void {
    for (const j of this.jobs) this.trigger(j, 'poll');
  }

  /** Polls now and then every `everySeconds`. */
  start(): void {
    this.poll();
    const seconds = this.options.everySeconds;
    if (seconds && seconds > 0) {
      this.timer = setInterval(() => this.poll(), seconds * 1000);
      this.timer.unref();
    }
  }

  /** Stops polling and waits for runs in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    for (const s of this.states.values()) if (s.retry) clearTimeout(s.retry);
    await Promise.all([...this.states.values()].map((s) => s.running));
  }

  /** Resolves once no run is in progress or queued (for tests and the bench). */
  async idle(): Promise<void> {
    for (;;) {
      const running = [...this.states.values()].map((s) => s.running).filter(Boolean);
      if (running.length === 0) return;
      await Promise.all(running);
    }
  }

  private trigger(watched: WatchedJob, why: SyncTrigger): void {
    const state = this.states.get(watched.job.name)!;
    if (this.stopped) return;
    if (state.running) {
      // A catch-up outranks a wake-up in what the report says started the run.
      if (state.again !== 'catch-up') state.again = why;
      return;
    }
    state.running = this.runOnce(watched, why).finally(() => {
      state.running = null;
      const again = state.again;
      if (again && !this.stopped) {
        state.again = null;
        this.trigger(watched, again);
      }
    });
  }

  private retryLater(watched: WatchedJob, why: SyncTrigger): void {
    const state = this.states.get(watched.job.name)!;
    if (state.retry || this.stopped) return;
    state.retry = setTimeout(() => {
      state.retry = null;
      this.trigger(watched, why);
    }, this.options.busyRetryMs ?? 1000);
    state.retry.unref();
  }

  private async runOnce(watched: WatchedJob, why: SyncTrigger): Promise<void> {
    const { job } = watched;
    try {
      // Notices that arrived before this run starts are covered by it: the run reads past their changes.
      // Webhooks come from some CRMs: a job reading Dynamics or the Postgres mirror has none to wait for.
      const system = (WEBHOOK_SYSTEMS as readonly string[]).includes(job.source) ? (job.source as WebhookSystem) : null;
      const objects = system ? [...new Set(job.streams.map((s) => s.source.object))] : [];
      const covered: string[] = [];
      for (const object of objects) {
        let afterId: string | undefined;
        for (;;) {
          const page = await pendingNotices(this.db.pool, {
            system: system!,
            object,
            limit: 1000,
            ...(afterId ? { afterId } : {}),
          });
          covered.push(...page.map((n) => n.id));
          afterId = page.at(-1)?.id;
          if (page.length < 1000) break;
        }
      }
      const report = await runSync({ db: this.db, job, source: watched.source, target: watched.target });
      // A stream another process was running may have read before the change, and a stream that stopped on an error
      // may not have reached it: leave their notices for the next run. Records that failed wait in sync.pending.
      if (report.streams.every((s) => s.status === 'succeeded' || s.status === 'partial'))
        await markNoticesProcessed(this.db.pool, covered);
      else if (covered.length > 0 && report.streams.some((s) => s.status === 'busy')) this.retryLater(watched, why);
      this.options.onReport?.(report, why);
    } catch (error) {
      this.options.onError?.(job.name, error as Error);
    }
  }
}
