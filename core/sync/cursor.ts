import type { SourceRecord } from '../connectors/connector';

/** Orders `modified|id` cursors: by time, then by ID (numerically when both are numbers, as Pipedrive's are). */
export function compareCursors(a: string, b: string): number {
  const [ta, ia] = splitCursor(a);
  const [tb, ib] = splitCursor(b);
  if (ta !== tb) return ta < tb ? -1 : 1;
  if (/^\d+$/.test(ia) && /^\d+$/.test(ib)) return Math.sign(Number(ia) - Number(ib));
  return ia < ib ? -1 : ia > ib ? 1 : 0;
}

function splitCursor(cursor: string): [number, string] {
  const bar = cursor.lastIndexOf('|');
  return [Date.parse(bar < 0 ? cursor : cursor.slice(0, bar)), bar < 0 ? '' : cursor.slice(bar + 1)];
}

/** The time `seconds` before a cursor: where a run starts reading again. */
export function lookback(cursor: string, seconds: number): string {
  return new Date(splitCursor(cursor)[0] - seconds * 1000).toISOString();
}

export const cursorOf = (r: SourceRecord): string => {
  if (!r.modifiedAt) throw new Error(`${r.origin?.source ?? 'source'} record ${r.id} has no modified time, so the stream cannot resume after it`);
  return `${r.modifiedAt}|${r.id}`;
};

/** Where a stream resumes after a batch ending at `last`: never before the cursor it started from. */
export const advanced = (stored: string | null, last: string): string => (stored && compareCursors(last, stored) < 0 ? stored : last);
