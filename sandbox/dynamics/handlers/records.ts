import type { EntityDef } from '../entities';
import { CODES, DataverseFault } from '../errors';
import type { Faults } from '../faults';
import { preferences, type ApiReply, type ApiRequest } from '../http';
import { parseKeySegment } from '../odata';
import { render, selected } from '../render';
import type { DataverseStore, StoredRow } from '../store';
import type { Stored } from '../values';

const BIND = '@odata.bind';

export interface RecordContext {
  store: DataverseStore;
  faults: Faults;
}

function parseBody(req: ApiRequest, def: EntityDef): Record<string, unknown> {
  let body: unknown;
  try {
    body = req.body ? JSON.parse(req.body) : {};
  } catch {
    throw new DataverseFault(
      400,
      CODES.badRequest,
      `The request body for entity '${def.entitySetName}' is not valid JSON.`,
    );
  }
  if (!body || typeof body !== 'object' || Array.isArray(body))
    throw new DataverseFault(400, CODES.badRequest, 'The request body must be a JSON object.');
  return body as Record<string, unknown>;
}

/** `/accounts(<guid>)` or `accounts(accountnumber='X')`, absolute or relative, as the row it names. */
function resolveReference(ctx: RecordContext, req: ApiRequest, target: string, value: string): string {
  // `$1` names the row an earlier request of the same change set wrote.
  const ref = /^\$\d+$/.test(value) ? (req.refs?.get(value.slice(1)) ?? value) : value;
  const path = ref.startsWith(req.base) ? ref.slice(req.base.length) : ref.replace(/^.*\/api\/data\/v[\d.]+\//, '');
  const m = /^\/?([A-Za-z_][\w]*)\((.*)\)$/.exec(path);
  const def = m ? ctx.store.bySet(m[1]!) : undefined;
  if (!m || !def || def.logicalName !== target)
    throw new DataverseFault(400, CODES.badRequest, `The reference '${ref}' does not name a record of '${target}'.`);
  const row = findRow(ctx.store, def, decodeURIComponent(m[2]!));
  if (!row) throw new DataverseFault(404, CODES.notFound, `${def.logicalName} With Ids = ${m[2]} Do Not Exist`);
  return row.id;
}

/** The body's columns checked, with `<nav>@odata.bind` references resolved to the lookup's `_x_value`. */
function valuesOf(
  ctx: RecordContext,
  req: ApiRequest,
  def: EntityDef,
  body: Record<string, unknown>,
): Record<string, Stored> {
  const plain: Record<string, unknown> = {};
  const lookups: Record<string, Stored> = {};
  for (const [name, value] of Object.entries(body)) {
    if (name.startsWith('@odata.')) continue;
    if (!name.endsWith(BIND)) {
      plain[name] = value;
      continue;
    }
    const nav = name.slice(0, -BIND.length);
    const attr = def.attributes.find((a) => a.navigation && nav in a.navigation);
    if (!attr)
      throw new DataverseFault(
        400,
        CODES.badRequest,
        `An undeclared property '${nav}' which only has property annotations in the payload but no property value was found in the payload.`,
      );
    lookups[`_${attr.logicalName}_value`] =
      value === null ? null : resolveReference(ctx, req, attr.navigation![nav]!, String(value));
  }
  return { ...ctx.store.checked(def.logicalName, plain), ...lookups };
}

export function findRow(store: DataverseStore, def: EntityDef, segment: string): StoredRow | undefined {
  const key = parseKeySegment(segment);
  return 'id' in key ? store.get(def.logicalName, key.id) : store.findByKey(def.logicalName, key.values);
}

const notFound = (def: EntityDef, segment: string) =>
  new DataverseFault(404, CODES.notFound, `${def.logicalName} With Ids = ${segment} Do Not Exist`);

function written(req: ApiRequest, def: EntityDef, row: StoredRow, created: boolean, segment?: string): ApiReply {
  const entityId = `${req.base}${def.entitySetName}(${segment ?? row.id})`;
  if (!preferences(req.headers).returnRepresentation) return { status: 204, headers: { 'OData-EntityId': entityId } };
  const select = req.query.get('$select');
  return {
    status: created ? 201 : 200,
    body: {
      '@odata.context': `${req.base}$metadata#${def.entitySetName}/$entity`,
      ...render(def, row, selected(def, select)),
    },
    headers: { 'OData-EntityId': entityId },
  };
}

function injected(ctx: RecordContext, def: EntityDef, keys: Array<Stored | undefined>): void {
  const failure = ctx.faults.recordFailure(
    def.entitySetName,
    keys.filter((k): k is string | number => typeof k === 'string' || typeof k === 'number').map(String),
  );
  if (failure) throw new DataverseFault(failure.status, failure.code, failure.message);
}

export function getRecord(ctx: RecordContext, def: EntityDef, segment: string, req: ApiRequest): ApiReply {
  const row = findRow(ctx.store, def, segment);
  if (!row) throw notFound(def, segment);
  return {
    status: 200,
    body: {
      '@odata.context': `${req.base}$metadata#${def.entitySetName}/$entity`,
      ...render(def, row, selected(def, req.query.get('$select'))),
    },
  };
}

/**
 * `PATCH /{set}({key})`: an upsert by ID or alternate key. `If-Match: *` only updates (404 when missing),
 * `If-None-Match: *` only creates (412 when the key exists). 204, or with `return=representation` 201/200 and the row.
 */
export function patchRecord(ctx: RecordContext, def: EntityDef, segment: string, req: ApiRequest): ApiReply {
  const key = parseKeySegment(segment);
  const existing =
    'id' in key ? ctx.store.get(def.logicalName, key.id) : ctx.store.findByKey(def.logicalName, key.values);
  const body = parseBody(req, def);
  injected(ctx, def, [
    'id' in key ? key.id : undefined,
    ...('values' in key ? Object.values(key.values) : []),
    existing?.id,
  ]);
  const values = valuesOf(ctx, req, def, body);
  const ifMatch = req.headers['if-match'];
  if (existing) {
    if (req.headers['if-none-match'] === '*')
      throw new DataverseFault(412, CODES.duplicateKey, 'A record with matching key values already exists.');
    if (ifMatch && ifMatch !== '*' && ifMatch !== `W/"${existing.version}"`)
      throw new DataverseFault(
        412,
        CODES.badRequest,
        "The version of the existing record doesn't match the RowVersion property provided.",
      );
    return written(req, def, ctx.store.update(def.logicalName, existing, values), false, segment);
  }
  if (ifMatch) throw notFound(def, segment);
  const row = ctx.store.insert(def.logicalName, { ...values, ...('values' in key ? key.values : {}) });
  return written(req, def, row, true, 'id' in key ? undefined : segment);
}

/** `POST /{set}`: creates a row; 204 with `OData-EntityId`, or 201 and the row with `return=representation`. */
export function createRecord(ctx: RecordContext, def: EntityDef, req: ApiRequest): ApiReply {
  const body = parseBody(req, def);
  const values = valuesOf(ctx, req, def, body);
  injected(
    ctx,
    def,
    def.keys.flatMap((k) => k.attributes.map((a) => values[a])),
  );
  return written(req, def, ctx.store.insert(def.logicalName, values), true);
}

export function deleteRecord(ctx: RecordContext, def: EntityDef, segment: string): ApiReply {
  const row = findRow(ctx.store, def, segment);
  if (!row) throw notFound(def, segment);
  ctx.store.delete(def.logicalName, row.id);
  return { status: 204 };
}
