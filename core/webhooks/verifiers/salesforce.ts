import { XMLParser } from 'fast-xml-parser';
import { z } from 'zod';
import { reject, type ChangeAction, type ChangeNotice, type Verification, type WebhookRequest } from '../types';
import { safeEqual } from './compare';

export interface SalesforceVerifierSettings {
  organizationId: string;
}

/** The answer Salesforce waits for; without it the platform retries the message for up to 24 hours. */
export const SALESFORCE_ACK =
  '<?xml version="1.0" encoding="UTF-8"?>' +
  '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body>' +
  '<notificationsResponse xmlns="http://soap.sforce.com/2005/09/outbound"><Ack>true</Ack></notificationsResponse>' +
  '</soapenv:Body></soapenv:Envelope>';

const parser = new XMLParser({
  removeNSPrefix: true,
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  // IDs and dates stay strings: an 18-character ID must never become a number.
  parseTagValue: false,
  parseAttributeValue: false,
  isArray: (name) => name === 'Notification',
  processEntities: false,
});

const sfId = z.string().regex(/^[A-Za-z0-9]{15}([A-Za-z0-9]{3})?$/);
const sObjectSchema = z.looseObject({
  '@_type': z.string().regex(/^(\w+:)?[A-Za-z][A-Za-z0-9_]*$/),
  Id: sfId,
  CreatedDate: z.string().optional(),
  LastModifiedDate: z.string().optional(),
  SystemModstamp: z.string().optional(),
});
const notificationsSchema = z.looseObject({
  OrganizationId: sfId,
  ActionId: z.string().optional(),
  Notification: z
    .array(z.looseObject({ Id: sfId, sObject: sObjectSchema }))
    .min(1)
    .max(100),
});
const envelopeSchema = z.looseObject({
  Envelope: z.looseObject({ Body: z.looseObject({ notifications: notificationsSchema }) }),
});

/** 15- and 18-character IDs name the same org; the first 15 characters are the case-sensitive ID. */
function sameOrg(a: string, b: string): boolean {
  return safeEqual(a.slice(0, 15), b.slice(0, 15));
}

function action(sObject: z.infer<typeof sObjectSchema>): ChangeAction {
  // Outbound messages do not say what happened; when both dates were selected, equal ones mean a new record.
  if (!sObject.CreatedDate || !sObject.LastModifiedDate) return 'unknown';
  return sObject.CreatedDate === sObject.LastModifiedDate ? 'create' : 'update';
}

/**
 * Outbound messages (SOAP) carry no signature: the organization ID is checked, and the endpoint should sit behind
 * TLS (optionally with Salesforce's client certificate checked by the proxy).
 */
export function verifySalesforce(
  request: WebhookRequest,
  settings: SalesforceVerifierSettings,
  now = Date.now(),
): Verification {
  const text = request.rawBody.toString('utf8');
  let xml: unknown;
  try {
    xml = parser.parse(text, true);
  } catch {
    return reject('malformed', 'body is not XML');
  }
  const parsed = envelopeSchema.safeParse(xml);
  if (!parsed.success) return reject('malformed', 'not a Salesforce outbound message');
  const message = parsed.data.Envelope.Body.notifications;
  if (!sameOrg(message.OrganizationId, settings.organizationId))
    return reject('wrong-org', 'OrganizationId is not the configured org');
  const received = new Date(now).toISOString();
  const notices: ChangeNotice[] = message.Notification.map((n) => {
    const when = n.sObject.LastModifiedDate ?? n.sObject.SystemModstamp;
    return {
      system: 'salesforce',
      object: n.sObject['@_type'].replace(/^\w+:/, ''),
      recordId: n.sObject.Id,
      eventId: n.Id,
      occurredAt: when && !Number.isNaN(Date.parse(when)) ? new Date(when).toISOString() : received,
      action: action(n.sObject),
    };
  });
  return { ok: true, notices };
}
