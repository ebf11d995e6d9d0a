import type { Reply } from '../http';
import { hubspotError } from '../http';
import type { HubSpotStore, StoredRecord } from '../store';
import { publicRecord, toMillis } from './common';

interface Filter {
  propertyName: string;
  operator: string;
  value?: string;
  values?: string[];
  highValue?: string;
}
interface SearchBody {
  filterGroups?: Array<{ filters?: Filter[] }>;
  sorts?: Array<{ propertyName: string; direction?: 'ASCENDING' | 'DESCENDING' } | string>;
  properties?: string[];
  limit?: number;
  after?: string | number;
}

const TIME_PROPS = new Set(['hs_lastmodifieddate', 'lastmodifieddate', 'createdate']);

function valueOf(record: StoredRecord, property: string): string | number | null {
  if (property === 'hs_lastmodifieddate' || property === 'lastmodifieddate') return record.updatedAt;
  if (property === 'createdate') return record.createdAt;
  if (property === 'hs_object_id') return Number(record.id);
  return record.properties[property] ?? null;
}

function comparable(property: string, actual: string | number, wanted: string): [number | string, number | string] {
  if (TIME_PROPS.has(property)) return [actual as number, toMillis(wanted)];
  if (typeof actual === 'number' || (/^-?\d+(\.\d+)?$/.test(actual) && /^-?\d+(\.\d+)?$/.test(wanted)))
    return [Number(actual), Number(wanted)];
  return [String(actual).toLowerCase(), wanted.toLowerCase()];
}

function matches(record: StoredRecord, f: Filter): boolean {
  const actual = valueOf(record, f.propertyName);
  if (f.operator === 'HAS_PROPERTY') return actual !== null && actual !== '';
  if (f.operator === 'NOT_HAS_PROPERTY') return actual === null || actual === '';
  if (f.operator === 'IN' || f.operator === 'NOT_IN') {
    const inList =
      actual !== null &&
      (f.values ?? []).some((v) => comparable(f.propertyName, actual, String(v)).every((x, _, arr) => x === arr[0]));
    return f.operator === 'IN' ? inList : !inList;
  }
  if (actual === null) return f.operator === 'NEQ';
  const [a, b] = comparable(f.propertyName, actual, String(f.value ?? ''));
  switch (f.operator) {
    case 'EQ':
      return a === b;
    case 'NEQ':
      return a !== b;
    case 'GT':
      return a > b;
    case 'GTE':
      return a >= b;
    case 'LT':
      return a < b;
    case 'LTE':
      return a <= b;
    case 'BETWEEN': {
      const [, hi] = comparable(f.propertyName, actual, String(f.highValue ?? ''));
      return a >= b && a <= hi;
    }
    case 'CONTAINS_TOKEN':
      return String(a).includes(String(b).replace(/\*/g, ''));
    default:
      throw new Error(`Unsupported operator ${f.operator}`);
  }
}

/** POST /crm/v3/objects/{objectType}/search, with HubSpot's cap on how far one query can page. */
export function search(store: HubSpotStore, object: string, body: SearchBody, cap: number): Reply {
  const limit = body.limit ?? 10;
  if (!Number.isInteger(limit) || limit < 1 || limit > 200)
    return hubspotError(400, 'VALIDATION_ERROR', `limit must be between 1 and 200, got ${limit}`);
  const after = Number(body.after ?? 0);
  if (!Number.isInteger(after) || after < 0)
    return hubspotError(400, 'VALIDATION_ERROR', `Invalid after: ${body.after}`);
  if (after >= cap) {
    return hubspotError(400, 'VALIDATION_ERROR', `There was a problem with the request.`, {
      errors: [
        {
          message: `Paging beyond ${cap} results is not supported by search. Use filters to narrow the query.`,
          code: 'INVALID_PAGING',
        },
      ],
    });
  }
  const groups = body.filterGroups ?? [];
  if (groups.length > 5) return hubspotError(400, 'VALIDATION_ERROR', 'Too many filter groups (max 5)');
  let found: StoredRecord[];
  try {
    found = store
      .records(object)
      .filter((r) => groups.length === 0 || groups.some((g) => (g.filters ?? []).every((f) => matches(r, f))));
  } catch (error) {
    return hubspotError(400, 'VALIDATION_ERROR', (error as Error).message);
  }
  const sort = body.sorts?.[0];
  const sortProp = typeof sort === 'string' ? sort : (sort?.propertyName ?? 'hs_object_id');
  const dir = typeof sort === 'string' || sort?.direction !== 'DESCENDING' ? 1 : -1;
  found.sort((x, y) => {
    const a = valueOf(x, sortProp);
    const b = valueOf(y, sortProp);
    const c = a === b ? 0 : a === null ? 1 : b === null ? -1 : a < b ? -1 : 1;
    return c !== 0 ? c * dir : Number(x.id) - Number(y.id);
  });
  const page = found.slice(after, after + limit);
  const next = after + limit < found.length ? after + limit : null;
  return {
    status: 200,
    body: {
      total: found.length,
      results: page.map((r) => publicRecord(object, r, body.properties)),
      ...(next !== null ? { paging: { next: { after: String(next) } } } : {}),
    },
  };
}
