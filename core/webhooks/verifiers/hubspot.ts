import { createHash, createHmac } from 'node:crypto';
import { z } from 'zod';
import { header, reject, type ChangeAction, type ChangeNotice, type Verification, type WebhookRequest } from '../types';
import { safeEqual } from './compare';

export interface HubSpotVerifierSettings {
  clientSecret: string;
  maxAgeSeconds: number;
  acceptLegacySignatures: boolean;
}

/**
 * HubSpot's v3 guide has these escapes decoded in the URI before signing (and only these). The official
 * @hubspot/api-client decodes none; the two agree on URLs without them, which is how webhook URLs are usually set up.
 */
const V3_URI_DECODES: Record<string, string> = {
  '%3A': ':',
  '%2F': '/',
  '%3F': '?',
  '%40': '@',
  '%21': '!',
  '%24': '$',
  '%27': "'",
  '%28': '(',
  '%29': ')',
  '%2A': '*',
  '%2C': ',',
  '%3B': ';',
};

export function hubspotV3Uri(url: string): string {
  return url.replace(/%(3A|2F|3F|40|21|24|27|28|29|2A|2C|3B)/gi, (m) => V3_URI_DECODES[m.toUpperCase()] ?? m);
}

/** base64 HMAC-SHA256 with the client secret over method + URI + body + timestamp (the v3 signature). */
export function hubspotV3Signature(
  secret: string,
  method: string,
  url: string,
  rawBody: Buffer | string,
  timestamp: string,
): string {
  return createHmac('sha256', secret)
    .update(`${method.toUpperCase()}${hubspotV3Uri(url)}`)
    .update(rawBody)
    .update(timestamp)
    .digest('base64');
}

/** v1: hex SHA-256 of secret + body; v2: hex SHA-256 of secret + method + URI + body. Neither has a timestamp. */
export function hubspotLegacySignature(
  version: 'v1' | 'v2',
  secret: string,
  method: string,
  url: string,
  rawBody: Buffer | string,
): string {
  const hash = createHash('sha256').update(secret);
  if (version === 'v2') hash.update(`${method.toUpperCase()}${url}`);
  return hash.update(rawBody).digest('hex');
}

const idLike = z.union([z.number().int().nonnegative(), z.string().regex(/^\d+$/)]).transform(String);

/** One event of a webhooks-API batch; unknown fields pass (HubSpot adds some over time). */
const hubspotEventSchema = z.looseObject({
  eventId: idLike,
  subscriptionId: idLike.optional(),
  portalId: idLike.optional(),
  occurredAt: z.number().int().nonnegative(),
  subscriptionType: z.string().regex(/^[A-Za-z_]+\.[A-Za-z]+$/),
  attemptNumber: z.number().int().nonnegative().optional(),
  objectId: idLike.optional(),
  objectTypeId: z.string().optional(),
  fromObjectId: idLike.optional(),
  changeFlag: z.string().optional(),
});
const hubspotBatchSchema = z.array(hubspotEventSchema).min(1).max(1000);
export type HubSpotEvent = z.input<typeof hubspotEventSchema>;

/** Object type IDs of the standard objects; custom objects (`2-…`) keep their type ID, which the CRM API accepts. */
const OBJECT_TYPE_IDS: Record<string, string> = {
  '0-1': 'contacts',
  '0-2': 'companies',
  '0-3': 'deals',
  '0-5': 'tickets',
  '0-7': 'products',
  '0-8': 'line_items',
};
const SUBSCRIPTION_OBJECTS: Record<string, string> = {
  contact: 'contacts',
  company: 'companies',
  deal: 'deals',
  ticket: 'tickets',
  product: 'products',
  line_item: 'line_items',
};

function hubspotAction(kind: string): ChangeAction {
  if (kind === 'creation') return 'create';
  if (kind === 'deletion' || kind === 'privacyDeletion') return 'delete';
  if (kind === 'propertyChange' || kind === 'associationChange' || kind === 'merge' || kind === 'restore')
    return 'update';
  return 'unknown';
}

export function verifyHubSpot(
  request: WebhookRequest,
  settings: HubSpotVerifierSettings,
  now = Date.now(),
): Verification {
  const v3 = header(request, 'x-hubspot-signature-v3');
  const timestamp = header(request, 'x-hubspot-request-timestamp');
  if (v3) {
    if (!timestamp) return reject('missing-auth', 'X-HubSpot-Signature-v3 without X-HubSpot-Request-Timestamp');
    const expected = hubspotV3Signature(settings.clientSecret, request.method, request.url, request.rawBody, timestamp);
    if (!safeEqual(v3, expected)) return reject('bad-signature', 'v3 signature does not match');
    // Checked after the signature, so a forged call is counted as forged whatever its timestamp claims.
    const sent = Number(timestamp);
    if (!/^\d{10,16}$/.test(timestamp) || Math.abs(now - sent) > settings.maxAgeSeconds * 1000) {
      return reject('stale', `request timestamp outside the ${settings.maxAgeSeconds}s window`);
    }
  } else {
    const legacy = header(request, 'x-hubspot-signature');
    const version = header(request, 'x-hubspot-signature-version');
    if (!legacy) return reject('missing-auth', 'no X-HubSpot-Signature-v3 header');
    if (!settings.acceptLegacySignatures)
      return reject('missing-auth', 'only v3 signatures are accepted (legacy signatures are off)');
    if (version !== 'v1' && version !== 'v2') return reject('bad-signature', 'unknown X-HubSpot-Signature-Version');
    const expected = hubspotLegacySignature(
      version,
      settings.clientSecret,
      request.method,
      request.url,
      request.rawBody,
    );
    if (!safeEqual(legacy.toLowerCase(), expected))
      return reject('bad-signature', `${version} signature does not match`);
  }
  return parseHubSpotEvents(request.rawBody);
}

/** Events of a verified body as change notices; events that name no record (e.g. app uninstalls) are left out. */
export function parseHubSpotEvents(rawBody: Buffer): Verification {
  let json: unknown;
  try {
    json = JSON.parse(rawBody.toString('utf8'));
  } catch {
    return reject('malformed', 'body is not JSON');
  }
  const parsed = hubspotBatchSchema.safeParse(json);
  if (!parsed.success)
    return reject(
      'malformed',
      `not a HubSpot event batch: ${parsed.error.issues[0]?.path.join('.') || 'body'} ${parsed.error.issues[0]?.message ?? ''}`.trim(),
    );
  const notices: ChangeNotice[] = [];
  let ignored = 0;
  for (const event of parsed.data) {
    const [prefix, kind] = event.subscriptionType.split('.') as [string, string];
    const object =
      prefix === 'object'
        ? event.objectTypeId
          ? (OBJECT_TYPE_IDS[event.objectTypeId] ?? event.objectTypeId)
          : undefined
        : SUBSCRIPTION_OBJECTS[prefix];
    const recordId = event.objectId ?? event.fromObjectId;
    if (!object || !recordId) {
      ignored += 1;
      continue;
    }
    notices.push({
      system: 'hubspot',
      object,
      recordId,
      // eventId alone is "not guaranteed to be unique" (HubSpot docs); with the subscription, record and time it is,
      // and a redelivery (attemptNumber + 1) keeps all four.
      eventId: [event.portalId ?? '', event.subscriptionId ?? '', event.eventId, recordId, event.occurredAt].join(':'),
      occurredAt: new Date(event.occurredAt).toISOString(),
      action: hubspotAction(kind),
    });
  }
  return { ok: true, notices, ignored };
}
