import type { Sql } from '../db/sql';
import { redactSecrets } from '../db/redact';
import { settingsSecrets, type WebhookSettings } from './settings';
import { recordIgnored, recordNotices, recordRejection } from './store';
import type { ChangeNotice, RejectionReason, Verification, WebhookRequest, WebhookSystem } from './types';
import { verifyHubSpot } from './verifiers/hubspot';
import { verifyPipedrive } from './verifiers/pipedrive';
import { SALESFORCE_ACK, verifySalesforce } from './verifiers/salesforce';

export interface WebhookResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
  system: WebhookSystem;
  /** Notices stored by this call (first deliveries only): what should wake the sync engine. */
  accepted: ChangeNotice[];
  /** Events already stored before (redeliveries, replays): acknowledged, stored nothing. */
  replayed: number;
  /** Genuine events that name no record (not stored). */
  ignored: number;
  rejected?: { reason: RejectionReason; detail: string };
}

/** One line per call for logs; carries no header, body or secret. */
export interface WebhookLogEntry {
  system: WebhookSystem;
  outcome: 'accepted' | 'rejected' | 'error';
  status: number;
  accepted: number;
  replayed: number;
  ignored: number;
  reason?: string;
  detail?: string;
}

export interface HandleOptions {
  system: WebhookSystem;
  /** Clock for the HubSpot timestamp window (tests). */
  now?: number;
  log?: (entry: WebhookLogEntry) => void;
}

const STATUS: Record<RejectionReason, number> = {
  'missing-auth': 401,
  'bad-signature': 401,
  'bad-auth': 401,
  stale: 401,
  'wrong-org': 403,
  malformed: 400,
  'not-configured': 404,
  'method-not-allowed': 405,
  'too-large': 413,
};

/** `/webhooks/hubspot` → `hubspot`; anything else → undefined. */
export function systemForPath(pathname: string): WebhookSystem | undefined {
  const match = /^\/webhooks\/(hubspot|pipedrive|salesforce)\/?$/.exec(pathname);
  return match?.[1] as WebhookSystem | undefined;
}

function verify(system: WebhookSystem, request: WebhookRequest, settings: WebhookSettings, now: number): Verification {
  if (request.method.toUpperCase() !== 'POST')
    return { ok: false, reason: 'method-not-allowed', detail: `${request.method} is not POST` };
  if (request.rawBody.length > settings.maxBodyBytes)
    return { ok: false, reason: 'too-large', detail: `body over ${settings.maxBodyBytes} bytes` };
  if (system === 'hubspot')
    return settings.hubspot ? verifyHubSpot(request, settings.hubspot, now) : notConfigured(system);
  if (system === 'pipedrive')
    return settings.pipedrive ? verifyPipedrive(request, settings.pipedrive) : notConfigured(system);
  return settings.salesforce ? verifySalesforce(request, settings.salesforce, now) : notConfigured(system);
}

function notConfigured(system: WebhookSystem): Verification {
  return { ok: false, reason: 'not-configured', detail: `no ${system} webhook settings` };
}

function soapFault(message: string): string {
  return (
    '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body>' +
    `<soapenv:Fault><faultcode>soapenv:Client</faultcode><faultstring>${message}</faultstring></soapenv:Fault></soapenv:Body></soapenv:Envelope>`
  );
}

function reply(
  system: WebhookSystem,
  status: number,
  payload: Record<string, unknown>,
): Pick<WebhookResponse, 'status' | 'headers' | 'body'> {
  if (system === 'salesforce') {
    if (status === 200) return { status, headers: { 'content-type': 'text/xml; charset=utf-8' }, body: SALESFORCE_ACK };
    return {
      status,
      headers: { 'content-type': 'text/xml; charset=utf-8' },
      body: soapFault(String(payload.reason ?? payload.error)),
    };
  }
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (system === 'pipedrive' && status === 401) headers['www-authenticate'] = 'Basic realm="crm-bridge webhooks"';
  return { status, headers, body: JSON.stringify(payload) };
}

/**
 * Verifies one call, stores its notices once, counts the outcome, and says what to answer. Framework-neutral: the
 * CLI server and the n8n trigger both hand it the raw bytes they received.
 */
export async function handleWebhook(
  request: WebhookRequest,
  settings: WebhookSettings,
  sql: Sql,
  options: HandleOptions,
): Promise<WebhookResponse> {
  const { system } = options;
  const log = (entry: WebhookLogEntry) => {
    if (!options.log) return;
    const secrets = settingsSecrets(settings);
    options.log({ ...entry, detail: entry.detail === undefined ? undefined : redactSecrets(entry.detail, secrets) });
  };
  const verification = verify(system, request, settings, options.now ?? Date.now());
  try {
    if (!verification.ok) {
      await recordRejection(sql, system, verification.reason);
      const status = STATUS[verification.reason];
      log({
        system,
        outcome: 'rejected',
        status,
        accepted: 0,
        replayed: 0,
        ignored: 0,
        reason: verification.reason,
        detail: verification.detail,
      });
      return {
        ...reply(system, status, { ok: false, reason: verification.reason }),
        system,
        accepted: [],
        replayed: 0,
        ignored: 0,
        rejected: { reason: verification.reason, detail: verification.detail },
      };
    }
    const { accepted, replayed } = await recordNotices(sql, verification.notices);
    const ignored = verification.ignored ?? 0;
    await recordIgnored(sql, system, ignored);
    log({ system, outcome: 'accepted', status: 200, accepted: accepted.length, replayed: replayed.length, ignored });
    return {
      ...reply(system, 200, { ok: true, accepted: accepted.length, replayed: replayed.length, ignored }),
      system,
      accepted,
      replayed: replayed.length,
      ignored,
    };
  } catch (error) {
    // The store is down: answer 503 so the vendor delivers again later; polling catches up meanwhile.
    const detail = redactSecrets(error instanceof Error ? error.message : String(error), settingsSecrets(settings));
    log({ system, outcome: 'error', status: 503, accepted: 0, replayed: 0, ignored: 0, detail });
    return {
      ...reply(system, 503, { ok: false, error: 'store-unavailable' }),
      system,
      accepted: [],
      replayed: 0,
      ignored: 0,
    };
  }
}
