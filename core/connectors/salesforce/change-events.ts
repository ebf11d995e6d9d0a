import { StreamingExtension } from 'jsforce/lib/api/streaming';
import type { SalesforceClient } from './client';
import { SalesforceError } from './errors';
import { ChangeEventMessage, type ChangeType } from './schemas';

export type { ChangeType } from './schemas';

export { changeEventChannel, REPLAY_ALL_RETAINED, REPLAY_NEW_EVENTS } from './channel';

/** One change event, its header checked: what changed, in which records, and where the channel's replay stands. */
export interface ChangeEvent {
  channel: string;
  replayId: number;
  entityName: string;
  changeType: ChangeType;
  /** The records it concerns (several when Salesforce merged identical changes; none for GAP_OVERFLOW). */
  recordIds: string[];
  changedFields: string[];
  /** ISO time of the commit. */
  commitTimestamp: string;
  transactionKey: string;
  sequenceNumber: number;
  commitUser: string | null;
}

/** Something the subscription could not do: each needs the records read another way (a catch-up poll). */
export type ChangeEventProblem =
  | { kind: 'replay-invalid'; channel: string; replayId: number; message: string }
  | { kind: 'malformed'; channel: string; replayId: number | null; message: string }
  | { kind: 'refused'; channel: string; message: string }
  /** `onEvent` rejected: the event was received but not handled. */
  | { kind: 'not-handled'; channel: string; replayId: number; message: string };

export interface ChangeEventHandlers {
  /** Each event, in order: the next one waits until the promise settles. */
  onEvent(event: ChangeEvent): Promise<void>;
  /** A problem after the subscription was first acknowledged (a resubscription refused, an unreadable event). */
  onProblem(problem: ChangeEventProblem): void;
}

export interface ChangeEventSubscription {
  readonly channel: string;
  /** Disconnects from the CometD endpoint and waits for events being handled. */
  close(): Promise<void>;
}

interface BayeuxMessage {
  channel?: string;
  subscription?: string;
  successful?: boolean;
  error?: string;
  advice?: { reconnect?: string };
  ext?: { sfdc?: { failureReason?: string } };
}
type Extension = { incoming(message: BayeuxMessage, callback: (m: BayeuxMessage) => void): void };
interface FayeClient {
  subscribe(channel: string, listener: (message: unknown) => void): unknown;
  disconnect(): unknown;
  on(event: 'transport:down', listener: () => void): void;
}

const REPLAY_INVALID = /The replayId \{?(-?\d+)\}? you provided was invalid/;

/** The event from a message, or why it cannot be read. */
export function parseChangeEvent(channel: string, message: unknown): ChangeEvent | ChangeEventProblem {
  const parsed = ChangeEventMessage.safeParse({ channel, data: message });
  if (!parsed.success) {
    const replayId = (message as { event?: { replayId?: unknown } } | null)?.event?.replayId;
    const where = parsed.error.issues.map((i) => `${i.path.slice(1).join('.')}: ${i.message}`).join('; ');
    return {
      kind: 'malformed',
      channel,
      replayId: typeof replayId === 'number' ? replayId : null,
      message: `Salesforce change event on ${channel}${typeof replayId === 'number' ? ` (replay ID ${replayId})` : ''} could not be read: ${where}`,
    };
  }
  const { event, payload } = parsed.data.data;
  const h = payload.ChangeEventHeader;
  return {
    channel,
    replayId: event.replayId,
    entityName: h.entityName,
    changeType: h.changeType,
    recordIds: h.recordIds,
    changedFields: h.changedFields ?? [],
    commitTimestamp: new Date(h.commitTimestamp).toISOString(),
    transactionKey: h.transactionKey,
    sequenceNumber: h.sequenceNumber,
    commitUser: h.commitUser ?? null,
  };
}

/**
 * Subscribes to a change event channel through jsforce's streaming client (CometD over long polling) with its replay
 * extension: from `replayFrom` (a replay ID already handled, or -1 / -2). One CometD client per channel, since the
 * replay extension names one channel. Resolves once Salesforce acknowledged the subscription; rejects with a
 * SalesforceError when it refused it (`REPLAY_ID_INVALID` for a replay ID outside the retention window).
 * The faye client re-handshakes and resubscribes by itself after a dropped session, replaying from the last event it
 * received; a refusal then arrives through `onProblem`, since faye would otherwise go on silently subscribed to nothing.
 */
