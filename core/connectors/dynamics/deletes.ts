import type { DynamicsWebApi } from 'dynamics-web-api';
import type { DeletedReadOptions, DeleteResult, ReadItem } from '../connector';
import type { DynamicsClient } from './client';
import type { DynamicsTables, TableInfo } from './describe';
import { isGuid } from './by-id';
import { describeSdkError, DynamicsError, meaningOf } from './errors';
import { MAX_BATCH } from './options';
import { readChanges } from './read';

/**
 * Rows deleted since `options.resume` (a delta link this function handed to `onResume` before), read through change
 * tracking: Dataverse keeps no list of deleted rows to ask by time, only `$deletedEntity` entries in a delta read. The
 * first read (no `resume`) takes the baseline: it reads every row's ID for the delta link and reports nothing, as
 * nothing is known to be deleted yet. Each deletion comes with the time it was learnt as `modifiedAt`.
 */
export async function* readDeletedRows(
  client: DynamicsClient,
  tables: DynamicsTables,
  table: TableInfo,
  options: DeletedReadOptions,
): AsyncGenerator<ReadItem, void, undefined> {
  if (!table.changeTracking)
    throw new DynamicsError(
      `Dynamics ${table.logicalName} does not have change tracking enabled, so its deletions cannot be read: enable "Track changes" on the table in Dataverse, or set the stream's onDelete to "nothing"`,
    );
  let link: string | null = null;
  const learnt = new Date().toISOString();
  for await (const change of readChanges(client, tables, table.logicalName, {
    properties: [table.primaryId],
    ...(options.resume ? { deltaLink: options.resume } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  })) {
    if (change.type === 'deltaLink') link = change.link;
    else if (change.type === 'deleted' && options.resume)
      yield {
        type: 'record',
        record: {
          id: change.id,
          properties: { [table.primaryId]: change.id },
          modifiedAt: learnt,
          origin: { source: `dynamics:${table.logicalName}` },
        },
      };
  }
  if (link) options.onResume?.(link);
}

/**
 * Deletes rows by ID through `$batch` (`DELETE /{set}({id})` parts outside change sets, continuing on errors), a
 * result per ID in the order given: a row already gone (404) is `missing`, not a failure.
 */
export async function deleteRows(client: DynamicsClient, table: TableInfo, ids: string[]): Promise<DeleteResult[]> {
  const results: DeleteResult[] = ids.map((id) =>
    isGuid(id)
      ? { id, status: 'failed' }
      : { id, status: 'failed', error: `"${id}" is not a Dynamics row ID (a GUID)` },
  );
  const todo = ids.flatMap((id, i) => (isGuid(id) ? [i] : []));
  const size = Math.min(client.options.batchSize ?? 200, MAX_BATCH);
  for (let start = 0; start < todo.length; start += size) {
    const chunk = todo.slice(start, start + size);
    const cost = client.options.batchCountsOperations ? chunk.length : 1;
    let answers: unknown;
    try {
      answers = await client.call(
        `delete ${table.logicalName} ($batch of ${chunk.length})`,
        (api) => {
          // A batch instance of its own: the SDK collects batch parts on the instance.
          const batch: DynamicsWebApi = api.initializeInstance();
          batch.startBatch();
          for (const i of chunk)
            void batch.deleteRecord({ collection: table.entitySetName, key: ids[i]!.trim(), inChangeSet: false });
          return batch.executeBatch({ continueOnError: true, inChangeSet: false });
        },
        cost,
      );
    } catch (error) {
      const e = error instanceof DynamicsError ? error : client.toError(error, `delete ${table.logicalName}`);
      if (e.connectionFailed) throw e;
      for (const i of chunk)
        results[i] = { id: ids[i]!, status: 'failed', error: `${e.message} (run again: a delete is idempotent)` };
      continue;
    }
    if (!Array.isArray(answers) || answers.length !== chunk.length)
      throw new DynamicsError(
        `Dynamics $batch delete of ${table.logicalName}: expected ${chunk.length} answers, got ${Array.isArray(answers) ? answers.length : typeof answers}`,
      );
    chunk.forEach((i, n) => {
      const answer = (answers as unknown[])[n];
      if (!(answer instanceof Error)) return void (results[i] = { id: ids[i]!, status: 'deleted' });
      const { status, code, message } = describeSdkError(answer);
      if (status === 404) return void (results[i] = { id: ids[i]!, status: 'missing' });
      const meaning = meaningOf(code);
      results[i] = {
        id: ids[i]!,
        status: 'failed',
        error: `${table.logicalName} ${ids[i]}: Dataverse refused the delete with HTTP ${status ?? '?'}${code ? ` ${code}` : ''}${meaning ? ` (${meaning})` : ''}: ${message}`,
      };
    });
  }
  return results;
}
