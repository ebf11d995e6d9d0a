import type { ReadItem, ReadOptions } from '../connector';
import type { DynamicsClient } from './client';
import type { TableInfo } from './describe';
import { page, selectColumns, selectOf, toItem } from './read';

/** IDs per `$filter`: 50 GUID comparisons keep the URL near 3 KB, well under Dataverse's limit. */
const IDS_PER_CALL = 50;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether a value is a row ID as Dataverse writes them (a GUID). */
export const isGuid = (value: string): boolean => GUID.test(value.trim());

/**
 * The rows with these IDs (`$filter=<primary id> eq <guid> or ...`, 50 per call), in the service's order; an ID no row
 * has is left out, as the other connectors' `readByIds` do. An ID that is not a GUID matches no row, so it is not sent.
 */
export async function* readByIds(
  client: DynamicsClient,
  table: TableInfo,
  ids: string[],
  options: Omit<ReadOptions, 'since'> = {},
): AsyncGenerator<ReadItem, void, undefined> {
  const columns = selectColumns(table, options.properties);
  const wanted = [...new Set(ids.map((id) => id.trim().toLowerCase()).filter(isGuid))];
  for (let i = 0; i < wanted.length; i += IDS_PER_CALL) {
    options.signal?.throwIfAborted();
    const chunk = wanted.slice(i, i + IDS_PER_CALL);
    const filter = chunk.map((id) => `${table.primaryId} eq ${id}`).join(' or ');
    let link: string | undefined;
    do {
      const result = await page(
        client,
        table,
        { collection: table.entitySetName, select: selectOf(columns), filter },
        link,
      );
      for (const row of result.value as Array<Record<string, unknown>>)
        yield toItem(table, columns, row, options.properties);
      link = result.oDataNextLink ?? undefined;
    } while (link);
  }
}
