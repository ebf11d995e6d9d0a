import { createHash, randomUUID } from 'node:crypto';
import type { ChangeCapture, RecordChange, RecordChangeType } from './capture';

export type GapChangeType = 'GAP_CREATE' | 'GAP_UPDATE' | 'GAP_DELETE' | 'GAP_UNDELETE';
export type ChangeType = RecordChangeType | GapChangeType | 'GAP_OVERFLOW';

/** The channel of every change event of the org. */
export const ALL_CHANGE_EVENTS = '/data/ChangeEvents';

/** An object's change event channel: `Account` -> `/data/AccountChangeEvent`, `Loan__c` -> `/data/Loan__ChangeEvent`. */
export function changeEventChannel(entityName: string): string {
  return `/data/${entityName.endsWith('__c') ? entityName.slice(0, -1) : entityName}ChangeEvent`;
}

/** An event as the bus keeps it, and its `data` exactly as a subscriber receives it. */
export interface PublishedEvent {
  replayId: number;
  entityName: string;
  /** When it was published (ms), for the retention window. */
  at: number;
  data: { schema: string; payload: Record<string, unknown>; event: { replayId: number } };
}

export interface RetentionOptions {
  /** Most events kept (default 10,000; Salesforce keeps three days' worth, however many). */
  events?: number;
  /** Longest an event is kept, in ms (default 72 hours, as Salesforce). */
  ms?: number;
}

const SF_STAMP = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3})\+0000$/;

/**
 * The org's change event bus: each committed transaction's record changes become change events (changes of one
 * entity and type that set the same values merge into one event naming several records, as Salesforce merges them),
 * numbered by replay ID and kept for the retention window; gap and overflow events are published on demand.
 */
export class ChangeEventBus {
  /** Published events from `head` on are retained (dropping from the front is amortised, not a copy per event). */
  private log: PublishedEvent[] = [];
  private head = 0;
  private last = 0;
  /** The highest replay ID no longer retained: a subscriber that has not seen past it has missed events. */
  private purgedThrough = 0;
  private commitNumber = 0;
  private readonly listeners = new Set<(event: PublishedEvent) => void>();
  readonly retention: Required<RetentionOptions>;

  constructor(
    capture: ChangeCapture,
    private readonly commitUser: string,
    private readonly knows: (entityName: string) => boolean,
    private readonly now: () => Date,
    retention: RetentionOptions = {},
  ) {
    this.retention = { events: retention.events ?? 10_000, ms: retention.ms ?? 72 * 3600 * 1000 };
    capture.listen((changes) => this.publishTransaction(changes));
  }

