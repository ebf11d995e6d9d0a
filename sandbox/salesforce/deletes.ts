import { sfError, type Reply } from './handlers';
import { sfDateTime, type Store } from './store';

/** sObject Collections take at most 200 IDs a call. */
const MAX_IDS = 200;
/** How long the recycle bin keeps deleted records (and `deleted` can be asked about). */
const RETENTION_DAYS = 15;

/**
 * `DELETE /composite/sobjects?ids=a,b[&allOrNone=true]`: one result per ID in the order given, `ENTITY_IS_DELETED`
 * for a record already deleted (or never there), `MALFORMED_ID` for an ID of the wrong shape. With allOrNone, one
 * failure fails every record and nothing is deleted.
 */
export function deleteCollection(store: Store, q: URLSearchParams): Reply {
  const ids = (q.get('ids') ?? '').split(',').filter((s) => s !== '');
  if (ids.length === 0) return sfError(400, 'INVALID_FIELD', 'ids parameter is required');
  if (ids.length > MAX_IDS)
    return sfError(
      400,
      'EXCEEDED_ID_LIMIT',
      `record limit reached. cannot submit more than ${MAX_IDS} records into this call`,
    );
  const objectOf = (id: string) => [...store.objects.values()].find((o) => id.startsWith(o.keyPrefix))?.name;
  const problem = (id: string) => {
    if (!/^[A-Za-z0-9]{15}([A-Za-z0-9]{3})?$/.test(id))
      return { statusCode: 'MALFORMED_ID', message: `malformed id ${id}` };
    const object = objectOf(id);
    if (!object || !store.get(object, id)) return { statusCode: 'ENTITY_IS_DELETED', message: 'entity is deleted' };
    return null;
  };
  const problems = ids.map(problem);
  const allOrNone = q.get('allOrNone') === 'true';
  if (allOrNone && problems.some((p) => p !== null))
    return {
      status: 200,
      body: ids.map((id, i) => ({
        id,
        success: false,
        errors: [
          problems[i]
            ? { ...problems[i], fields: [] }
            : {
                statusCode: 'ALL_OR_NONE_OPERATION_ROLLED_BACK',
                message:
                  'Record rolled back because not all records were valid and the request was using AllOrNone header',
                fields: [],
              },
        ],
      })),
    };
  return {
    status: 200,
    body: ids.map((id, i) => {
      const p = problems[i];
      if (p) return { id, success: false, errors: [{ ...p, fields: [] }] };
      store.delete(objectOf(id)!, id);
      return { id: store.deletions.at(-1)!.record.Id, success: true, errors: [] };
    }),
  };
}

/** A datetime parameter as Salesforce takes it (`2026-01-02T03:04:05+00:00`, `...Z`, `...+0000`), to the minute. */
function minuteOf(value: string | null): number | null {
  if (value === null) return null;
  const t = Date.parse(value.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
  return Number.isNaN(t) ? null : Math.floor(t / 60_000) * 60_000;
}

/**
 * `GET /sobjects/{X}/deleted/?start=&end=`: the records of X deleted in [start, end] (seconds are ignored, as
 * Salesforce does), with `earliestDateAvailable` and `latestDateCovered`. A start before the recycle bin's retention
 * is refused, as Salesforce refuses it.
 */
export function getDeleted(store: Store, object: string, q: URLSearchParams): Reply {
  if (!store.objects.has(object)) return sfError(404, 'NOT_FOUND', 'The requested resource does not exist');
  const start = minuteOf(q.get('start'));
  const end = minuteOf(q.get('end'));
  if (start === null || end === null)
    return sfError(400, 'MALFORMED_QUERY', 'start and end are required datetimes, e.g. 2026-01-02T03:04:00+00:00');
  if (end < start) return sfError(400, 'INVALID_REPLICATION_DATE', 'end date must be after start date');
  const now = store.now().getTime();
  const earliest = now - RETENTION_DAYS * 86_400_000;
  if (start < Math.floor(earliest / 60_000) * 60_000)
    return sfError(400, 'INVALID_REPLICATION_DATE', 'startDate cannot be before the earliest date available');
  const deleted = store.deletions.filter(
    (d) => d.object === object && d.deletedDate.getTime() >= start && d.deletedDate.getTime() < end + 60_000,
  );
  const first = store.deletions.find((d) => d.object === object)?.deletedDate.getTime() ?? now;
  return {
    status: 200,
    body: {
      deletedRecords: deleted.map((d) => ({ id: d.record.Id, deletedDate: sfDateTime(d.deletedDate) })),
      earliestDateAvailable: sfDateTime(new Date(Math.max(first, earliest))),
      latestDateCovered: sfDateTime(new Date(Math.min(end + 59_000, now))),
    },
  };
}
