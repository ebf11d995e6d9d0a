import { z } from 'zod';
import type { DeleteResult, ReadItem, ReadOptions } from '../connector';
import { decodeCursor } from '../cursor';
import { checkName, type SalesforceClient } from './client';
import { recordErrorMessage, SalesforceError } from './errors';
import { isoOf } from './read';
import { CollectionResults, parseReply } from './schemas';

/** sObject Collections take at most 200 IDs a call. */
const MAX_IDS = 200;
/** How far back `deleted` is asked when no `since` is given: the recycle bin keeps deleted records 15 days. */
const RECYCLE_BIN_DAYS = 15;

/** `GET /sobjects/{X}/deleted/?start=&end=` (the getDeleted resource). */
const DeletedRecords = z.looseObject({
  deletedRecords: z.array(z.looseObject({ id: z.string(), deletedDate: z.string() })),
  earliestDateAvailable: z.string().nullish(),
  latestDateCovered: z.string().nullish(),
});

/**
 * Deletes by Id through sObject Collections (`DELETE /composite/sobjects?ids=`, 200 a call, allOrNone false) with
 * jsforce's `destroy`: each record comes back deleted, `missing` when Salesforce says it is deleted already
 * (`ENTITY_IS_DELETED`), or failed with Salesforce's reason. Deleted records stay in the recycle bin, restorable.
 */
export async function deleteByIds(client: SalesforceClient, object: string, ids: string[]): Promise<DeleteResult[]> {
  checkName(object, 'object');
  const results: DeleteResult[] = [];
  for (let i = 0; i < ids.length; i += MAX_IDS) {
    const chunk = ids.slice(i, i + MAX_IDS);
    for (const id of chunk)
      if (!/^[A-Za-z0-9]{15,18}$/.test(id)) throw new SalesforceError(`Invalid ${object} Id "${id}"`, 'INVALID_ID');
    // Sending a delete again after a lost answer is harmless: the record then reads as deleted already.
    const reply = await client.call(
      `Salesforce delete ${object}`,
      (c) => c.sobject(object).destroy(chunk, { allOrNone: false }),
      true,
    );
    const answers = parseReply(CollectionResults, reply, `DELETE ${client.apiRoot}/composite/sobjects`);
    chunk.forEach((id, k) => {
      const a = answers[k];
      if (!a) results.push({ id, status: 'failed', error: 'Salesforce returned no result for this record' });
      else if (a.success) results.push({ id, status: 'deleted' });
      else if (a.errors?.some((e) => e.statusCode === 'ENTITY_IS_DELETED')) results.push({ id, status: 'missing' });
      else results.push({ id, status: 'failed', error: recordErrorMessage(a.errors ?? undefined) });
    });
  }
  return results;
}

/**
 * Records of `object` deleted after `since` (a time or a `time|Id` cursor), through the getDeleted resource (jsforce's
 * `deleted`), oldest first, with the deletion time as `modifiedAt`; without `since`, those still in the recycle bin.
 * Salesforce ignores the seconds of the window, so a deletion of the cursor's own minute can come again: readers take
 * it as already seen. Only the Id is known of a deleted record here (no properties).
 */
export async function* readDeletedRecords(
  client: SalesforceClient,
  object: string,
  options: Omit<ReadOptions, 'properties'>,
): AsyncGenerator<ReadItem, void, undefined> {
  checkName(object, 'object');
  options.signal?.throwIfAborted();
  const now = Date.now();
  const since = options.since
    ? Date.parse(decodeCursor(options.since).time)
    : now - RECYCLE_BIN_DAYS * 86_400_000 + 120_000;
  if (Number.isNaN(since)) throw new SalesforceError(`Invalid cursor "${options.since}"`, 'INVALID_CURSOR');
  // The window is taken to the minute; the end must come after the start.
  const start = new Date(Math.floor(since / 60_000) * 60_000);
  const end = new Date(Math.max(now, start.getTime() + 60_000));
  const reply = await client.call(`Salesforce deleted ${object}`, (c) => c.sobject(object).deleted(start, end));
  const page = parseReply(DeletedRecords, reply, `GET ${client.apiRoot}/sobjects/${object}/deleted`);
  const records = page.deletedRecords
    .flatMap((r) => {
      const at = isoOf(r.deletedDate);
      if (!at)
        throw new SalesforceError(
          `Salesforce gave ${object} ${r.id} the deletion time "${r.deletedDate}"`,
          'BAD_RESPONSE',
        );
      return [{ id: r.id, at }];
    })
    .filter((r) => Date.parse(r.at) > since || !options.since)
    .sort((a, b) => a.at.localeCompare(b.at) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  for (const r of records)
    yield {
      type: 'record',
      record: { id: r.id, properties: {}, modifiedAt: r.at, origin: { source: `salesforce:${object}:deleted` } },
    };
}
