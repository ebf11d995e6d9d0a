import type { Value } from '../connector';
import type { ReadItem, ReadOptions, SourceRecord } from '../connector';
import { decodeCursor, encodeCursor } from '../cursor';
import { checkName, type SalesforceClient } from './client';
import { COMPOUND, type SalesforceDescribe } from './describe';
import { SalesforceError } from './errors';
import { parseReply, QueryPage } from './schemas';

/** Cursor of an incremental read: SystemModstamp and Id of the last record seen (`<ISO time>|<Id>`). */
export function salesforceCursor(record: Pick<SourceRecord, 'id' | 'modifiedAt'>): string {
  if (!record.modifiedAt) throw new Error(`record ${record.id} has no modifiedAt`);
  return encodeCursor(record.modifiedAt, record.id);
}

/** A SOQL datetime literal (seconds precision, UTC); SystemModstamp carries no milliseconds. */
function soqlDateTime(iso: string): string {
  const t = Date.parse(iso.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
  if (Number.isNaN(t)) throw new SalesforceError(`Invalid cursor time "${iso}"`, 'INVALID_CURSOR');
  return `${new Date(t).toISOString().slice(0, 19)}Z`;
}

/** A Salesforce datetime (`2026-01-02T03:04:05.000+0000`) as ISO, or undefined when it is none. */
export function isoOf(sfTime: unknown): string | undefined {
  if (typeof sfTime !== 'string') return undefined;
  const t = Date.parse(sfTime.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
  return Number.isNaN(t) ? undefined : new Date(t).toISOString();
}

function toValue(v: unknown): Value {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

/** The REST path of a query page, as errors name it: without its query string. */
function queryEndpoint(client: SalesforceClient, url: string): string {
  const path = url.split('?')[0]!;
  return `GET ${path.startsWith('/services/') ? path : `${client.apiRoot}${path}`}`;
}

/**
 * The records of `object` (or those with these IDs), oldest change first: SOQL ordered by SystemModstamp, Id, pages
 * followed through nextRecordsUrl. `options.since` is `salesforceCursor(lastRecord)` (or a plain ISO time): records
 * sharing the cursor's SystemModstamp with a greater Id are still returned.
 */
export async function* query(
  client: SalesforceClient,
  describer: SalesforceDescribe,
  object: string,
  options: ReadOptions,
  ids?: string[],
): AsyncGenerator<ReadItem, void, undefined> {
  checkName(object, 'object');
  const props =
    options.properties ?? (await describer.raw(object)).fields.filter((f) => !COMPOUND.has(f.type)).map((f) => f.name);
  props.forEach((p) => checkName(p, 'field'));
  const select = [...new Set(['Id', 'SystemModstamp', ...props])];
  let where = '';
  if (options.since) {
    const cursor = decodeCursor(options.since);
    const time = soqlDateTime(cursor.time);
    const id = cursor.id;
    if (id !== null && !/^[A-Za-z0-9]{15,18}$/.test(id))
      throw new SalesforceError(`Invalid cursor Id "${id}"`, 'INVALID_CURSOR');
    where =
      id === null
        ? ` WHERE SystemModstamp > ${time}`
        : ` WHERE SystemModstamp > ${time} OR (SystemModstamp = ${time} AND Id > '${id}')`;
  }
  // Plain `Id = ... OR ...` rather than IN: equally valid SOQL, and the subset every emulator of ours parses.
  if (ids) where = ` WHERE ${ids.map((id) => `Id = '${id}'`).join(' OR ')}`;
  const soql = `SELECT ${select.join(', ')} FROM ${object}${where} ORDER BY SystemModstamp, Id`;
  let url: string | undefined = `/query?q=${encodeURIComponent(soql)}`;
  const source = `salesforce:${object}`;
  while (url) {
    options.signal?.throwIfAborted();
    const next: string = url;
    const reply = await client.call(`Salesforce query ${object}`, (c) =>
      c.request<unknown>(next, client.requestOptions),
    );
    const page = parseReply(QueryPage, reply, queryEndpoint(client, next));
    for (const r of page.records) {
      const properties: Record<string, Value> = {};
      for (const p of props) properties[p] = toValue(r[p]);
      const modifiedAt = isoOf(r.SystemModstamp);
      yield {
        type: 'record',
        record: { id: r.Id, properties, ...(modifiedAt ? { modifiedAt } : {}), origin: { source } },
      };
    }
    url = page.done ? undefined : (page.nextRecordsUrl ?? undefined);
  }
}
