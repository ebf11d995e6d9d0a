import type { Store, SfRecord, UpsertOutcome } from './store';
import { compareBy, matches, parseSoql, SoqlError } from './soql';

export const API_VERSION = '60.0';
export const API_BASE = `/services/data/v${API_VERSION}`;
export const QUERY_BATCH_SIZE = 2000;
export const MAX_COLLECTION_RECORDS = 200;

export interface Reply { status: number; body: unknown }

export const sfError = (status: number, errorCode: string, message: string, fields?: string[]): Reply => ({
  status,
  body: [{ message, errorCode, ...(fields ? { fields } : {}) }],
});

/** GET /sobjects */
export function describeGlobal(store: Store): Reply {
  const sobjects = [...store.objects.values()].map((o) => ({
    name: o.name, label: o.label, labelPlural: o.labelPlural, keyPrefix: o.keyPrefix, custom: o.custom,
    queryable: true, createable: true, updateable: true, deletable: true, searchable: true,
    urls: { sobject: `${API_BASE}/sobjects/${o.name}`, describe: `${API_BASE}/sobjects/${o.name}/describe` },
  }));
  return { status: 200, body: { encoding: 'UTF-8', maxBatchSize: MAX_COLLECTION_RECORDS, sobjects } };
}

/** GET /sobjects/{SObject}/describe */
export function describeSObject(store: Store, name: string): Reply {
  const o = store.objects.get(name);
  if (!o) return sfError(404, 'NOT_FOUND', 'The requested resource does not exist');
  return {
    status: 200,
    body: {
      name: o.name, label: o.label, labelPlural: o.labelPlural, keyPrefix: o.keyPrefix, custom: o.custom,
      queryable: true, createable: true, updateable: true,
      fields: o.fields.map((f) => ({ length: f.type === 'string' ? 255 : 0, defaultedOnCreate: false, ...f })),
      urls: { sobject: `${API_BASE}/sobjects/${o.name}`, describe: `${API_BASE}/sobjects/${o.name}/describe` },
    },
  };
}

/** Open query cursors: locator -> the remaining result rows. */
export class Cursors {
  private next = 0;
  private readonly open = new Map<string, Array<Record<string, unknown>>>();

  page(rows: Array<Record<string, unknown>>, offset: number, locator?: string): Reply {
    const records = rows.slice(offset, offset + QUERY_BATCH_SIZE);
    const done = offset + records.length >= rows.length;
    let nextRecordsUrl: string | undefined;
    if (!done) {
      const id = locator ?? `01gD${String(++this.next).padStart(11, '0')}AAA`;
      this.open.set(id, rows);
      nextRecordsUrl = `${API_BASE}/query/${id}-${offset + records.length}`;
    } else if (locator) {
      this.open.delete(locator);
    }
    return { status: 200, body: { totalSize: rows.length, done, ...(nextRecordsUrl ? { nextRecordsUrl } : {}), records } };
  }

  more(locatorAndOffset: string): Reply {
    const m = /^(.+)-(\d+)$/.exec(locatorAndOffset);
    const rows = m ? this.open.get(m[1]!) : undefined;
    if (!m || !rows) return sfError(400, 'INVALID_QUERY_LOCATOR', 'invalid query locator');
    return this.page(rows, Number(m[2]), m[1]);
  }
}

/** GET /query?q= */
export function query(store: Store, cursors: Cursors, soql: string | null): Reply {
  if (!soql) return sfError(400, 'MALFORMED_QUERY', 'A query string has to be specified');
  let q;
  try {
    q = parseSoql(soql);
  } catch (error) {
    return sfError(400, error instanceof SoqlError ? 'MALFORMED_QUERY' : 'UNKNOWN_EXCEPTION', (error as Error).message);
  }
  const def = store.objects.get(q.from);
  if (!def) return sfError(400, 'INVALID_TYPE', `sObject type '${q.from}' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name.`);
  const known = new Set(def.fields.map((f) => f.name));
  const wanted = q.fields.map((f) => def.fields.find((d) => d.name.toLowerCase() === f.toLowerCase())?.name ?? f);
  const referenced = [...wanted, ...q.orderBy.map((o) => o.field)];
  const bad = referenced.find((f) => !known.has(f));
  if (bad) return sfError(400, 'INVALID_FIELD', `No such column '${bad}' on entity '${q.from}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name.`);
  let rows: SfRecord[] = store.all(q.from);
  if (q.where) {
    const where = q.where;
    rows = rows.filter((r) => matches(where, r));
  }
  if (q.orderBy.length) rows.sort(compareBy(q.orderBy));
  if (q.limit !== undefined) rows = rows.slice(0, q.limit);
  const shaped = rows.map((r) => {
    const out: Record<string, unknown> = { attributes: { type: q.from, url: `${API_BASE}/sobjects/${q.from}/${r.Id}` } };
    for (const f of wanted) out[f] = r[f] ?? null;
    return out;
  });
  return cursors.page(shaped, 0);
}

/** PATCH /composite/sobjects/{SObject}/{ExternalIdField} */
export function upsertCollection(store: Store, object: string, extField: string, body: unknown): Reply {
  const def = store.objects.get(object);
  if (!def) return sfError(400, 'INVALID_TYPE', `sObject type '${object}' is not supported.`);
  const ext = def.fields.find((f) => f.name === extField);
  if (!ext || !(ext.externalId || ext.name === 'Id')) {
    return sfError(400, 'INVALID_FIELD', `Field ${extField} is not an external ID or indexed field for ${object}`);
  }
  const payload = body as { allOrNone?: boolean; records?: unknown };
  if (!payload || !Array.isArray(payload.records)) return sfError(400, 'JSON_PARSER_ERROR', 'records: expected an array');
  if (payload.records.length > MAX_COLLECTION_RECORDS) {
    return sfError(400, 'EXCEEDED_ID_LIMIT', `record limit reached. cannot submit more than ${MAX_COLLECTION_RECORDS} records into this call`);
  }
  const records = payload.records as Array<Record<string, unknown>>;
  const bad = records.findIndex((r) => (r.attributes as { type?: string } | undefined)?.type !== object);
  if (bad >= 0) return sfError(400, 'INVALID_TYPE', `records[${bad}]: attributes.type must be ${object}`);
  const before = payload.allOrNone ? store.snapshot(object) : null;
  const results: UpsertOutcome[] = records.map((r) => store.upsertOne(object, extField, r));
  if (before && results.some((r) => !r.success)) {
    store.restore(object, before);
    return {
      status: 200,
      body: results.map((r) => r.success
        ? { id: null, success: false, created: false, errors: [{ statusCode: 'ALL_OR_NONE_OPERATION_ROLLED_BACK', message: 'Record rolled back because not all records were valid and the request was using AllOrNone header', fields: [] }] }
        : r),
    };
  }
  return { status: 200, body: results };
}
