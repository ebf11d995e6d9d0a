import type { DeleteResult } from '../connector';
import type { AssociationContext } from './associations';
import type { HubSpotError } from './errors';

/**
 * Archives records by ID through `batch/archive`, 100 a call: HubSpot moves them to its recycling bin, from which they
 * can be restored for 90 days. HubSpot answers 204 for the whole batch and ignores IDs it does not have (or has
 * archived already), so every record of an accepted batch is reported `deleted`. A batch refused as a whole (4xx
 * other than 429, which the client waits out) fails its records with HubSpot's message.
 */
export async function archiveByIds(ctx: AssociationContext, object: string, ids: string[]): Promise<DeleteResult[]> {
  const results: DeleteResult[] = [];
  for (let i = 0; i < ids.length; i += 100) {
    const chunk = ids.slice(i, i + 100);
    try {
      await ctx.call(`archive ${object}`, () =>
        ctx.client.crm.objects.batchApi.archiveWithHttpInfo(object, { inputs: chunk.map((id) => ({ id })) }),
      );
      for (const id of chunk) results.push({ id, status: 'deleted' });
    } catch (error) {
      const status = (error as HubSpotError).status;
      if (status === undefined || status < 400 || status >= 500) throw error;
      for (const id of chunk) results.push({ id, status: 'failed', error: (error as Error).message });
    }
  }
  return results;
}
