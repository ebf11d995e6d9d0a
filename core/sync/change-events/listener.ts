import type { Connector } from '../../connectors/connector';
import type {
  ChangeEvent,
  ChangeEventHandlers,
  ChangeEventProblem,
  ChangeEventSubscription,
} from '../../connectors/salesforce';
import { REPLAY_NEW_EVENTS } from '../../connectors/salesforce/channel';
import { SalesforceError } from '../../connectors/salesforce/errors';
import type { Database } from '../../db/database';
import { openChannelLocks, type ChannelLocks } from './locks';
import { channelStates, recordCatchUp, recordChangeEvent } from './store';

/** A connector that can subscribe to change events (Salesforce's). */
export interface ChangeEventSource {
  subscribeChangeEvents(
    channel: string,
    replayFrom: number,
    handlers: ChangeEventHandlers,
  ): Promise<ChangeEventSubscription>;
}

export function canSubscribe(connector: Connector): connector is Connector & ChangeEventSource {
  return typeof (connector as Partial<ChangeEventSource>).subscribeChangeEvents === 'function';
}

/** What happened on a channel, without its job and channel. */
export type ChannelNews =
  | { kind: 'subscribed'; replayFrom: number | null }
  | { kind: 'standby' }
  | { kind: 'event'; replayId: number; entityName: string; changeType: string; records: number }
  | { kind: 'catch-up'; reason: string }
  | { kind: 'error'; message: string };

export type ChangeEventLogEntry = { job: string; channel: string } & ChannelNews;

/**
 * A subscriber of change events: a sync job (its name), or anything else that keeps its own place per channel (an
 * n8n trigger could use its workflow and node). Its replay IDs and counts are stored under `name`.
 */
export interface ListenedJob {
  name: string;
  source: Connector;
  channels: string[];
  /**
   * The objects it reads (a job's stream objects). Events of others (`/data/ChangeEvents` carries every object) move
   * the replay ID on and are counted, but store no notice and wake nothing. Absent: every object.
   */
  objects?: string[];
  /** Store each record as a change notice for the sync engine (default true; an n8n trigger hands events on instead). */
  notices?: boolean;
}

export interface ChangeEventListenerOptions {
  /** An event's records are stored as change notices: run the job (it reads them through its cursor). */
  wake(job: string, event: ChangeEvent): void;
  /**
   * Hands a change event (not a gap) of the subscriber's objects on before its replay ID is kept, so a process
   * stopping in between hands it on again after a restart rather than never (an n8n trigger emitting it).
   */
  deliver?(job: string, event: ChangeEvent): void | Promise<void>;
  /** Salesforce cannot say which records changed (replay ID refused, gap or overflow event): run the job's read now. */
  catchUp(job: string): void;
  log?(entry: ChangeEventLogEntry): void;
  /** Seconds between attempts at a channel that is not subscribed: refused, unreachable, or another process has it. */
  retrySeconds?: number;
}

/**
 * Salesforce Change Data Capture for sync jobs: one subscription per job and channel, resumed from the replay ID
 * stored with the notices of the last event handled. A refused replay ID (outside the retention window, another org),
 * a gap or an overflow event, or an unreadable event starts a catch-up poll, counted per channel; polling stays the
 * fallback. With a server database, one process subscribes to each channel (advisory lock), the others wait on standby.
 */
export class ChangeEventListener {
  private readonly workers: ChannelWorker[] = [];
  private locks: ChannelLocks | null = null;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private ticking: Promise<void> = Promise.resolve();

  constructor(
    readonly db: Database,
    jobs: ListenedJob[],
    readonly options: ChangeEventListenerOptions,
  ) {
    for (const { name, source, channels, objects, notices } of jobs) {
      if (!canSubscribe(source))
        throw new Error(`Job ${name}: its source (${source.system}) has no change events to subscribe to`);
      const wanted = objects ? new Set(objects.map((o) => o.toLowerCase())) : null;
      for (const channel of new Set(channels))
        this.workers.push(new ChannelWorker(this, name, source, channel, wanted, notices ?? true));
    }
  }

  get channels(): Array<{ job: string; channel: string; state: ChannelWorker['state'] }> {
    return this.workers.map((w) => ({ job: w.job, channel: w.channel, state: w.state }));
  }

  /** Subscribes every channel it can now (resolves once each was tried), then retries the others periodically. */
  async start(): Promise<void> {
    this.locks = await openChannelLocks(this.db);
    await this.tick();
    const seconds = this.options.retrySeconds ?? 10;
    this.timer = setInterval(() => void (this.ticking = this.ticking.then(() => this.tick())), seconds * 1000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.ticking;
    await Promise.all(this.workers.map((w) => w.release()));
    await this.locks?.close();
  }

  lock(name: string): Promise<boolean> {
    return this.stopped || !this.locks ? Promise.resolve(false) : this.locks.tryLock(name);
  }

  unlock(name: string): Promise<void> {
    return this.locks?.unlock(name) ?? Promise.resolve();
  }

  log(entry: ChangeEventLogEntry): void {
    this.options.log?.(entry);
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    // The held connection died: its locks went with it, so another process may be subscribing already.
    if (this.locks && !(await this.locks.alive())) {
      await Promise.all(this.workers.map((w) => w.release()));
      await this.locks.close();
      this.locks = null;
    }
    this.locks ??= await openChannelLocks(this.db).catch(() => null);
    for (const w of this.workers) await w.attempt();
  }
}

class ChannelWorker {
  state: 'off' | 'standby' | 'subscribing' | 'on' = 'off';
  private subscription: ChangeEventSubscription | null = null;
  /** The replay ID stored for this channel: the position every event's compare-and-set starts from. */
  private replayId: number | null = null;
  private locked = false;

