import { z } from 'zod';
import { header, reject, type ChangeAction, type ChangeNotice, type Verification, type WebhookRequest } from '../types';
import { safeEqual } from './compare';

export interface PipedriveVerifierSettings {
  user: string;
  password: string;
}

const idLike = z.union([z.number().int().nonnegative(), z.string().min(1).max(64)]).transform(String);

/** v2 (`meta.version: "2.0"`): a UUID per event, ISO timestamp, actions create/change/delete. */
const v2Schema = z.looseObject({
  meta: z.looseObject({
    version: z.string().startsWith('2'),
    id: z.string().min(1).max(100),
    action: z.string(),
    entity: z.string().regex(/^[a-z_]+$/),
    entity_id: idLike,
    timestamp: z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'not a date'),
    attempt: z.number().int().optional(),
  }),
});

/** v1: no event ID; `meta.object`, `meta.id` (the record), epoch seconds, actions added/updated/deleted/merged. */
const v1Schema = z.looseObject({
  meta: z.looseObject({
    action: z.string(),
    object: z.string().regex(/^[a-zA-Z_]+$/),
    id: idLike,
    timestamp: z.number().int().nonnegative(),
    timestamp_micro: z.number().int().nonnegative().optional(),
    webhook_id: idLike.optional(),
  }),
});

const ACTIONS: Record<string, ChangeAction> = {
  create: 'create',
  change: 'update',
  delete: 'delete',
  added: 'create',
  updated: 'update',
  deleted: 'delete',
  merged: 'update',
};

/** Entity names in webhooks are singular; the connectors use the API's plural paths. */
export function pipedriveObject(entity: string): string {
  const irregular: Record<string, string> = {
    person: 'persons',
    activity: 'activities',
    activityType: 'activityTypes',
    deal_product: 'deal_products',
  };
  return irregular[entity] ?? (entity.endsWith('y') ? `${entity.slice(0, -1)}ies` : `${entity}s`);
}

/** Pipedrive signs nothing: the webhook's HTTP basic auth is the only proof of origin. */
export function verifyPipedrive(request: WebhookRequest, settings: PipedriveVerifierSettings): Verification {
  const authorization = header(request, 'authorization');
  if (!authorization) return reject('missing-auth', 'no Authorization header');
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(authorization);
  if (!match) return reject('bad-auth', 'Authorization is not HTTP basic auth');
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const user = colon < 0 ? decoded : decoded.slice(0, colon);
  const password = colon < 0 ? '' : decoded.slice(colon + 1);
  // Both compared every time, so timing does not tell which one was wrong.
  const userOk = safeEqual(user, settings.user);
  const passwordOk = safeEqual(password, settings.password);
  if (!userOk || !passwordOk) return reject('bad-auth', 'basic auth user or password does not match');
  return parsePipedriveEvent(request.rawBody);
}

export function parsePipedriveEvent(rawBody: Buffer): Verification {
  let json: unknown;
  try {
    json = JSON.parse(rawBody.toString('utf8'));
  } catch {
    return reject('malformed', 'body is not JSON');
  }
  const v2 = v2Schema.safeParse(json);
  if (v2.success) {
    const meta = v2.data.meta;
    const notice: ChangeNotice = {
      system: 'pipedrive',
      object: pipedriveObject(meta.entity),
      recordId: meta.entity_id,
      eventId: meta.id,
      occurredAt: new Date(meta.timestamp).toISOString(),
      action: ACTIONS[meta.action] ?? 'unknown',
    };
    return { ok: true, notices: [notice] };
  }
  const v1 = v1Schema.safeParse(json);
  if (v1.success) {
    const meta = v1.data.meta;
    const object = pipedriveObject(meta.object);
    // v1 has no event ID; these fields are the same on every retry of one event and differ between events.
    const when = meta.timestamp_micro ?? meta.timestamp * 1_000_000;
    const notice: ChangeNotice = {
      system: 'pipedrive',
      object,
      recordId: meta.id,
      eventId: `v1:${meta.webhook_id ?? ''}:${object}:${meta.id}:${meta.action}:${when}`,
      occurredAt: new Date(Math.floor(when / 1000)).toISOString(),
      action: ACTIONS[meta.action] ?? 'unknown',
    };
    return { ok: true, notices: [notice] };
  }
  return reject('malformed', 'not a Pipedrive v1 or v2 webhook payload');
}
