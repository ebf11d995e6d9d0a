import type { Database } from '../db/database';
import type { LoadedMapping } from '../mapping/load-mapping';
import { LookupBatchInputSchema, lookupManyByLegacyId, MAX_LOOKUP_BATCH, type LookupResult } from './lookup';

interface Waiter {
  legacyId: string;
  resolve: (result: LookupResult) => void;
  reject: (error: unknown) => void;
}

/**
 * Single-ID lookups that arrive together (a server under load) answered by shared batch reads: under load the cost
 * of a lookup is its round trip and statement, not its rows, so one statement for many IDs serves more callers. Each
 * caller gets exactly what `lookupByLegacyId` answers for its ID, its own input errors included: IDs are checked one
 * by one before they join a batch, so one caller's bad ID never fails another's lookup.
 *
 * At most `inFlight` batches read at once; IDs that arrive meanwhile wait and go in the next batch, so batches grow
 * with the load instead of queueing for the database's pool one by one.
 */
export function lookupCoalescer(db: Database, mapping: LoadedMapping, options: { inFlight: number }) {
  const waiting = new Map<string, Waiter[]>();
  let reading = 0;
  let scheduled = false;

  const pump = () => {
    scheduled = false;
    while (reading < options.inFlight && waiting.size > 0) {
      const [object, queue] = waiting.entries().next().value as [string, Waiter[]];
      const batch = queue.splice(0, MAX_LOOKUP_BATCH);
      if (queue.length === 0) waiting.delete(object);
      reading += 1;
      lookupManyByLegacyId(db, mapping, { object, legacyIds: batch.map((w) => w.legacyId) })
        .then(
          (results) => batch.forEach((w, i) => w.resolve(results[i]!)),
          (error: unknown) => batch.forEach((w) => w.reject(error)),
        )
        .finally(() => {
          reading -= 1;
          pump();
        });
    }
  };

  return async (object: string, legacyId: string | number): Promise<LookupResult> => {
    const input = LookupBatchInputSchema.parse({ object, legacyIds: [legacyId] });
    return new Promise<LookupResult>((resolve, reject) => {
      const queue = waiting.get(input.object) ?? [];
      queue.push({ legacyId: input.legacyIds[0]!, resolve, reject });
      waiting.set(input.object, queue);
      // Wait for the requests the server reads in the same turn of the event loop, then read them together.
      if (!scheduled) {
        scheduled = true;
        setImmediate(pump);
      }
    });
  };
}