  constructor(
    private readonly owner: ChangeEventListener,
    readonly job: string,
    private readonly source: ChangeEventSource,
    readonly channel: string,
    private readonly objects: Set<string> | null,
    private readonly notices: boolean,
  ) {}

  private get lockName(): string {
    return `${this.job}:${this.channel}`;
  }

  private log(news: ChannelNews): void {
    this.owner.log({ job: this.job, channel: this.channel, ...news });
  }

  async attempt(): Promise<void> {
    if (this.state === 'on' || this.state === 'subscribing') return;
    this.locked = await this.owner.lock(this.lockName).catch(() => false);
    if (!this.locked) {
      if (this.state !== 'standby') this.log({ kind: 'standby' });
      this.state = 'standby';
      return;
    }
    this.state = 'subscribing';
    try {
      const stored = (await channelStates(this.owner.db.pool, this.job)).find((s) => s.channel === this.channel);
      this.replayId = stored?.replayId ?? null;
      await this.subscribe(this.replayId ?? REPLAY_NEW_EVENTS);
    } catch (error) {
      this.log({ kind: 'error', message: (error as Error).message });
      await this.release();
    }
  }

  private async subscribe(from: number): Promise<void> {
    try {
      this.subscription = await this.source.subscribeChangeEvents(this.channel, from, {
        onEvent: (event) => this.onEvent(event),
        onProblem: (problem) => void this.onProblem(problem),
      });
    } catch (error) {
      if (!(error instanceof SalesforceError && error.code === 'REPLAY_ID_INVALID')) throw error;
      return this.resumeFromNow(error.message);
    }
    this.state = 'on';
    this.log({ kind: 'subscribed', replayFrom: from === REPLAY_NEW_EVENTS ? null : from });
  }

  /**
   * Salesforce cannot replay from the stored replay ID (older than its retention window, or from an org that no longer knows
   * it): subscribe for new events and read what was missed through the stream's cursor.
   */
  private async resumeFromNow(reason: string): Promise<void> {
    await recordCatchUp(this.owner.db.pool, this.job, this.channel, reason, true);
    this.replayId = null;
    this.log({ kind: 'catch-up', reason });
    await this.subscription?.close();
    this.subscription = null;
    await this.subscribe(REPLAY_NEW_EVENTS);
    this.owner.options.catchUp(this.job);
  }

  private async onEvent(event: ChangeEvent): Promise<void> {
    const ours = !this.objects || this.objects.has(event.entityName.toLowerCase());
    if (ours && !event.changeType.startsWith('GAP_')) await this.owner.options.deliver?.(this.job, event);
    const stored = ours && this.notices ? event : { ...event, recordIds: [] };
    const { advanced } = await recordChangeEvent(this.owner.db.pool, this.job, stored, this.replayId);
    if (!advanced) {
      this.log({
        kind: 'error',
        message: `another subscriber moved the replay ID of ${this.channel}: leaving it to it`,
      });
      void this.release();
      return;
    }
    this.replayId = event.replayId;
    const { entityName, changeType, recordIds } = event;
    this.log({ kind: 'event', replayId: event.replayId, entityName, changeType, records: recordIds.length });
    if (!ours) return;
    if (!changeType.startsWith('GAP_')) return this.owner.options.wake(this.job, event);
    const reason = `${changeType} event ${event.replayId} on ${entityName}`;
    await recordCatchUp(this.owner.db.pool, this.job, this.channel, reason, false);
    this.log({ kind: 'catch-up', reason });
    this.owner.options.catchUp(this.job);
  }

  private async onProblem(problem: ChangeEventProblem): Promise<void> {
    try {
      if (problem.kind === 'replay-invalid')
        return await this.resumeFromNow(
          `Salesforce refused replay ID ${problem.replayId} on ${this.channel}: ${problem.message}`,
        );
      this.log({ kind: 'error', message: problem.message });
      if (problem.kind === 'refused') return await this.release();
      // An event received but not stored (unreadable, or the database failed): its records are read by a catch-up.
      if (problem.kind === 'malformed')
        await recordCatchUp(this.owner.db.pool, this.job, this.channel, problem.message, false).catch(() => undefined);
      this.log({ kind: 'catch-up', reason: problem.message });
      this.owner.options.catchUp(this.job);
    } catch (error) {
      this.log({ kind: 'error', message: (error as Error).message });
      await this.release();
    }
  }

  /** Stops subscribing and lets another process (or the next attempt) take the channel. */
  async release(): Promise<void> {
    const subscription = this.subscription;
    this.subscription = null;
    this.state = 'off';
    await subscription?.close().catch(() => undefined);
    if (this.locked) {
      this.locked = false;
      await this.owner.unlock(this.lockName);
    }
  }
}
