import type { RetrieveMultipleRequest } from 'dynamics-web-api';
import type { ReadItem, ReadOptions, Value } from '../connector';
import { compareCursors, decodeCursor, encodeCursor } from '../cursor';
import type { DynamicsClient } from './client';
import type { ColumnInfo, DynamicsTables, TableInfo } from './describe';
import { DynamicsError } from './errors';
import { MAX_PAGE_SIZE } from './options';
import { isDeletedEntry, pageSchema, parseReply } from './schemas';
import { readValue } from './values';

/** A row deleted in Dataverse, as a delta read reports it, with the time this connector learnt of it. */
export interface DeletedRow {
  id: string;
  seenAt: string;
}

/** What a change-tracked read yields: rows, deleted rows, and at the end the delta link of the next read. */
export type DynamicsChange = ReadItem | { type: 'deleted'; id: string } | { type: 'deltaLink'; link: string };

/** The shared cursor with Dataverse's GUIDs; a bare ISO time is accepted too. */
function checkCursor(cursor: string): void {
  if (Number.isNaN(Date.parse(decodeCursor(cursor).time)))
    throw new DynamicsError(`Invalid Dynamics cursor "${cursor}": expected an ISO time, optionally followed by |id`);
}

/** The columns to read: all, or those asked for (by logical name), always with the ID and modifiedon. */
export function selectColumns(table: TableInfo, wanted: string[] | undefined): ColumnInfo[] {
  const names = wanted ?? [...table.columns.keys()];
  const columns = names.map((name) => {
    const column =
      table.columns.get(name) ??
      [...table.columns.values()].find((c) => c.wireName === name) ??
      bindColumn(table, name);
    if (!column) throw new DynamicsError(`Dynamics ${table.logicalName} has no column "${name}"`);
    return column;
  });
  for (const required of [table.primaryId, 'modifiedon'])
    if (!columns.some((c) => c.logicalName === required) && table.columns.has(required))
      columns.push(table.columns.get(required)!);
  return columns;
}

/**
 * A lookup read under the name it is written by (`parentcustomerid_account@odata.bind`), so what a sync job writes
 * can be read back under the same name: the lookup's row ID, as the lookup itself reads.
 */
function bindColumn(table: TableInfo, name: string): ColumnInfo | undefined {
  if (!name.endsWith(BIND)) return undefined;
  const nav = name.slice(0, -BIND.length);
  const lookup = [...table.columns.values()].find(
    (c) => c.wireName !== c.logicalName && (nav === c.logicalName || nav.startsWith(`${c.logicalName}_`)),
  );
  return lookup ? { ...lookup, logicalName: name } : undefined;
}

const BIND = '@odata.bind';

/** The `$select` of these columns (a lookup read under two names is selected once). */
export const selectOf = (columns: ColumnInfo[]): string[] => [...new Set(columns.map((c) => c.wireName))];

export function toItem(
  table: TableInfo,
  columns: ColumnInfo[],
  row: Record<string, unknown>,
  wanted?: string[],
): ReadItem {
  const properties: Record<string, Value> = {};
  for (const column of columns) {
    if (wanted && !wanted.includes(column.logicalName) && !wanted.includes(column.wireName)) continue;
    properties[column.logicalName] = readValue(column, row[column.wireName]);
  }
  const id = row[table.primaryId] as string;
  return {
    type: 'record',
    record: {
      id,
      properties,
      modifiedAt: (row.modifiedon as Date).toISOString(),
      origin: { source: `dynamics:${table.logicalName}` },
    },
  };
}

/** One page of `retrieveMultiple` (or of a next/delta link), checked at arrival. */
export async function page(client: DynamicsClient, table: TableInfo, request: RetrieveMultipleRequest, link?: string) {
  const reply = await client.call(`read ${table.logicalName}`, (api) => api.retrieveMultiple(request, link));
  return parseReply(pageSchema(table.primaryId), reply, `GET ${client.apiPath}/${table.entitySetName}`);
}

