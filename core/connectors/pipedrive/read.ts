import type { ReadItem, ReadOptions } from '../connector';
import type { Value } from '../connector';
import { decodeCursor, encodeCursor } from '../cursor';
import type { PipedriveClient } from './client';
import { selectFields, type FieldInfo, type PipedriveFields } from './describe';
import { PipedriveError } from './errors';
import { COST, type PipedriveObject } from './options';
import { parseReply, RecordPage, type RawRecord } from './schemas';

/** Cursor of an incremental read: the last `update_time` and ID seen, so equal timestamps are not skipped. */
export function encodePipedriveCursor(updateTime: string, id: string | number): string {
  return encodeCursor(updateTime, id);
}

/** The shared cursor with Pipedrive's integer IDs, compared as numbers. */
function decodePipedriveCursor(cursor: string): { time: number; id: number | null } {
  const decoded = decodeCursor(cursor);
  const time = Date.parse(decoded.time);
  const id = decoded.id === null ? null : Number(decoded.id);
  if (Number.isNaN(time) || (id !== null && !Number.isInteger(id))) {
    throw new PipedriveError(`Invalid Pipedrive cursor "${cursor}": expected an ISO time, optionally followed by |id`);
  }
  return { time, id };
}

export interface ListParams {
  since?: string;
  limit: number;
  cursor?: string;
  ids?: string;
  updated_until?: string;
  sort_by?: 'id' | 'update_time' | 'add_time';
  sort_direction?: 'asc' | 'desc';
}

/** One page of the v2 list endpoint (oldest change first unless `sort_by` says otherwise), checked at arrival. */
export async function listPage(
  client: PipedriveClient,
  what: string,
  object: PipedriveObject,
  { since, ...rest }: ListParams,
): Promise<RecordPage> {
  const params = { updated_since: since, sort_by: 'update_time' as const, sort_direction: 'asc' as const, ...rest };
  const { apis } = client;
  const reply = await client.call<unknown>(
    what,
    () => {
      if (object === 'persons') return apis.persons.getPersons(params);
      if (object === 'deals') return apis.deals.getDeals(params);
      if (object === 'activities') return apis.activities.getActivities(params);
      return apis.organizations.getOrganizations(params);
    },
    COST.list,
  );
  return parseReply(RecordPage, reply, `GET /api/v2/${object}`);
}

function asString(v: unknown): Value {
  if (v === null || v === undefined || v === '') return null;
  if (Array.isArray(v)) {
    const list = v as Array<{ value?: unknown; primary?: boolean } | unknown>;
    const primary = list.find((x) => (x as { primary?: boolean })?.primary) ?? list[0];
    if (primary === undefined) return null;
    return asString((primary as { value?: unknown })?.value ?? primary);
  }
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return asString(o.value ?? o.id ?? o.label ?? JSON.stringify(o));
  }
  return String(v);
}

function toItem(object: PipedriveObject, r: RawRecord, selected: Array<[string, FieldInfo]>): ReadItem {
  const props: Record<string, Value> = {};
  for (const [name, info] of selected) {
    const key = info.key;
    if (info.custom) props[key] = asString(r.custom_fields?.[key]);
    else if (key === 'email') props[key] = asString(r.emails ?? r.email);
    else if (key === 'phone') props[key] = asString(r.phones ?? r.phone);
    else props[key] = asString(r[key]);
    if (props[key] !== null && (info.fieldType === 'enum' || info.fieldType === 'set') && info.custom) {
      const byId = new Map([...info.options].map(([label, id]) => [String(id), label]));
      props[key] = String(props[key])
        .split(',')
        .map((id) => byId.get(id.trim()) ?? id)
        .join(';');
    }
    if (name !== key) {
      props[name] = props[key]!;
      delete props[key];
    }
  }
  const modifiedAt = new Date(r.update_time).toISOString();
  return {
    type: 'record',
    record: { id: String(r.id), properties: props, modifiedAt, origin: { source: `pipedrive:${object}` } },
  };
}

/**
 * Every record (or those changed after `since`: an ISO time, or a cursor `update_time|id` from a record's
 * `modifiedAt` and `id`), oldest change first, by the v2 list endpoint with `sort_by=update_time` and
 * `updated_since` (which includes the cursor's second); records of the cursor's second up to its ID are skipped,
 * so ties are neither lost nor repeated. Custom enum values come back as option labels.
 */
export async function* readRecords(
  client: PipedriveClient,
  describer: PipedriveFields,
  o: PipedriveObject,
  options: ReadOptions,
): AsyncGenerator<ReadItem, void, undefined> {
  const selected = selectFields(o, await describer.infos(o), options.properties);
  const start = options.since ? decodePipedriveCursor(options.since) : null;
  const since = start
    ? new Date(Math.floor(start.time / 1000) * 1000).toISOString().replace(/\.000Z$/, 'Z')
    : undefined;
  const limit = Math.min(client.options.pageSize ?? 100, 500);
  let cursor: string | undefined;
  do {
    options.signal?.throwIfAborted();
    const page = await listPage(client, `read ${o}`, o, { since, limit, cursor });
    for (const r of page.data ?? []) {
      if (start) {
        const t = Date.parse(r.update_time);
        if (t < start.time || (t === start.time && start.id !== null && r.id <= start.id)) continue;
      }
      yield toItem(o, r, selected);
    }
    cursor = page.additional_data?.next_cursor ?? undefined;
  } while (cursor);
}

/** The records with these Pipedrive IDs (100 per list call, `ids=`); IDs not found are left out. */
export async function* readRecordsByIds(
  client: PipedriveClient,
  describer: PipedriveFields,
  o: PipedriveObject,
  ids: string[],
  options: Omit<ReadOptions, 'since'>,
): AsyncGenerator<ReadItem, void, undefined> {
  const selected = selectFields(o, await describer.infos(o), options.properties);
  const numeric = ids.map((id) => Number(id));
  const bad = ids.filter((_, i) => !Number.isInteger(numeric[i]));
  if (bad.length)
    throw new PipedriveError(
      `Pipedrive IDs are integers, got ${bad
        .slice(0, 3)
        .map((b) => `"${b}"`)
        .join(', ')}`,
    );
  for (let i = 0; i < numeric.length; i += 100) {
    options.signal?.throwIfAborted();
    const chunk = numeric.slice(i, i + 100);
    const page = await listPage(client, `read ${o} by ID`, o, { limit: 100, ids: chunk.join(','), sort_by: 'id' });
    for (const r of page.data ?? []) yield toItem(o, r, selected);
  }
}
