import type { UpsertInput, UpsertOptions, UpsertResult } from '../connector';
import { writeBody } from './body';
import type { PipedriveClient } from './client';
import { findField, type FieldInfo, type PipedriveFields } from './describe';
import { PipedriveError } from './errors';
import { PipedriveLookup, type PrimedState } from './lookup';
import { COST, type PipedriveObject } from './options';
import type { PipedrivePipelines } from './pipelines';
import { parseReply, WriteReply } from './schemas';
import { recordIsUnchanged } from './unchanged';

/** Records of one upsert() in flight at once. */
const UPSERT_WINDOW = 200;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Upserts by an external-ID custom field, remembering the IDs it learns so a re-run does not search again. */
export class PipedriveUpserter {
  /** object -> key property -> key value -> Pipedrive ID; filled by searches, listings and creates, so a re-run does not search. */
  private readonly idCache = new Map<string, Map<string, number>>();
  private readonly lookup: PipedriveLookup;

  constructor(
    private readonly client: PipedriveClient,
    private readonly describer: PipedriveFields,
    private readonly pipelines: PipedrivePipelines,
  ) {
    this.lookup = new PipedriveLookup(client);
  }

  /** See `PipedriveConnector.upsert`. */
  async upsert(o: PipedriveObject, records: UpsertInput[], options: UpsertOptions): Promise<UpsertResult[]> {
    const detect = options.detectUnchanged ?? this.client.options.detectUnchanged ?? true;
    const fields = await this.describer.infos(o);
    const key = findField(fields, options.keyProperty);
    if (o === 'activities')
      throw new PipedriveError(
        'Pipedrive activities have no custom fields, so they cannot be upserted by an external ID (read and describe them instead)',
      );
    if (!key || !key.custom)
      throw new PipedriveError(`The key property "${options.keyProperty}" is not a custom field of Pipedrive ${o}`);
    const cacheName = `${o}:${key.key}`;
    const cache = this.idCache.get(cacheName) ?? new Map<string, number>();
    this.idCache.set(cacheName, cache);
    const uncached = new Set(records.filter((r) => !cache.has(r.key)).map((r) => r.key));
    const primed =
      this.lookup.primed.has(cacheName) || uncached.size >= (this.client.options.primeThreshold ?? 200)
        ? await this.lookup.prime(o, key, cache)
        : null;
    // A window of records in flight (not all at once: 100,000 pending calls cost more in memory and GC than the
    // requests themselves), wide enough that the by-ID lookups of unchanged detection fill their 100-ID calls.
    const results = new Array<UpsertResult>(records.length);
    const chains = new Map<string, Promise<unknown>>();
    let next = 0;
    const worker = async () => {
      while (next < records.length) {
        const i = next++;
        const input = records[i]!;
        const run = (chains.get(input.key) ?? Promise.resolve()).then(() =>
          this.upsertOne(o, fields, key, cache, input, primed, detect),
        );
        const tail = run.catch(() => undefined);
        chains.set(input.key, tail);
        results[i] = await run;
        if (chains.get(input.key) === tail) chains.delete(input.key);
      }
    };
    await Promise.all(Array.from({ length: Math.min(records.length, UPSERT_WINDOW) }, worker));
    return results;
  }

