import type { Value } from '../connector';
import type { UpsertInput, UpsertResult } from '../connector';
import { BulkUpsert } from './bulk-upsert';
import { checkName, type SalesforceClient } from './client';
import type { SalesforceDescribe } from './describe';
import { isConnectionFailure, recordErrorMessage, SalesforceError } from './errors';
import { DEFAULT_BULK_THRESHOLD, MAX_BATCH } from './options';
import { CollectionResults, parseReply, type DescribeField } from './schemas';

/** Upserts by an external-ID field: sObject Collections for small batches, Bulk API 2.0 for large ones. */
export class SalesforceUpserter {
  private readonly bulk: BulkUpsert;

  constructor(
    private readonly client: SalesforceClient,
    private readonly describer: SalesforceDescribe,
  ) {
    this.bulk = new BulkUpsert(client);
  }
  /**
   * Upserts by an external-ID field: up to `bulkThreshold` records in sObject Collections calls of up to 200 records
   * (allOrNone false), more through Bulk API 2.0 ingest jobs. Transient failures are retried. Each record comes back
   * `created`, `updated` or `failed` with what Salesforce objected to. A Collections call that was applied but whose
   * answer was lost is sent again: the records are then reported `updated`.
   */
  async upsert(object: string, records: UpsertInput[], options: { keyProperty: string }): Promise<UpsertResult[]> {
    if (records.length === 0) return [];
    checkName(object, 'object');
    const keyProperty = checkName(options.keyProperty, 'field');
    const d = await this.describer.raw(object);
    const fields = new Map(d.fields.map((f) => [f.name, f]));
    const key = fields.get(keyProperty);
    if (!key) throw new SalesforceError(`${object} has no field ${keyProperty}`, 'INVALID_FIELD');
    if (!key.externalId && keyProperty !== 'Id')
      throw new SalesforceError(
        `${object}.${keyProperty} is not an External ID field, so Salesforce cannot upsert by it`,
        'INVALID_FIELD',
      );

    const results = new Array<UpsertResult>(records.length);
    const seen = new Set<string>();
    const toSend: number[] = [];
    records.forEach((r, i) => {
      if (seen.has(r.key))
        results[i] = { key: r.key, status: 'failed', error: `key ${r.key} appears more than once in this upsert` };
      else {
        seen.add(r.key);
        toSend.push(i);
      }
    });
    if (toSend.length > (this.client.options.bulkThreshold ?? DEFAULT_BULK_THRESHOLD))
      await this.bulk.upsert(object, keyProperty, records, toSend, results, (r) => this.values(r, keyProperty, fields));
    else await this.upsertCollections(object, keyProperty, fields, records, toSend, results);
    return results;
  }

  /** Fields of one record as Salesforce wants them, key last. */
  private values(r: UpsertInput, keyProperty: string, fields: Map<string, DescribeField>): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(r.properties))
      if (name !== keyProperty) out[name] = this.coerce(fields.get(name), value);
    out[keyProperty] = r.key;
    return out;
  }

  /** sObject Collections calls of up to 200 records (allOrNone false), each retried on transient failures. */
  private async upsertCollections(
    object: string,
    keyProperty: string,
    fields: Map<string, DescribeField>,
    records: UpsertInput[],
    toSend: number[],
    results: UpsertResult[],
  ): Promise<void> {
    const batchSize = this.client.options.batchSize ?? MAX_BATCH;
    for (let start = 0; start < toSend.length; start += batchSize) {
      const indexes = toSend.slice(start, start + batchSize);
      const body = JSON.stringify({
        allOrNone: false,
        records: indexes.map((i) => ({
          attributes: { type: object },
          ...this.values(records[i]!, keyProperty, fields),
        })),
      });
      let reply: unknown;
      try {
        reply = await this.client.call(
          `Salesforce upsert ${object} by ${keyProperty}`,
          (c) =>
            c.request<unknown>(
              {
                method: 'PATCH',
                url: `/composite/sobjects/${object}/${keyProperty}`,
                body,
                headers: { 'content-type': 'application/json' },
              },
              this.client.requestOptions,
            ),
          true,
        );
      } catch (error) {
        // Every record gets a result, even when a call fails for good. A batch whose answer never came may have been
        // written: that is said, and a re-run is safe because upserts by external ID are idempotent. Salesforce
        // unreachable or refusing the session or every call is no record's failure: the upsert stops there.
        if (isConnectionFailure(error)) throw error;
        const reason = `${(error as Error).message} (this batch's outcome is unknown; run the upsert again: it is idempotent by ${keyProperty})`;
        for (const i of indexes) results[i] = { key: records[i]!.key, status: 'failed', error: reason };
        continue;
      }
      const answer = parseReply(
        CollectionResults,
        reply,
        `PATCH ${this.client.apiRoot}/composite/sobjects/${object}/${keyProperty}`,
      );
      if (answer.length !== indexes.length) {
        throw new SalesforceError(
          `Salesforce upsert ${object}: expected ${indexes.length} results, got ${answer.length}`,
          'BAD_RESPONSE',
        );
      }
      indexes.forEach((i, n) => {
        const res = answer[n]!;
        const k = records[i]!.key;
        results[i] = res.success
          ? { key: k, status: res.created ? 'created' : 'updated', ...(res.id ? { id: res.id } : {}) }
          : { key: k, status: 'failed', error: recordErrorMessage(res.errors ?? undefined) };
      });
    }
  }

  /** Strings travel as the field's JSON type: numbers for numeric fields, booleans for checkboxes. */
  private coerce(field: DescribeField | undefined, value: Value): unknown {
    if (value === null || !field) return value;
    if (['int', 'long', 'double', 'currency', 'percent'].includes(field.type)) {
      const n = Number(value);
      return value.trim() !== '' && Number.isFinite(n) ? n : value;
    }
    if (field.type === 'boolean')
      return /^(true|1|yes)$/i.test(value) ? true : /^(false|0|no)$/i.test(value) ? false : value;
    return value;
  }
}