/**
 * Rows changed after `since` (a cursor `modifiedon|id`, or an ISO time), oldest change first, by `$filter` on
 * modifiedon (from the cursor's second: Dataverse shows times to the second) ordered by modifiedon and ID, paged by
 * `@odata.nextLink`; rows of the cursor's second up to its ID are skipped, so ties are neither lost nor repeated.
 */
export async function* readModified(
  client: DynamicsClient,
  table: TableInfo,
  options: ReadOptions,
): AsyncGenerator<ReadItem, void, undefined> {
  if (options.since) checkCursor(options.since);
  const columns = selectColumns(table, options.properties);
  const start = options.since ? decodeCursor(options.since) : null;
  const from = start ? `${new Date(Date.parse(start.time)).toISOString().slice(0, 19)}Z` : null;
  const request: RetrieveMultipleRequest = {
    collection: table.entitySetName,
    select: selectOf(columns),
    orderBy: ['modifiedon asc', `${table.primaryId} asc`],
    maxPageSize: Math.min(client.options.pageSize ?? 1000, MAX_PAGE_SIZE),
    ...(from ? { filter: `modifiedon ge ${from}` } : {}),
  };
  // Dataverse orders by the stored time (milliseconds) but shows seconds, while cursors compare the second and then
  // the ID: the rows of one second (contiguous in this order) are held and released sorted by ID, so a page's last row
  // is a cursor that neither skips nor repeats its neighbours.
  let second: ReadItem[] = [];
  const release = function* (): Generator<ReadItem> {
    second.sort((a, b) => compareCursors(cursorOf(a), cursorOf(b)));
    for (const item of second) {
      if (options.since && item.type === 'record') {
        const bare = start!.id === null;
        const at = Date.parse(item.record.modifiedAt!);
        if (bare ? at < Date.parse(start!.time) : compareCursors(cursorOf(item), options.since) <= 0) continue;
      }
      yield item;
    }
    second = [];
  };
  let link: string | undefined;
  do {
    options.signal?.throwIfAborted();
    const result = await page(client, table, request, link);
    for (const row of result.value as Array<Record<string, unknown>>) {
      const item = toItem(table, columns, row, options.properties);
      if (second.length && recordOf(second[0]!).modifiedAt !== recordOf(item).modifiedAt) yield* release();
      second.push(item);
    }
    link = result.oDataNextLink ?? undefined;
  } while (link);
  yield* release();
}

const recordOf = (item: ReadItem) => (item as Extract<ReadItem, { type: 'record' }>).record;
const cursorOf = (item: ReadItem) => encodeCursor(recordOf(item).modifiedAt!, recordOf(item).id);

/**
 * A change-tracked read: without `deltaLink`, every row (`Prefer: odata.track-changes`, paged); with it, the rows
 * changed and deleted since that link was issued. Ends with the delta link of the next read.
 */
export async function* readChanges(
  client: DynamicsClient,
  tables: DynamicsTables,
  object: string,
  options: { deltaLink?: string; properties?: string[]; signal?: AbortSignal } = {},
): AsyncGenerator<DynamicsChange, void, undefined> {
  const table = await tables.table(object);
  if (!table.changeTracking)
    throw new DynamicsError(
      `Change tracking is not enabled on Dynamics ${table.logicalName}: read it by modifiedon instead`,
    );
  const columns = selectColumns(table, options.properties);
  const request: RetrieveMultipleRequest = {
    collection: table.entitySetName,
    select: selectOf(columns),
    maxPageSize: Math.min(client.options.pageSize ?? 1000, MAX_PAGE_SIZE),
    trackChanges: true,
  };
  let link = options.deltaLink;
  for (;;) {
    options.signal?.throwIfAborted();
    const result = await page(client, table, request, link);
    for (const row of result.value as Array<Record<string, unknown>>) {
      if (isDeletedEntry(row)) yield { type: 'deleted', id: row.id as string };
      else yield toItem(table, columns, row, options.properties);
    }
    if (result.oDataNextLink) link = result.oDataNextLink;
    else if (result.oDataDeltaLink) return yield { type: 'deltaLink', link: result.oDataDeltaLink };
    else throw new DynamicsError(`Dynamics ${table.logicalName}: a change-tracked read ended without a delta link`);
  }
}