  /** Called with every event published, in replay ID order. */
  onPublish(listener: (event: PublishedEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get latestReplayId(): number {
    return this.last;
  }

  /** The events still retained, oldest first. */
  get events(): readonly PublishedEvent[] {
    this.purge();
    return this.log.slice(this.head);
  }

  channelExists(channel: string): boolean {
    if (channel === ALL_CHANGE_EVENTS) return true;
    const m = /^\/data\/(\w+?)(__)?ChangeEvent$/.exec(channel);
    return !!m && this.knows(m[2] ? `${m[1]}__c` : m[1]!);
  }

  carries(channel: string, event: PublishedEvent): boolean {
    return channel === ALL_CHANGE_EVENTS || channel === changeEventChannel(event.entityName);
  }

  /** -1 (new events only), -2 (every retained event), or a replay ID whose successors are all still retained. */
  replayValid(replayId: number): boolean {
    this.purge();
    if (replayId === -1 || replayId === -2) return true;
    return Number.isInteger(replayId) && replayId >= this.purgedThrough && replayId <= this.last;
  }

  /** The retained events of `channel` a subscription replaying from `replayId` receives first. */
  after(channel: string, replayId: number): PublishedEvent[] {
    if (replayId === -1) return [];
    return this.events.filter((e) => e.replayId > replayId && this.carries(channel, e));
  }

  /** Drops retained events up to `replayId` (default: all), as the retention window does with time. */
  expire(replayId = this.last): void {
    while (this.head < this.log.length && this.log[this.head]!.replayId <= replayId) this.head++;
    this.purgedThrough = Math.max(this.purgedThrough, Math.min(replayId, this.last));
    this.compact();
  }

  /** Publishes a gap event: Salesforce could not describe these changes; a subscriber must read the records. */
  gap(entityName: string, changeType: GapChangeType, recordIds: string[]): PublishedEvent {
    return this.publish([{ entityName, changeType, recordIds, fields: {}, changedFields: [] }])[0]!;
  }

  /** Publishes an overflow event: a transaction changed more records than events can name (no record IDs). */
  overflow(entityName: string): PublishedEvent {
    return this.publish([{ entityName, changeType: 'GAP_OVERFLOW', recordIds: [], fields: {}, changedFields: [] }])[0]!;
  }

  private publishTransaction(changes: RecordChange[]): void {
    // Creates carry whole records, which rarely agree: only updates and deletes are worth comparing for a merge.
    const merged = new Map<string, EventDraft>();
    const drafts: EventDraft[] = [];
    for (const c of changes) {
      const key =
        c.changeType === 'UPDATE' || c.changeType === 'DELETE'
          ? `${c.entityName}\u0000${c.changeType}\u0000${JSON.stringify(c.fields)}`
          : null;
      const draft = key === null ? undefined : merged.get(key);
      if (draft) draft.recordIds.push(c.recordId);
      else {
        const fresh = { ...c, recordIds: [c.recordId] };
        drafts.push(fresh);
        if (key !== null) merged.set(key, fresh);
      }
    }
    this.publish(drafts);
  }

  private publish(drafts: EventDraft[]): PublishedEvent[] {
    const transaction = {
      key: randomUUID().replace(/-/g, ''),
      commitTimestamp: this.now().getTime(),
      commitNumber: ++this.commitNumber,
    };
    const events = drafts.map(
      (d, i): PublishedEvent => new Published(++this.last, d, i + 1, transaction, this.commitUser, this.schemaOf(d)),
    );
    this.log.push(...events);
    this.purge();
    for (const e of events) for (const listener of this.listeners) listener(e);
    return events;
  }

  private readonly schemas = new Map<string, string>();

  /** The event schema's ID Salesforce sends with each event: one per object. */
  private schemaOf(d: EventDraft): string {
    let id = this.schemas.get(d.entityName);
    if (!id)
      this.schemas.set(d.entityName, (id = createHash('sha1').update(d.entityName).digest('base64url').slice(0, 22)));
    return id;
  }

  private purge(): void {
    const oldest = Date.now() - this.retention.ms;
    const before = this.head;
    this.head = Math.max(this.head, this.log.length - this.retention.events);
    while (this.head < this.log.length && this.log[this.head]!.at < oldest) this.head++;
    if (this.head === before) return;
    this.purgedThrough = Math.max(this.purgedThrough, this.log[this.head - 1]!.replayId);
    this.compact();
  }

  private compact(): void {
    if (this.head > 1024 && this.head * 2 > this.log.length) {
      this.log = this.log.slice(this.head);
      this.head = 0;
    }
  }
}

/** An event whose message is built when first delivered: most events of a busy org are never asked for. */
class Published implements PublishedEvent {
  readonly at = Date.now();
  readonly entityName: string;
  private built: PublishedEvent['data'] | null = null;

  constructor(
    readonly replayId: number,
    private readonly draft: EventDraft,
    private readonly sequenceNumber: number,
    private readonly transaction: { key: string; commitTimestamp: number; commitNumber: number },
    private readonly commitUser: string,
    private readonly schema: string,
  ) {
    this.entityName = draft.entityName;
  }

  get data(): PublishedEvent['data'] {
    if (this.built) return this.built;
    const d = this.draft;
    const payload: Record<string, unknown> = {
      ChangeEventHeader: {
        entityName: d.entityName,
        recordIds: d.recordIds,
        changeType: d.changeType,
        changeOrigin: 'com/salesforce/api/rest/60.0',
        transactionKey: this.transaction.key,
        sequenceNumber: this.sequenceNumber,
        commitTimestamp: this.transaction.commitTimestamp,
        commitNumber: this.transaction.commitNumber,
        commitUser: this.commitUser,
        nulledFields: Object.keys(d.fields).filter((k) => d.fields[k] === null),
        diffFields: [],
        changedFields: d.changedFields,
      },
    };
    for (const [k, v] of Object.entries(d.fields))
      payload[k] = typeof v === 'string' && SF_STAMP.test(v) ? v.replace(SF_STAMP, '$1Z') : v;
    return (this.built = { schema: this.schema, payload, event: { replayId: this.replayId } });
  }
}

interface EventDraft {
  entityName: string;
  changeType: ChangeType;
  recordIds: string[];
  fields: Record<string, unknown>;
  changedFields: string[];
}
