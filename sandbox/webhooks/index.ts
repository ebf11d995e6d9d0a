import { randomBytes, randomUUID } from 'node:crypto';
import { hubspotLegacySignature, hubspotV3Signature } from '../../core/webhooks/verifiers/hubspot';

/**
 * Senders that call a receiver exactly as each vendor does (headers, body shape, signature), for tests, the bench and
 * the emulators' change notifications. `build*` returns the request without sending it, so a test can tamper with it
 * or send it twice.
 */
export interface WebhookChange {
  /** Object name as the connectors use it (`contacts`, `persons`, `Contact`). */
  object: string;
  recordId: string;
  action: 'create' | 'update' | 'delete';
  occurredAt?: Date;
  /** Event ID to send; a fresh one when absent (send the same one again to replay). */
  eventId?: string;
}

export interface BuiltRequest {
  method: 'POST';
  url: string;
  headers: Record<string, string>;
  body: string;
}

export interface DeliveryResult {
  status: number;
  body: string;
}

export async function deliver(request: BuiltRequest): Promise<DeliveryResult> {
  const response = await fetch(request.url, { method: request.method, headers: request.headers, body: request.body });
  return { status: response.status, body: await response.text() };
}

// ---- HubSpot: a batch of events, signed v3 (and v1, which HubSpot still sends alongside) ----

const HUBSPOT_SUBSCRIPTION: Record<string, string> = {
  contacts: 'contact',
  companies: 'company',
  deals: 'deal',
  tickets: 'ticket',
};
const HUBSPOT_KIND = { create: 'creation', update: 'propertyChange', delete: 'deletion' } as const;
const HUBSPOT_TYPE_IDS: Record<string, string> = { contacts: '0-1', companies: '0-2', deals: '0-3', tickets: '0-5' };

export interface HubSpotSendOptions {
  clientSecret: string;
  portalId?: number;
  appId?: number;
  subscriptionId?: number;
  attemptNumber?: number;
  /** Milliseconds since the epoch written to X-HubSpot-Request-Timestamp (now when absent). */
  timestamp?: number;
}

export function buildHubSpotRequest(
  targetUrl: string,
  changes: WebhookChange[],
  options: HubSpotSendOptions,
): BuiltRequest {
  const events = changes.map((change) => {
    const kind = HUBSPOT_KIND[change.action];
    const occurredAt = (change.occurredAt ?? new Date()).getTime();
    const base = {
      eventId: Number(change.eventId ?? randomBytes(4).readUInt32BE(0)),
      subscriptionId: options.subscriptionId ?? 4_100_001,
      portalId: options.portalId ?? 62_515,
      appId: options.appId ?? 1_160_452,
      occurredAt,
      attemptNumber: options.attemptNumber ?? 0,
      objectId: Number(change.recordId),
      changeFlag: change.action === 'create' ? 'CREATED' : change.action === 'delete' ? 'DELETED' : 'UPDATED',
      changeSource: 'CRM_UI',
    };
    const prefix = HUBSPOT_SUBSCRIPTION[change.object];
    if (prefix) {
      return {
        ...base,
        subscriptionType: `${prefix}.${kind}`,
        ...(kind === 'propertyChange' ? { propertyName: 'lastmodifieddate', propertyValue: String(occurredAt) } : {}),
      };
    }
    // Custom objects arrive through the generic `object.*` subscriptions with their type ID.
    return {
      ...base,
      subscriptionType: `object.${kind}`,
      objectTypeId: HUBSPOT_TYPE_IDS[change.object] ?? change.object,
    };
  });
  const body = JSON.stringify(events);
  const timestamp = String(options.timestamp ?? Date.now());
  return {
    method: 'POST',
    url: targetUrl,
    headers: {
      'content-type': 'application/json',
      'user-agent': 'HubSpot Connect 2.0 (http://dev.hubspot.com/)',
      'x-hubspot-request-timestamp': timestamp,
      'x-hubspot-signature-v3': hubspotV3Signature(options.clientSecret, 'POST', targetUrl, body, timestamp),
      'x-hubspot-signature': hubspotLegacySignature('v1', options.clientSecret, 'POST', targetUrl, body),
      'x-hubspot-signature-version': 'v1',
    },
    body,
  };
}

export function sendHubSpotWebhook(
  targetUrl: string,
  changes: WebhookChange[],
  options: HubSpotSendOptions,
): Promise<DeliveryResult> {
  return deliver(buildHubSpotRequest(targetUrl, changes, options));
}

// ---- Pipedrive: one event per call, webhooks v2 payload, HTTP basic auth ----

const PIPEDRIVE_ENTITY: Record<string, string> = {
  persons: 'person',
  organizations: 'organization',
  deals: 'deal',
  activities: 'activity',
  leads: 'lead',
  products: 'product',
  notes: 'note',
};
const PIPEDRIVE_ACTION = { create: 'create', update: 'change', delete: 'delete' } as const;

export interface PipedriveSendOptions {
  user: string;
  password: string;
  companyId?: number;
  userId?: number;
  webhookId?: number;
  attempt?: number;
}

