import { FIELDS_PATH, OBJECTS } from './store';
import { pdError, TYPE_OF, type Reply } from './http';
import { deleteOne, recents } from './handlers/deletes';
import { listFields } from './handlers/fields';
import { list } from './handlers/records';
import { search } from './handlers/search';
import { write, type WriteContext } from './handlers/write';

/** Dispatches one authenticated, rate-limited request to its endpoint (`parts`: the path, `/api/v2` as `v2`). */
export function route(
  ctx: WriteContext,
  method: string,
  parts: string[],
  q: URLSearchParams,
  body: Record<string, unknown>,
): Reply {
  const notFound = () => pdError(404, `Unknown method ${method} /${parts.join('/')}`);
  if (parts[0] === 'v1' && method === 'GET') {
    const object = OBJECTS.find((o) => FIELDS_PATH[o] === parts[1]);
    if (object && parts.length === 2) return listFields(ctx.store, object, q);
    if (parts[1] === 'pipelines' && parts.length === 2)
      return { status: 200, body: { success: true, data: ctx.store.pipelines } };
    if (parts[1] === 'stages' && parts.length === 2) {
      const pipeline = q.get('pipeline_id');
      return {
        status: 200,
        body: {
          success: true,
          data: ctx.store.stages.filter((s) => !pipeline || String(s.pipeline_id) === pipeline),
        },
      };
    }
    if (parts[1] === 'recents' && parts.length === 2) return recents(ctx.store, q);
    if (parts[1] === 'users' && parts[2] === 'me')
      return { status: 200, body: { success: true, data: { id: 1, name: 'Emulator User', company_id: 1 } } };
    return notFound();
  }
  if (parts[0] !== 'v2') return notFound();
  if (method === 'GET' && parts.length === 2 && parts[1] === 'pipelines')
    return {
      status: 200,
      body: { success: true, data: ctx.store.pipelines, additional_data: { next_cursor: null } },
    };
  if (method === 'GET' && parts.length === 2 && parts[1] === 'stages') {
    const pipeline = q.get('pipeline_id');
    return {
      status: 200,
      body: {
        success: true,
        data: ctx.store.stages.filter((s) => !pipeline || String(s.pipeline_id) === pipeline),
        additional_data: { next_cursor: null },
      },
    };
  }
  const object = OBJECTS.find((o) => o === parts[1]);
  if (!object) return notFound();
  if (parts.length === 2 && method === 'GET') return list(ctx.store, object, q);
  if (parts.length === 3 && parts[2] === 'search' && method === 'GET' && object !== 'activities')
    return search(ctx.store, object, q);
  if (parts.length === 2 && method === 'POST') return write(ctx, object, undefined, body);
  if (parts.length === 3 && /^\d+$/.test(parts[2]!)) {
    const id = Number(parts[2]);
    if (method === 'GET') {
      const r = ctx.store.get(object, id);
      return r ? { status: 200, body: { success: true, data: r } } : pdError(404, `${TYPE_OF[object]} not found`);
    }
    if (method === 'PATCH') return write(ctx, object, id, body);
    if (method === 'DELETE') return deleteOne(ctx.store, object, id);
  }
  return notFound();
}