  private async upsertOne(
    object: PipedriveObject,
    fields: Map<string, FieldInfo>,
    key: FieldInfo,
    cache: Map<string, number>,
    input: UpsertInput,
    primed: PrimedState | null,
    detect: boolean,
  ): Promise<UpsertResult> {
    try {
      const body = await writeBody(object, fields, key, input, this.pipelines);
      let id = cache.get(input.key);
      const ambiguous = primed?.ambiguous.get(input.key);
      if (ambiguous)
        return {
          key: input.key,
          status: 'failed',
          error: `${ambiguous.length} Pipedrive ${object} carry ${key.name} = ${input.key} (IDs ${ambiguous.join(', ')})`,
        };
      if (id === undefined && !primed) {
        const ids = await this.lookup.search(object, input.key);
        if (ids.length > 1)
          return {
            key: input.key,
            status: 'failed',
            error: `${ids.length} Pipedrive ${object} carry ${key.name} = ${input.key} (IDs ${ids.join(', ')})`,
          };
        id = ids[0];
      }
      if (id !== undefined) {
        if (detect) {
          // A listing made moments ago by this upsert is as good as a fresh read; each entry serves once.
          const fresh = primed && Date.now() - primed.at < 30_000 ? primed.snapshot.get(id) : undefined;
          if (fresh) primed!.snapshot.delete(id);
          const current = fresh ?? (await this.lookup.current(object, id));
          if (!current) {
            cache.delete(input.key); // deleted in Pipedrive since we learnt its ID
            return this.upsertOne(object, fields, key, cache, input, null, detect);
          }
          if (recordIsUnchanged(body, current)) return { key: input.key, status: 'unchanged', id: String(id) };
        }
        try {
          const reply = await this.client.call(`update ${object}`, () => this.write(object, id, body), COST.write);
          const updated = parseReply(WriteReply, reply, `PATCH /api/v2/${object}/${id}`);
          cache.set(input.key, updated.data?.id ?? id);
          return { key: input.key, status: 'updated', id: String(updated.data?.id ?? id) };
        } catch (error) {
          if ((error as PipedriveError).status !== 404 || !cache.has(input.key)) throw error;
          cache.delete(input.key); // deleted in Pipedrive since we cached it: look again
          return this.upsertOne(object, fields, key, cache, input, null, detect);
        }
      }
      const created = await this.create(object, key, input.key, body);
      cache.set(input.key, created);
      return { key: input.key, status: 'created', id: String(created) };
    } catch (error) {
      const e = error instanceof PipedriveError ? error : this.client.toError(error, `upsert ${object}`);
      if (e.connectionFailed) throw e; // no record's own failure: the whole upsert stops
      return { key: input.key, status: 'failed', error: e.message };
    }
  }

  /**
   * Adds a record. A create that failed in a way that may have been applied (connection dropped, timeout, 5xx) is
   * not sent again blindly: the records added since just before it are listed, and one carrying the key is taken
   * as this create's. 429s are refused before anything happens, so they are simply retried.
   */
  private async create(
    object: PipedriveObject,
    key: FieldInfo,
    value: string,
    body: Record<string, unknown>,
  ): Promise<number> {
    const { options, budget } = this.client;
    const maxRetries = options.retries ?? 5;
    for (let attempt = 0; ; attempt++) {
      let sentAt = Date.now();
      let reply: unknown;
      try {
        reply = await this.client.call(
          `create ${object}`,
          () => {
            sentAt = Date.now();
            return this.write(object, undefined, body);
          },
          COST.write,
          { retries: 0 },
        );
      } catch (error) {
        const e = this.client.toError(error, `create ${object}`);
        if (!e.retryable || e.status === 429 || attempt >= maxRetries || budget.left <= 0) throw e;
        budget.left--;
        budget.used++;
        const found = await this.lookup.changedBetween(object, key, value, sentAt, Date.now());
        if (found.length === 1) return found[0]!;
        if (found.length > 1)
          throw new PipedriveError(
            `${found.length} Pipedrive ${object} carry ${key.name} = ${value} after a retried create (IDs ${found.join(', ')})`,
          );
        const min = options.minRetryDelayMs ?? 500;
        await sleep(Math.min(options.maxRetryDelayMs ?? 30_000, min * 2 ** attempt * (1 + Math.random())));
        continue;
      }
      // Outside the retry: the create was applied, and an answer of an unexpected shape must not be sent again.
      const created = parseReply(WriteReply, reply, `POST /api/v2/${object}`);
      if (!created.data?.id) throw new PipedriveError(`Pipedrive create ${object} returned no ID`);
      return created.data.id;
    }
  }

  private write(object: PipedriveObject, id: number | undefined, body: Record<string, unknown>): Promise<unknown> {
    const { apis } = this.client;
    if (object === 'activities') throw new PipedriveError('Pipedrive activities are not upserted');
    // The SDK's request types list the standard fields; the body is built from the account's own field list.
    const request = body as never;
    if (object === 'persons')
      return id === undefined
        ? apis.persons.addPerson({ AddPersonRequest: request })
        : apis.persons.updatePerson({ id, UpdatePersonRequest: request });
    if (object === 'deals')
      return id === undefined
        ? apis.deals.addDeal({ AddDealRequest: request })
        : apis.deals.updateDeal({ id, UpdateDealRequest: request });
    return id === undefined
      ? apis.organizations.addOrganization({ AddOrganizationRequest: request })
      : apis.organizations.updateOrganization({ id, UpdateOrganizationRequest: request });
  }
}
