import type { ObjectDef } from './schema';
import type { Journal, Store, SfRecord, UpsertOutcome } from './store';
import { compareBy, lowerTimeBound, matches, normalizeIds, parseSoql, SoqlError, type Cond } from './soql';

export const API_VERSION = '60.0';
export const API_BASE = `/services/data/v${API_VERSION}`;
export const QUERY_BATCH_SIZE = 2000;
export const MAX_COLLECTION_RECORDS = 200;

/** A JSON reply (`body`), or a raw one (`text`, e.g. CSV) with its content type. */
export interface Reply {
  status: number;
  body?: unknown;
  text?: string;
  contentType?: string;
}

export const sfError = (status: number, errorCode: string, message: string, fields?: string[]): Reply => ({
  status,
  body: [{ message, errorCode, ...(fields ? { fields } : {}) }],
});

/** What the global describe and an object's own describe both say of an object. */
const objectHeader = (o: ObjectDef) => ({
  name: o.name,
  label: o.label,
  labelPlural: o.labelPlural,
  keyPrefix: o.keyPrefix,
  custom: o.custom,
  queryable: true,
  createable: true,
  updateable: true,
  urls: { sobject: `${API_BASE}/sobjects/${o.name}`, describe: `${API_BASE}/sobjects/${o.name}/describe` },
});

/** GET /sobjects */
export function describeGlobal(store: Store): Reply {
  const sobjects = [...store.objects.values()].map((o) => ({ ...objectHeader(o), deletable: true, searchable: true }));
  return { status: 200, body: { encoding: 'UTF-8', maxBatchSize: MAX_COLLECTION_RECORDS, sobjects } };
}

/** GET /sobjects/{SObject}/describe */
export function describeSObject(store: Store, name: string): Reply {
  const o = store.objects.get(name);
  if (!o) return sfError(404, 'NOT_FOUND', 'The requested resource does not exist');
  return {
    status: 200,
    body: {
      ...objectHeader(o),
      fields: o.fields.map((f) => ({
        length: f.type === 'string' ? 255 : 0,
        defaultedOnCreate: false,
        referenceTo: [],
        relationshipName: null,
        restrictedPicklist: false,
        ...f,
      })),
    },
  };
}

/** A query's matching records and how to shape one into the reply. */
interface ResultSet {
  records: SfRecord[];
  shape: (r: SfRecord) => Record<string, unknown>;
}

/** Open query cursors: locator -> the query's matching records; each page shapes only its own 2,000. */
export class Cursors {
  private next = 0;
  private readonly open = new Map<string, ResultSet>();

  page(set: ResultSet, offset: number, locator?: string): Reply {
    const records = set.records.slice(offset, offset + QUERY_BATCH_SIZE).map(set.shape);
    const done = offset + records.length >= set.records.length;
    let nextRecordsUrl: string | undefined;
    if (!done) {
      const id = locator ?? `01gD${String(++this.next).padStart(11, '0')}AAA`;
      this.open.set(id, set);
      nextRecordsUrl = `${API_BASE}/query/${id}-${offset + records.length}`;
    } else if (locator) {
      this.open.delete(locator);
    }
    return {
      status: 200,
      body: { totalSize: set.records.length, done, ...(nextRecordsUrl ? { nextRecordsUrl } : {}), records },
    };
  }

  more(locatorAndOffset: string): Reply {
    const m = /^(.+)-(\d+)$/.exec(locatorAndOffset);
    const set = m ? this.open.get(m[1]!) : undefined;
    if (!m || !set) return sfError(400, 'INVALID_QUERY_LOCATOR', 'invalid query locator');
    return this.page(set, Number(m[2]), m[1]);
  }
}

function condFields(c: Cond | undefined, out: string[] = []): string[] {
  if (!c) return out;
  if (c.kind === 'cmp') out.push(c.field);
  else {
    condFields(c.left, out);
    condFields(c.right, out);
  }
  return out;
}

/**
 * The matching records. A query ordered by SystemModstamp (then Id) ascending reads the store's ordered index from
 * the WHERE clause's lower SystemModstamp bound, so an incremental read costs the records it returns, not the org.
 */
