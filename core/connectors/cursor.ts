import type { SourceRecord } from './connector';

/**
 * The `time|id` cursor of incremental reads: a record's modified time and ID, so records sharing a modified time are
 * neither skipped nor repeated. The CRM and Postgres connectors, the sync engine, `query_records` and the n8n trigger
 * share this one format; a connector narrows what it accepts (HubSpot also takes epoch milliseconds, Pipedrive integer IDs, Salesforce
 * 15-18 character Ids) and throws its own error, since only it knows what its API can take.
 */
export interface DecodedCursor {
  /** The time part exactly as written: Postgres compares it itself, with microseconds JavaScript would drop. */
  time: string;
  /** Null for a bare time (read everything after it). */
  id: string | null;
}

export function encodeCursor(time: string, id: string | number): string {
  return `${time}|${id}`;
}

/**
 * Splits at the first bar: no time contains one, while an ID may (a CSV export's or a mirror table's legacy IDs), and
 * splitting at the last bar would give such a cursor a time that is no time.
 */
export function decodeCursor(cursor: string): DecodedCursor {
  const bar = cursor.indexOf('|');
  return bar < 0 ? { time: cursor, id: null } : { time: cursor.slice(0, bar), id: cursor.slice(bar + 1) };
}

/** Milliseconds since the epoch of a cursor's time; NaN when it is not a time. */
export const instantOf = (cursor: string): number => Date.parse(decodeCursor(cursor).time);

const NUMERIC = /^\d+$/;

/**
 * Orders cursors: by time, then by ID, numerically when both are numbers (as Pipedrive's are: 9 before 10), otherwise
 * by UTF-16 code units. A bare time sorts before every cursor of the same time that names an ID.
 */
export function compareCursors(a: string, b: string): number {
  const ta = instantOf(a);
  const tb = instantOf(b);
  if (ta !== tb) return ta < tb ? -1 : 1;
  const ia = decodeCursor(a).id ?? '';
  const ib = decodeCursor(b).id ?? '';
  if (NUMERIC.test(ia) && NUMERIC.test(ib)) return Math.sign(Number(ia) - Number(ib));
  return ia < ib ? -1 : ia > ib ? 1 : 0;
}

/**
 * The ISO time `seconds` before a cursor: where a run starts reading again. Systems stamping changes to the second
 * (Salesforce, Pipedrive) can change a record with a smaller ID later in the cursor's own second.
 */
export function lookback(cursor: string, seconds: number): string {
  const instant = instantOf(cursor);
  if (Number.isNaN(instant))
    throw new Error(`Invalid cursor "${cursor}": expected an ISO time, optionally followed by |id`);
  return new Date(instant - seconds * 1000).toISOString();
}

/** Where a stream resumes after a batch ending at `last`: never before the cursor it started from. */
export const advanced = (stored: string | null, last: string): string =>
  stored && compareCursors(last, stored) < 0 ? stored : last;

/** The cursor just after a record, or null when its system gave it no modified time. */
export const cursorOf = (record: Pick<SourceRecord, 'id' | 'modifiedAt'>): string | null =>
  record.modifiedAt ? encodeCursor(record.modifiedAt, record.id) : null;

/** The cursor just after a record a stream must be able to resume after. */
export function requiredCursorOf(record: Pick<SourceRecord, 'id' | 'modifiedAt' | 'origin'>): string {
  const cursor = cursorOf(record);
  if (cursor === null)
    throw new Error(
      `${record.origin?.source ?? 'source'} record ${record.id} has no modified time, so the stream cannot resume after it`,
    );
  return cursor;
}
