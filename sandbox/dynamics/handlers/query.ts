import type { EntityDef } from '../entities';
import { CODES, DataverseFault } from '../errors';
import { preferences, type ApiReply, type ApiRequest } from '../http';
import { compareStored, eqDisjunction, matches, parseFilter, parseOrderBy } from '../odata';
import { contextOf, render, selected } from '../render';
import type { DataverseStore, StoredRow } from '../store';

/** Dataverse's largest page (and the default when `odata.maxpagesize` is not given). */
const MAX_PAGE = 5000;

interface PageToken {
  /** Sort values of the last row served. */
  after: unknown[];
  /** Rows `$top` still allows. */
  left?: number;
  /** With change tracking: the version the delta link of the last page will point at. */
  version?: number;
}

const encodeToken = (t: PageToken) => Buffer.from(JSON.stringify(t)).toString('base64url');

function decodeToken(text: string): PageToken {
  try {
    return JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as PageToken;
  } catch {
    throw new DataverseFault(400, CODES.badRequest, 'The $skiptoken is not valid.');
  }
}

/** `${version}!${date}` as Dataverse writes delta tokens; the version is all the emulator reads back. */
function deltaToken(version: number): string {
  const d = new Date();
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${version}!${pad(d.getUTCMonth() + 1)}/${pad(d.getUTCDate())}/${d.getUTCFullYear()} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

function link(req: ApiRequest, def: EntityDef, params: Record<string, string>): string {
  const query = new URLSearchParams(req.query);
  for (const name of ['$skiptoken', '$deltatoken']) query.delete(name);
  for (const [k, v] of Object.entries(params)) query.set(k, v);
  // Written as Dataverse writes its links: `$` option names as they are, values percent-encoded.
  const text = [...query].map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&');
  return `${req.base}${def.entitySetName}?${text}`;
}

/**
 * `GET /{entityset}`: `$select`, `$filter`, `$orderby`, `$top`, pages of `odata.maxpagesize` with `@odata.nextLink`,
 * change tracking (`Prefer: odata.track-changes` -> `@odata.deltaLink`), and delta reads (`$deltatoken`) that
 * return changed rows and `$deletedEntity` entries for deleted ones.
 */
export function listRecords(store: DataverseStore, def: EntityDef, req: ApiRequest): ApiReply {
  const q = req.query;
  const select = q.get('$select');
  const columns = selected(def, select);
  const prefer = preferences(req.headers);
  const delta = q.get('$deltatoken');
  if (delta !== null) return deltaRead(store, def, req, Number(delta.split('!')[0]), select);
  const token = q.get('$skiptoken') ? decodeToken(q.get('$skiptoken')!) : null;
  const tracking = prefer.trackChanges || token?.version !== undefined;
  if (tracking) {
    if (!def.changeTracking)
      throw new DataverseFault(
        400,
        CODES.badRequest,
        `Entity '${def.logicalName}' is not enabled for change tracking.`,
      );
    for (const option of ['$filter', '$orderby', '$top'])
      if (q.has(option))
        throw new DataverseFault(
          400,
          CODES.badRequest,
          `The query parameter ${option} is not supported with change tracking.`,
        );
  }
  const filter = q.get('$filter') ? parseFilter(q.get('$filter')!) : null;
  const order = [...parseOrderBy(q.get('$orderby')), [def.primaryId, 1] as [string, 1 | -1]];
  const keyOf = (row: StoredRow) => order.map(([field]) => (field === def.primaryId ? row.id : row.values[field]));
  const compare = (a: unknown[], b: unknown[]) => {
    for (let i = 0; i < order.length; i++) {
      const c = compareStored(a[i] as never, b[i] as never) * order[i]![1];
      if (c) return c;
    }
    return 0;
  };
  let rows = candidates(store, def, filter).filter((r) => !filter || matches(filter, r, def));
  const keyed = rows.map((r) => ({ r, k: keyOf(r) }));
  keyed.sort((a, b) => compare(a.k, b.k));
  const after = token?.after;
  const start = after ? keyed.findIndex((x) => compare(x.k, after) > 0) : 0;
  const top = token?.left ?? (q.has('$top') ? Number(q.get('$top')) : Infinity);
  const size = Math.min(prefer.maxPageSize ?? MAX_PAGE, MAX_PAGE, top);
  const remaining = start < 0 ? [] : keyed.slice(start);
  const page = remaining.slice(0, size);
  rows = page.map((x) => x.r);
  const body: Record<string, unknown> = {
    '@odata.context': contextOf(req.base, def, select),
    value: rows.map((r) => render(def, r, columns)),
  };
  const version = token?.version ?? store.version;
  const more = remaining.length > page.length && top - page.length > 0;
  if (more) {
    const next: PageToken = { after: page.at(-1)!.k, ...(Number.isFinite(top) ? { left: top - page.length } : {}) };
    if (tracking) next.version = version;
    body['@odata.nextLink'] = link(req, def, { $skiptoken: encodeToken(next) });
  } else if (tracking) {
    body['@odata.deltaLink'] = link(req, def, { $deltatoken: deltaToken(version) });
  }
  const headers: Record<string, string> = {};
  if (prefer.maxPageSize) headers['Preference-Applied'] = `odata.maxpagesize=${size}`;
  if (tracking)
    headers['Preference-Applied'] = [headers['Preference-Applied'], 'odata.track-changes'].filter(Boolean).join(',');
  return { status: 200, body, headers };
}

/** The rows a filter can match: by the alternate-key index for `key eq … or key eq …`, else every row. */
function candidates(store: DataverseStore, def: EntityDef, filter: ReturnType<typeof parseFilter> | null): StoredRow[] {
  const eq = filter ? eqDisjunction(filter) : null;
  if (!eq || !def.keys.some((k) => k.attributes.length === 1 && k.attributes[0] === eq.field))
    return store.all(def.logicalName);
  const rows = new Map<string, StoredRow>();
  for (const value of eq.values) {
    const row = store.findByKey(def.logicalName, { [eq.field]: value as string });
    if (row) rows.set(row.id, row);
  }
  return [...rows.values()];
}

function deltaRead(
  store: DataverseStore,
  def: EntityDef,
  req: ApiRequest,
  since: number,
  select: string | null,
): ApiReply {
  if (!def.changeTracking)
    throw new DataverseFault(400, CODES.badRequest, `Entity '${def.logicalName}' is not enabled for change tracking.`);
  if (!Number.isInteger(since) || since > store.version)
    throw new DataverseFault(400, CODES.badRequest, 'The delta token is not valid.');
  const columns = selected(def, select);
  const changed = store
    .all(def.logicalName)
    .filter((r) => r.version > since)
    .sort((a, b) => a.version - b.version)
    .map((r) => render(def, r, columns));
  const deleted = store.deletedSince(def.logicalName, since).map((t) => ({
    '@odata.context': `${req.base}$metadata#${def.entitySetName}/$deletedEntity`,
    id: t.id,
    reason: 'deleted',
  }));
  return {
    status: 200,
    body: {
      '@odata.context': contextOf(req.base, def, select),
      '@odata.deltaLink': link(req, def, { $deltatoken: deltaToken(store.version) }),
      value: [...changed, ...deleted],
    },
  };
}