function select(
  store: Store,
  from: string,
  where: Cond | undefined,
  orderBy: Array<{ field: string; desc: boolean }>,
  limit: number | undefined,
): SfRecord[] {
  const indexed =
    orderBy.length > 0 &&
    orderBy[0]!.field === 'SystemModstamp' &&
    !orderBy[0]!.desc &&
    (orderBy.length === 1 || (orderBy.length === 2 && orderBy[1]!.field === 'Id' && !orderBy[1]!.desc));
  if (indexed) {
    const out: SfRecord[] = [];
    for (const r of store.ordered(from, lowerTimeBound(where))) {
      if (where && !matches(where, r)) continue;
      out.push(r);
      if (limit !== undefined && out.length >= limit) break;
    }
    return out;
  }
  let rows = store.all(from);
  if (where) rows = rows.filter((r) => matches(where, r));
  if (orderBy.length) rows.sort(compareBy(orderBy));
  return limit !== undefined ? rows.slice(0, limit) : rows;
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
  if (!def)
    return sfError(
      400,
      'INVALID_TYPE',
      `sObject type '${q.from}' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name.`,
    );
  const canonical = new Map(def.fields.map((f) => [f.name.toLowerCase(), f.name]));
  const named = (f: string) => canonical.get(f.toLowerCase()) ?? f;
  const wanted = q.fields.map(named);
  const orderBy = q.orderBy.map((o) => ({ ...o, field: named(o.field) }));
  const where = q.where ? normalizeIds(q.where, named, (f) => def.fields.find((d) => d.name === f)?.type) : undefined;
  const known = new Set(def.fields.map((f) => f.name));
  const bad = [...wanted, ...orderBy.map((o) => o.field), ...condFields(where)].find((f) => !known.has(f));
  if (bad)
    return sfError(
      400,
      'INVALID_FIELD',
      `No such column '${bad}' on entity '${q.from}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name.`,
    );
  const records = select(store, q.from, where, orderBy, q.limit);
  const shape = (r: SfRecord) => {
    const out: Record<string, unknown> = {
      attributes: { type: q.from, url: `${API_BASE}/sobjects/${q.from}/${r.Id}` },
    };
    for (const f of wanted) out[f] = r[f] ?? null;
    return out;
  };
  return cursors.page({ records, shape }, 0);
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
  if (!payload || !Array.isArray(payload.records))
    return sfError(400, 'JSON_PARSER_ERROR', 'records: expected an array');
  if (payload.records.length > MAX_COLLECTION_RECORDS) {
    return sfError(
      400,
      'EXCEEDED_ID_LIMIT',
      `record limit reached. cannot submit more than ${MAX_COLLECTION_RECORDS} records into this call`,
    );
  }
  const records = payload.records as Array<Record<string, unknown>>;
  const bad = records.findIndex((r) => (r.attributes as { type?: string } | undefined)?.type !== object);
  if (bad >= 0) return sfError(400, 'INVALID_TYPE', `records[${bad}]: attributes.type must be ${object}`);
  const journal: Journal | undefined = payload.allOrNone ? [] : undefined;
  // One call is one transaction: its change events are published together, or not at all when it is rolled back.
  return store.capture.transaction(() => {
    const results: UpsertOutcome[] = records.map((r) => store.upsertOne(object, extField, r, journal));
    if (journal && results.some((r) => !r.success)) {
      store.rollback(journal);
      store.capture.discard();
      return rolledBack(results);
    }
    return { status: 200, body: results };
  });
}

/** The answer of an allOrNone call that failed: every record that went through is reported rolled back. */
function rolledBack(results: UpsertOutcome[]): Reply {
  return {
    status: 200,
    body: results.map((r) =>
      r.success
        ? {
            id: null,
            success: false,
            created: false,
            errors: [
              {
                statusCode: 'ALL_OR_NONE_OPERATION_ROLLED_BACK',
                message:
                  'Record rolled back because not all records were valid and the request was using AllOrNone header',
                fields: [],
              },
            ],
          }
        : r,
    ),
  };
}