export function buildPipedriveRequest(
  targetUrl: string,
  change: WebhookChange,
  options: PipedriveSendOptions,
): BuiltRequest {
  const entity = PIPEDRIVE_ENTITY[change.object] ?? change.object.replace(/s$/, '');
  const timestamp = (change.occurredAt ?? new Date()).toISOString();
  const body = JSON.stringify({
    data: change.action === 'delete' ? null : { id: Number(change.recordId), update_time: timestamp },
    previous: change.action === 'create' ? null : { id: Number(change.recordId) },
    meta: {
      action: PIPEDRIVE_ACTION[change.action],
      camefrom: 'api',
      company_id: String(options.companyId ?? 7_654_321),
      correlation_id: randomUUID(),
      entity_id: String(change.recordId),
      entity,
      host: 'sandbox.pipedrive.com',
      id: change.eventId ?? randomUUID(),
      is_bulk_edit: false,
      timestamp,
      type: 'general',
      user_id: String(options.userId ?? 1_234_567),
      version: '2.0',
      webhook_id: String(options.webhookId ?? 424_242),
      webhook_owner_id: String(options.userId ?? 1_234_567),
      change_source: 'api',
      permitted_user_ids: [String(options.userId ?? 1_234_567)],
      attempt: options.attempt ?? 1,
    },
  });
  return {
    method: 'POST',
    url: targetUrl,
    headers: {
      'content-type': 'application/json',
      'user-agent': 'Pipedrive Webhooks',
      authorization: `Basic ${Buffer.from(`${options.user}:${options.password}`).toString('base64')}`,
    },
    body,
  };
}

export function sendPipedriveWebhook(
  targetUrl: string,
  change: WebhookChange,
  options: PipedriveSendOptions,
): Promise<DeliveryResult> {
  return deliver(buildPipedriveRequest(targetUrl, change, options));
}

// ---- Salesforce: an outbound message (SOAP 1.1), up to 100 notifications ----

export interface SalesforceSendOptions {
  organizationId: string;
  actionId?: string;
}

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** A random 18-character ID with the given 3-character key prefix (e.g. `04l` for outbound notifications). */
export function salesforceId(prefix: string): string {
  const bytes = randomBytes(15);
  return prefix + [...bytes].map((b) => ALNUM[b % ALNUM.length]).join('');
}

function xmlEscape(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export function buildSalesforceRequest(
  targetUrl: string,
  changes: WebhookChange[],
  options: SalesforceSendOptions,
): BuiltRequest {
  const notifications = changes
    .map((change) => {
      const modified = (change.occurredAt ?? new Date()).toISOString();
      // Only create and update fire outbound messages; equal dates are how a receiver can tell a new record.
      const created = change.action === 'create' ? modified : new Date(Date.parse(modified) - 86_400_000).toISOString();
      return [
        '<Notification>',
        `<Id>${xmlEscape(change.eventId ?? salesforceId('04l'))}</Id>`,
        `<sObject xsi:type="sf:${xmlEscape(change.object)}" xmlns:sf="urn:sobject.enterprise.soap.sforce.com">`,
        `<sf:Id>${xmlEscape(change.recordId)}</sf:Id>`,
        `<sf:CreatedDate>${created}</sf:CreatedDate>`,
        `<sf:LastModifiedDate>${modified}</sf:LastModifiedDate>`,
        '</sObject>',
        '</Notification>',
      ].join('');
    })
    .join('');
  const body =
    '<?xml version="1.0" encoding="UTF-8"?>' +
    '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">' +
    '<soapenv:Body><notifications xmlns="http://soap.sforce.com/2005/09/outbound">' +
    `<OrganizationId>${xmlEscape(options.organizationId)}</OrganizationId>` +
    `<ActionId>${xmlEscape(options.actionId ?? '04k000000000001AAA')}</ActionId>` +
    '<SessionId xsi:nil="true"/>' +
    '<EnterpriseUrl>https://sandbox.my.salesforce.com/services/Soap/c/60.0/00D000000000001</EnterpriseUrl>' +
    '<PartnerUrl>https://sandbox.my.salesforce.com/services/Soap/u/60.0/00D000000000001</PartnerUrl>' +
    notifications +
    '</notifications></soapenv:Body></soapenv:Envelope>';
  return {
    method: 'POST',
    url: targetUrl,
    headers: {
      'content-type': 'text/xml; charset=utf-8',
      soapaction: '""',
      'user-agent': 'Salesforce - Outbound Notification',
    },
    body,
  };
}

export function sendSalesforceOutboundMessage(
  targetUrl: string,
  changes: WebhookChange[],
  options: SalesforceSendOptions,
): Promise<DeliveryResult> {
  return deliver(buildSalesforceRequest(targetUrl, changes, options));
}

export type SenderOptions =
  | { system: 'hubspot'; options: HubSpotSendOptions }
  | { system: 'pipedrive'; options: PipedriveSendOptions }
  | { system: 'salesforce'; options: SalesforceSendOptions };

/**
 * One signature for all three vendors, for an emulator that notifies a receiver when a record changes:
 * `const notify = webhookSender({ system: 'hubspot', options: { clientSecret } }); await notify(url, change)`.
 */
export function webhookSender(
  sender: SenderOptions,
): (targetUrl: string, change: WebhookChange) => Promise<DeliveryResult> {
  switch (sender.system) {
    case 'hubspot':
      return (url, change) => sendHubSpotWebhook(url, [change], sender.options);
    case 'pipedrive':
      return (url, change) => sendPipedriveWebhook(url, change, sender.options);
    case 'salesforce':
      return (url, change) => sendSalesforceOutboundMessage(url, [change], sender.options);
  }
}
