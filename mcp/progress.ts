import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import type { ServerNotification, ServerRequest } from '@modelcontextprotocol/sdk/types.js';
import type { StreamCounts } from '../core/sync/outcome';

export type Extra = RequestHandlerExtra<ServerRequest, ServerNotification>;

/** At most one notification a second after the first: enough to keep a client's timeout alive, not a flood. */
const INTERVAL_MS = 1000;

export interface Progress {
  /**
   * `done` counts work in one phase; the value sent is the sum over phases, so it only grows, as the specification
   * asks, even when a new phase starts counting from 0.
   */
  report(phase: string, done: number, message?: string): void;
}

const ofCall = new WeakMap<Extra, Progress>();

/**
 * Progress for a call whose client sent a progressToken; without one, nothing is sent. One per call, however often
 * asked, so a plan shown for confirmation and the run after it count on together.
 */
export function progressOf(extra: Extra): Progress {
  let progress = ofCall.get(extra);
  if (!progress) ofCall.set(extra, (progress = newProgress(extra)));
  return progress;
}

function newProgress(extra: Extra): Progress {
  const progressToken = extra._meta?.progressToken;
  if (progressToken === undefined) return { report() {} };
  const phases = new Map<string, number>();
  let lastSent = 0;
  let lastValue = -1;
  return {
    report(phase, done, message) {
      phases.set(phase, Math.max(phases.get(phase) ?? 0, done));
      const progress = [...phases.values()].reduce((a, b) => a + b, 0);
      const now = Date.now();
      if (progress <= lastValue || now - lastSent < INTERVAL_MS) return;
      lastSent = now;
      lastValue = progress;
      // A notification the client can no longer receive (it went away) is not the tool's failure.
      extra
        .sendNotification({
          method: 'notifications/progress',
          params: { progressToken, progress, message: message ?? `${phase}: ${done}` },
        })
        .catch(() => undefined);
    },
  };
}

/** Records a sync stream has dealt with so far, whatever became of each (the engine's onBatch counts). */
export const handled = (c: StreamCounts) =>
  c.created + c.recreated + c.updated + c.unchanged + c.skipped + c.deferred + c.rejected + c.failed;

/** The text a cancelled call ends with: what was done is kept and said, nothing half-written. */
export const CANCELLED = 'cancelled by the client';
