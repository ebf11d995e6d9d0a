import { createHash } from 'node:crypto';
import type { Connector, Rejection, SourceRecord } from '../../core/connectors/connector';
import { encodeCursor } from '../../core/connectors/cursor';
import { advance, LOOKBACK_SECONDS, windowStart, type PollState, type Seen } from './cursor';

const BEGINNING = '1970-01-01T00:00:00.000Z';

function seenOf(record: SourceRecord, object: string): Seen {
  if (!record.modifiedAt)
    throw new Error(
      `${object} record ${record.id} has no modified time, so the trigger cannot tell what changed after it`,
    );
  const values = Object.entries(record.properties).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return [
    encodeCursor(record.modifiedAt, record.id),
    createHash('sha256').update(JSON.stringify(values)).digest('base64url').slice(0, 16),
  ];
}

/**
 * Records changed since the state's cursor, oldest change first, at most `maxItems` of them; records of the look-back
 * window already emitted with the same values are passed over and do not count. Returns the state to keep once they are emitted.
 */
export async function readChanges(
  connector: Connector,
  object: string,
  properties: string[],
  state: PollState | undefined,
  maxItems: number,
): Promise<{ records: SourceRecord[]; rejected: Rejection[]; next: PollState | undefined }> {
  const seen = state?.seen ?? {};
  const records: SourceRecord[] = [];
  const emitted: Seen[] = [];
  const rejected: Rejection[] = [];
  const since = state ? windowStart(state.cursor) : BEGINNING;
  for await (const item of connector.read(object, { since, ...(properties.length ? { properties } : {}) })) {
    if (item.type === 'rejected') {
      rejected.push(item.rejection);
      continue;
    }
    const [key, fingerprint] = seenOf(item.record, object);
    if (seen[key] === fingerprint) continue;
    records.push(item.record);
    emitted.push([key, fingerprint]);
    if (records.length === maxItems) break;
  }
  return { records, rejected, next: records.length ? advance(state, emitted) : state };
}

/**
 * The first poll "from now": the records changed in the look-back window before now are noted as seen, not emitted,
 * so the next poll emits only what changes from here on, same-second changes included. Fingerprints cover the
 * properties read, so these are the properties the later polls read.
 */
export async function startFromNow(
  connector: Connector,
  object: string,
  properties: string[],
  now = Date.now(),
): Promise<PollState> {
  const cursor = new Date(now).toISOString();
  const noted: Seen[] = [];
  for await (const item of connector.read(object, {
    since: new Date(now - LOOKBACK_SECONDS * 1000).toISOString(),
    ...(properties.length ? { properties } : {}),
  })) {
    if (item.type === 'record') noted.push(seenOf(item.record, object));
  }
  return advance({ cursor, seen: {} }, [], noted);
}
