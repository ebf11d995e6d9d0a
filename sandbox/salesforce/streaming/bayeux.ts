import { randomBytes } from 'node:crypto';
import type { ChangeEventBus, PublishedEvent } from './bus';

type Message = Record<string, unknown> & { channel?: unknown; id?: unknown; clientId?: unknown };

interface Client {
  id: string;
  channels: Set<string>;
  queue: Message[];
  /** The held `/meta/connect` (long poll): answered when events arrive or the hold ends. */
  waiting: { answer: () => void; timer: NodeJS.Timeout } | null;
  connected: boolean;
  /** Why the server let it go: its own disconnect, or the server forgot it (its connect must handshake again). */
  gone: 'disconnected' | 'forgotten' | null;
  lastSeen: number;
}

export interface BayeuxOptions {
  /** How long a `/meta/connect` is held when there is nothing to deliver (default 110 s, as Salesforce). */
  holdMs?: number;
  /** A client that has not connected for this long is forgotten (default 40 s): its next call gets 403::Unknown client. */
  clientTimeoutMs?: number;
}

/** What the emulator saw of one Bayeux message, for tests (never a token). */
export interface BayeuxLogEntry {
  channel: string;
  clientId?: string;
  subscription?: string;
  replay?: unknown;
  error?: string;
}

const ADVICE = { interval: 0, timeout: 110_000, reconnect: 'retry' };

/**
 * Salesforce's CometD (Bayeux 1.0) endpoint for change events, long-polling only: handshake (with the replay
 * extension advertised), connect (held until events come), subscribe with `ext.replay` (channel -> replay ID; -1 new
 * events only, -2 every retained event), unsubscribe and disconnect, with Salesforce's error texts
 * (`400::The replayId {N} you provided was invalid…`, `403::Unknown client`, `401::Authentication invalid`).
 */
export class BayeuxServer {
  private readonly clients = new Map<string, Client>();
  readonly log: BayeuxLogEntry[] = [];
  private readonly holdMs: number;
  private readonly clientTimeoutMs: number;

  constructor(
    private readonly bus: ChangeEventBus,
    options: BayeuxOptions = {},
  ) {
    this.holdMs = options.holdMs ?? 110_000;
    this.clientTimeoutMs = options.clientTimeoutMs ?? 40_000;
    bus.onPublish((event) => this.deliver(event));
  }

  /** Clients connected now (handshaken and not gone). */
  get clientCount(): number {
    this.forgetIdle();
    return this.clients.size;
  }

  /** Forgets every client, as a Salesforce server switch does: their next connect is told to handshake again. */
  dropClients(): void {
    for (const c of [...this.clients.values()]) this.remove(c, 'forgotten');
  }

  /** Answers held connects (before the server closes). */
  stop(): void {
    for (const c of this.clients.values()) c.waiting?.answer();
  }

