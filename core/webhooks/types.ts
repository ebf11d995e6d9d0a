/**
 * A webhook is a wake-up, not the data: each accepted event becomes one change notice, and the sync engine then reads
 * the changed record through the connector. So a notice carries only what is needed to find that record again.
 */
export type WebhookSystem = 'hubspot' | 'pipedrive' | 'salesforce';

export const WEBHOOK_SYSTEMS: readonly WebhookSystem[] = ['hubspot', 'pipedrive', 'salesforce'];

export type ChangeAction = 'create' | 'update' | 'delete' | 'unknown';

export interface ChangeNotice {
  system: WebhookSystem;
  /** Object name as the connectors use it: HubSpot `contacts`, Pipedrive `persons`, Salesforce `Contact`. */
  object: string;
  recordId: string;
  /** The sender's ID of this event; (system, eventId) is unique, so a redelivery is recognised as a replay. */
  eventId: string;
  /** ISO time of the change as the sender reports it (the receive time when the sender gives none). */
  occurredAt: string;
  action: ChangeAction;
}

/** Why a call was refused; each one is counted per system. */
export type RejectionReason =
  | 'missing-auth'
  | 'bad-signature'
  | 'bad-auth'
  | 'stale'
  | 'wrong-org'
  | 'malformed'
  | 'not-configured'
  | 'method-not-allowed'
  | 'too-large';

/** What a verifier sees: exactly the bytes and headers that arrived (header names lower-case, as Node gives them). */
export interface WebhookRequest {
  method: string;
  /** The full URL as the sender called it (scheme, host, path and query); HubSpot signs it. */
  url: string;
  headers: Record<string, string | string[] | undefined>;
  rawBody: Buffer;
}

export type Verification =
  | { ok: true; notices: ChangeNotice[]; /** genuine events that name no record */ ignored?: number }
  | {
      ok: false;
      reason: RejectionReason;
      /** safe for logs: never contains a secret or a header value */ detail: string;
    };

export function header(request: Pick<WebhookRequest, 'headers'>, name: string): string | undefined {
  const value = request.headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

export function reject(reason: RejectionReason, detail: string): Verification {
  return { ok: false, reason, detail };
}
