import type { IDataObject } from 'n8n-workflow';
import { z } from 'zod';
import { compareCursors, instantOf, lookback } from '../../core/connectors/cursor';

/**
 * Seconds re-read before the cursor on every poll. Salesforce and Pipedrive stamp changes to the second, so a record
 * changed later in the cursor's own second, with a smaller ID, sorts before `modified|id` and a plain "after the
 * cursor" read would miss it for good (the sync engine re-reads the same kind of window).
 */
export const LOOKBACK_SECONDS = 5;

/**
 * Where the trigger stands, kept in the workflow's static data: the `modified|id` of the last record it emitted (or
 * the time it started "from now"); for each record it emitted (or noted) inside the look-back window, a fingerprint
 * of its values, so a re-read record is not emitted twice while one edited again within the same second (same stamp,
 * other values) still is; and the CRM object it applies to, so choosing another object starts afresh.
 */
const StateSchema = z.object({
  source: z.string().min(1),
  cursor: z.string().min(1),
  seen: z.record(z.string(), z.string()).default({}),
});
export interface PollState {
  cursor: string;
  /** `modified|id` -> fingerprint of the values emitted under that stamp. */
  seen: Record<string, string>;
}
export type Seen = [key: string, fingerprint: string];

export function loadState(staticData: IDataObject, source: string): PollState | undefined {
  const parsed = StateSchema.safeParse(staticData);
  return parsed.success && parsed.data.source === source
    ? { cursor: parsed.data.cursor, seen: parsed.data.seen }
    : undefined;
}

export function saveState(staticData: IDataObject, source: string, state: PollState): void {
  staticData.source = source;
  staticData.cursor = state.cursor;
  staticData.seen = state.seen;
}

/** The ISO time a poll reads after: the look-back window before the cursor. */
export function windowStart(cursor: string): string {
  return lookback(cursor, LOOKBACK_SECONDS);
}

/** The state after emitting `emitted` (keys in read order): the cursor never moves back, the window moves on. */
export function advance(state: PollState | undefined, emitted: Seen[], noted: Seen[] = []): PollState {
  const last = emitted.at(-1)?.[0];
  const base = state?.cursor ?? last;
  if (base === undefined) throw new Error('a poll state needs a cursor or an emitted record');
  const cursor = last !== undefined && compareCursors(last, base) > 0 ? last : base;
  const from = instantOf(cursor) - LOOKBACK_SECONDS * 1000;
  const seen = Object.fromEntries(
    [...Object.entries(state?.seen ?? {}), ...noted, ...emitted].filter(([key]) => instantOf(key) >= from),
  );
  return { cursor, seen };
}
