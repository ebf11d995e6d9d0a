import type { PipedriveClient } from './client';
import type { FieldInfo } from './describe';
import { COST, type PipedriveObject } from './options';
import { listPage } from './read';
import { parseReply, SearchReply, type RawRecord } from './schemas';

/** What one listing of every record of an object learnt about its keys. */
export interface PrimedState {
  ambiguous: Map<string, number[]>;
  snapshot: Map<number, RawRecord>;
  at: number;
}

/** Finding existing records: by key (search or one listing of the object), by ID, or by the time they changed. */
export class PipedriveLookup {
  /** Caches (object:key) filled by listing every record: a key not in them is new, no search needed. */
  readonly primed = new Map<string, Promise<PrimedState>>();
  private readonly pendingLoads = new Map<
    PipedriveObject,
    { ids: Set<number>; result: Promise<Map<number, RawRecord>> }
  >();

  constructor(private readonly client: PipedriveClient) {}

  /** IDs of the records whose custom fields hold exactly `key`. */
  async search(object: PipedriveObject, key: string): Promise<number[]> {
    const { apis } = this.client;
    const params = { term: key, fields: 'custom_fields' as const, exact_match: true, limit: 10 };
    const reply = await this.client.call<unknown>(
      `search ${object}`,
      () => {
        if (object === 'persons') return apis.persons.searchPersons(params);
        if (object === 'deals') return apis.deals.searchDeals(params);
        return apis.organizations.searchOrganization(params);
      },
      COST.search,
    );
    const page = parseReply(SearchReply, reply, `GET /api/v2/${object}/search`);
    return (page.data?.items ?? []).map((i) => i.item.id);
  }

  /**
   * Lists every record of the object once (500 per call) and fills the ID cache with their key values: a key not
   * found then belongs to a new record. Keys held by several records are remembered as ambiguous.
   */
  prime(object: PipedriveObject, key: FieldInfo, cache: Map<string, number>): Promise<PrimedState> {
    const name = `${object}:${key.key}`;
    let state = this.primed.get(name);
    if (!state) {
      state = (async () => {
        const ambiguous = new Map<string, number[]>();
        const snapshot = new Map<number, RawRecord>();
        let cursor: string | undefined;
        do {
          const page = await listPage(this.client, `list ${object}`, object, { limit: 500, cursor, sort_by: 'id' });
          for (const r of page.data ?? []) {
            const value = r.custom_fields?.[key.key];
            if (value === null || value === undefined || value === '') continue;
            const k = String(value);
            const seen = cache.get(k);
            if (seen !== undefined && seen !== r.id) ambiguous.set(k, [...(ambiguous.get(k) ?? [seen]), r.id]);
            else cache.set(k, r.id);
            snapshot.set(r.id, r);
          }
          cursor = page.additional_data?.next_cursor ?? undefined;
        } while (cursor);
        return { ambiguous, snapshot, at: Date.now() };
      })();
      state.catch(() => this.primed.delete(name));
      this.primed.set(name, state);
    }
    return state;
  }

  /** Current records by ID, fetched 100 per list call (`ids=`); lookups made in the same tick share calls. */
  current(object: PipedriveObject, id: number): Promise<RawRecord | undefined> {
    let batch = this.pendingLoads.get(object);
    if (!batch) {
      const ids = new Set<number>();
      const result = new Promise<void>((resolve) => setImmediate(resolve)).then(async () => {
        this.pendingLoads.delete(object);
        const all = [...ids];
        const out = new Map<number, RawRecord>();
        const chunks: number[][] = [];
        for (let i = 0; i < all.length; i += 100) chunks.push(all.slice(i, i + 100));
        await Promise.all(
          chunks.map(async (chunk) => {
            const page = await listPage(this.client, `read ${object} by ID`, object, {
              limit: 100,
              ids: chunk.join(','),
              sort_by: 'id',
            });
            for (const r of page.data ?? []) out.set(r.id, r);
          }),
        );
        return out;
      });
      batch = { ids, result };
      this.pendingLoads.set(object, batch);
    }
    batch.ids.add(id);
    return batch.result.then((m) => m.get(id));
  }

  /**
   * IDs of the records carrying the key value among those changed between `from` and `to` (ms, widened by a second
   * each side for Pipedrive's second precision): where a create that lost its answer must be, if it was applied.
   */
  async changedBetween(
    object: PipedriveObject,
    key: FieldInfo,
    value: string,
    from: number,
    to: number,
  ): Promise<number[]> {
    const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const range = { since: iso(Math.floor(from / 1000) * 1000 - 1000), until: iso(Math.ceil(to / 1000) * 1000 + 1000) };
    const ids: number[] = [];
    let cursor: string | undefined;
    do {
      const page = await listPage(this.client, `list recent ${object}`, object, {
        since: range.since,
        limit: 500,
        cursor,
        updated_until: range.until,
      });
      for (const r of page.data ?? []) if (String(r.custom_fields?.[key.key] ?? '') === value) ids.push(r.id);
      cursor = page.additional_data?.next_cursor ?? undefined;
    } while (cursor);
    return ids;
  }
}