  /** One POST to `/cometd/<version>`: the messages it carries, answered in order (a connect last, once it may). */
  async handle(body: string, authorized: boolean): Promise<{ status: number; messages: Message[] }> {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      return { status: 400, messages: [{ successful: false, error: '400::Message is not valid JSON' }] };
    }
    const messages = (Array.isArray(parsed) ? parsed : [parsed]).filter(
      (m): m is Message => typeof m === 'object' && m !== null,
    );
    this.forgetIdle();
    const replies: Message[] = [];
    let connect: Message | null = null;
    for (const m of messages) {
      if (m.channel === '/meta/connect') connect = m;
      else replies.push(this.answer(m, authorized));
    }
    if (connect) replies.push(...(await this.connect(connect, authorized)));
    return { status: 200, messages: replies };
  }

  private answer(m: Message, authorized: boolean): Message {
    const channel = String(m.channel ?? '');
    const base = { channel, ...(m.id !== undefined ? { id: m.id } : {}) };
    const fail = (error: string, extra: Message = {}): Message => {
      this.log.push({ channel, ...(typeof m.clientId === 'string' ? { clientId: m.clientId } : {}), error });
      return { ...base, ...extra, successful: false, error };
    };
    if (channel === '/meta/handshake') {
      if (!authorized)
        return fail('403::Handshake denied', {
          ext: { sfdc: { failureReason: '401::Authentication invalid' } },
          advice: { reconnect: 'none' },
        });
      const id = randomBytes(14).toString('base64url');
      this.clients.set(id, {
        id,
        channels: new Set(),
        queue: [],
        waiting: null,
        connected: false,
        gone: null,
        lastSeen: Date.now(),
      });
      this.log.push({ channel, clientId: id });
      return {
        ...base,
        version: '1.0',
        minimumVersion: '1.0',
        clientId: id,
        supportedConnectionTypes: ['long-polling'],
        ext: { replay: true, 'payload.format': true },
        successful: true,
      };
    }
    const known = this.session(m, authorized, fail);
    if ('refusal' in known) return known.refusal;
    const { client } = known;
    const withClient = { ...base, clientId: client.id };
    if (channel === '/meta/disconnect') {
      this.remove(client, 'disconnected');
      this.log.push({ channel, clientId: client.id });
      return { ...withClient, successful: true };
    }
    if (channel !== '/meta/subscribe' && channel !== '/meta/unsubscribe')
      return fail(`403::Publish denied {${channel}}`);
    const subscription = m.subscription;
    if (typeof subscription !== 'string' || !subscription) return fail('400::Channel name not specified');
    const sub = { ...withClient, subscription };
    if (channel === '/meta/unsubscribe') {
      client.channels.delete(subscription);
      this.log.push({ channel, clientId: client.id, subscription });
      return { ...sub, successful: true };
    }
    if (!subscription.startsWith('/'))
      return fail("400::Channel subscriptions must start with a leading '/'", { subscription });
    if (!this.bus.channelExists(subscription))
      return fail(`400::The channel you requested to subscribe to does not exist {${subscription}}`, { subscription });
    const map = (m.ext as { replay?: unknown } | undefined)?.replay;
    const replayMap = typeof map === 'object' && map !== null ? (map as Record<string, unknown>) : undefined;
    if (replayMap && !(subscription in replayMap))
      return fail(
        `400::The replayId for channel {${subscription}} wasn't found using the provided replay ID map {${JSON.stringify(replayMap)}}. Ensure that the channel name you provided in the replay map is valid and matches the channel name used for subscribing.`,
        { subscription },
      );
    const replay = replayMap ? Number(replayMap[subscription]) : -1;
    this.log.push({ channel, clientId: client.id, subscription, replay: replayMap?.[subscription] ?? null });
    if (!this.bus.replayValid(replay)) {
      const error = `400::The replayId {${String(replayMap?.[subscription])}} you provided was invalid.  Please provide a valid ID, -2 to replay all events, or -1 to replay only new events.`;
      this.log.at(-1)!.error = error;
      return { ...sub, successful: false, error };
    }
    client.channels.add(subscription);
    for (const e of this.bus.after(subscription, replay)) client.queue.push({ channel: subscription, data: e.data });
    if (client.queue.length) client.waiting?.answer();
    return { ...sub, successful: true };
  }

  /** The caller's client, or the refusal to answer with: not authorized, or a client this server does not know. */
  private session(
    m: Message,
    authorized: boolean,
    fail: (error: string, extra: Message) => Message,
  ): { client: Client } | { refusal: Message } {
    if (!authorized)
      return { refusal: fail('401::Authentication invalid', { advice: { reconnect: 'none', interval: 0 } }) };
    const client = typeof m.clientId === 'string' ? this.clients.get(m.clientId) : undefined;
    if (!client) return { refusal: fail('403::Unknown client', { advice: { reconnect: 'handshake', interval: 0 } }) };
    client.lastSeen = Date.now();
    return { client };
  }

  private async connect(m: Message, authorized: boolean): Promise<Message[]> {
    const base = { channel: '/meta/connect', ...(m.id !== undefined ? { id: m.id } : {}) };
    const known = this.session(m, authorized, (error, extra) => {
      this.log.push({
        channel: base.channel,
        ...(typeof m.clientId === 'string' ? { clientId: m.clientId } : {}),
        error,
      });
      return { ...base, ...extra, successful: false, error };
    });
    if ('refusal' in known) return [known.refusal];
    const { client } = known;
    client.waiting?.answer();
    // The first connect of a session returns at once with the advice (how long later connects are held).
    if (client.connected && client.queue.length === 0) {
      await new Promise<void>((resolve) => {
        const answer = () => {
          clearTimeout(timer);
          if (client.waiting?.answer === answer) client.waiting = null;
          resolve();
        };
        const timer = setTimeout(answer, this.holdMs);
        client.waiting = { answer, timer };
      });
    }
    client.connected = true;
    client.lastSeen = Date.now();
    if (client.gone === 'forgotten') {
      this.log.push({ channel: base.channel, clientId: client.id, error: '403::Unknown client' });
      return [
        { ...base, successful: false, error: '403::Unknown client', advice: { reconnect: 'handshake', interval: 0 } },
      ];
    }
    if (client.gone)
      return [{ ...base, clientId: client.id, successful: true, advice: { ...ADVICE, reconnect: 'none' } }];
    return [...client.queue.splice(0), { ...base, clientId: client.id, successful: true, advice: ADVICE }];
  }

  private deliver(event: PublishedEvent): void {
    for (const client of this.clients.values()) {
      let queued = false;
      for (const channel of client.channels) {
        if (!this.bus.carries(channel, event)) continue;
        client.queue.push({ channel, data: event.data });
        queued = true;
      }
      if (queued) client.waiting?.answer();
    }
  }

  private remove(client: Client, why: NonNullable<Client['gone']>): void {
    client.gone = why;
    this.clients.delete(client.id);
    client.waiting?.answer();
  }

  private forgetIdle(): void {
    const now = Date.now();
    for (const c of [...this.clients.values()])
      if (!c.waiting && now - c.lastSeen > this.clientTimeoutMs) this.remove(c, 'forgotten');
  }
}