export async function subscribeChangeEvents(
  client: SalesforceClient,
  channel: string,
  replayFrom: number,
  handlers: ChangeEventHandlers,
): Promise<ChangeEventSubscription> {
  if (!/^\/data\/\w+$/.test(channel))
    throw new SalesforceError(
      `Invalid change event channel "${channel}" (e.g. /data/AccountChangeEvent)`,
      'INVALID_NAME',
    );
  try {
    return await subscribeOnce(client, channel, replayFrom, handlers);
  } catch (error) {
    // The CometD client sends the session token as it is. One REST call renews a token Salesforce no longer accepts
    // (jsforce logs in again on INVALID_SESSION_ID); the subscription is then tried once more.
    if (!(error instanceof SalesforceError && error.code === 'SESSION_REFUSED')) throw error;
    await client.call('Salesforce session renewal', (c) => c.request<unknown>('/limits', client.requestOptions));
    return subscribeOnce(client, channel, replayFrom, handlers);
  }
}

async function subscribeOnce(
  client: SalesforceClient,
  channel: string,
  replayFrom: number,
  handlers: ChangeEventHandlers,
): Promise<ChangeEventSubscription> {
  const conn = await client.connection();
  let acknowledged: ((error?: SalesforceError) => void) | null = null;
  /** Set by `close`: the answers to our own disconnect are no refusal. */
  let closing = false;
  const first = new Promise<void>((resolve, reject) => {
    acknowledged = (error) => (error ? reject(error) : resolve());
  });
  const refusal = (m: BayeuxMessage): ChangeEventProblem => {
    const error = m.ext?.sfdc?.failureReason ?? m.error ?? 'refused without a reason';
    const replay = REPLAY_INVALID.exec(error);
    return replay
      ? { kind: 'replay-invalid', channel, replayId: Number(replay[1]), message: error }
      : {
          kind: 'refused',
          channel,
          message: `Salesforce refused the change event subscription to ${channel}: ${error}`,
        };
  };
  const report = (problem: ChangeEventProblem, unreachable = false) => {
    if (!acknowledged) return handlers.onProblem(problem);
    const settle = acknowledged;
    acknowledged = null;
    settle(
      new SalesforceError(
        problem.kind === 'replay-invalid'
          ? `Salesforce refused replay ID ${problem.replayId} on ${channel}: ${problem.message}`
          : problem.message,
        problem.kind === 'replay-invalid'
          ? 'REPLAY_ID_INVALID'
          : /\b401::/.test(problem.message)
            ? 'SESSION_REFUSED'
            : 'SUBSCRIPTION_REFUSED',
        unreachable,
      ),
    );
  };
  // Watches the protocol's answers, which faye keeps to itself: subscription outcomes and refused sessions.
  const watcher: Extension = {
    incoming(m, callback) {
      if (m.channel === '/meta/subscribe' && m.subscription === channel) {
        if (m.successful) {
          const settle = acknowledged;
          acknowledged = null;
          settle?.();
        } else report(refusal(m));
      } else if (
        !closing &&
        m.successful === false &&
        (m.channel === '/meta/connect' || m.channel === '/meta/handshake') &&
        m.advice?.reconnect === 'none'
      )
        report(refusal(m));
      callback(m);
    },
  };
  const faye = conn.streaming.createClient([
    new StreamingExtension.Replay(channel, replayFrom),
    watcher,
  ]) as unknown as FayeClient;
  // Before the first acknowledgement, an endpoint that cannot be reached is reported (faye would retry forever);
  // afterwards faye reconnects by itself and resumes from the last event it received.
  faye.on('transport:down', () => {
    if (acknowledged)
      report(
        {
          kind: 'refused',
          channel,
          message: `Salesforce streaming endpoint ${conn.instanceUrl}/cometd/${conn.version} cannot be reached`,
        },
        true,
      );
  });
  let queue = Promise.resolve();
  faye.subscribe(channel, (message) => {
    const parsed = parseChangeEvent(channel, message);
    queue = queue.then(() =>
      'kind' in parsed
        ? handlers.onProblem(parsed)
        : handlers.onEvent(parsed).catch((error: unknown) =>
            handlers.onProblem({
              kind: 'not-handled',
              channel,
              replayId: parsed.replayId,
              message: (error as Error).message,
            }),
          ),
    );
  });
  try {
    await first;
  } catch (error) {
    faye.disconnect();
    throw error;
  }
  return {
    channel,
    async close() {
      closing = true;
      faye.disconnect();
      await queue;
    },
  };
}
