import { createHash, createHmac } from 'node:crypto';
import { Signature } from '@hubspot/api-client/lib/src/utils/signature';
import { describe, expect, it } from 'vitest';
import {
  hubspotV3Uri,
  verifyHubSpot,
  verifyPipedrive,
  verifySalesforce,
  type WebhookRequest,
} from '../../core/webhooks';
import { buildHubSpotRequest, buildSalesforceRequest } from '../../sandbox/webhooks';

const SECRET = 'client-secret-0123456789';
const hubspotSettings = { clientSecret: SECRET, maxAgeSeconds: 300, acceptLegacySignatures: false };

function asRequest(built: {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string;
}): WebhookRequest {
  return { method: built.method, url: built.url, headers: built.headers, rawBody: Buffer.from(built.body) };
}

describe('HubSpot signatures', () => {
  it('v3 is base64 HMAC-SHA256 over method + URI + body + timestamp, with the documented escapes decoded', () => {
    const url = 'https://hooks.example.com/webhooks/hubspot?portal=62515&next=%2Fa%3Ab%40c&q=a%20b';
    expect(hubspotV3Uri(url)).toBe('https://hooks.example.com/webhooks/hubspot?portal=62515&next=/a:b@c&q=a%20b');
    const body = '[{"eventId":1,"occurredAt":1,"subscriptionType":"contact.creation","objectId":5}]';
    const timestamp = String(Date.now());
    // Computed here from the documented recipe, independently of the verifier's helper.
    const signature = createHmac('sha256', SECRET)
      .update(`POST${hubspotV3Uri(url)}${body}${timestamp}`, 'utf8')
      .digest('base64');
    const request: WebhookRequest = {
      method: 'POST',
      url,
      headers: { 'x-hubspot-signature-v3': signature, 'x-hubspot-request-timestamp': timestamp },
      rawBody: Buffer.from(body),
    };
    const result = verifyHubSpot(request, hubspotSettings);
    expect(result).toEqual({
      ok: true,
      ignored: 0,
      notices: [expect.objectContaining({ object: 'contacts', recordId: '5', action: 'create' })],
    });
    expect(verifyHubSpot({ ...request, url: url.replace('https:', 'http:') }, hubspotSettings)).toMatchObject({
      ok: false,
      reason: 'bad-signature',
    });
  });

  it('agrees with the official @hubspot/api-client Signature on v1, v2 and v3 (a URL without escapes)', () => {
    const url = 'https://hooks.example.com/webhooks/hubspot?portal=62515';
    const built = buildHubSpotRequest(url, [{ object: 'contacts', recordId: '77', action: 'update' }], {
      clientSecret: SECRET,
    });
    const timestamp = Number(built.headers['x-hubspot-request-timestamp']);
    const sdk = (version: 'v1' | 'v2' | 'v3') =>
      Signature.getSignature('POST', version, {
        clientSecret: SECRET,
        requestBody: built.body,
        url,
        timestamp,
        signature: '',
      });
    expect(built.headers['x-hubspot-signature-v3']).toBe(sdk('v3'));
    expect(built.headers['x-hubspot-signature']).toBe(sdk('v1'));
    expect(
      Signature.isValid({
        signatureVersion: 'v3',
        clientSecret: SECRET,
        requestBody: built.body,
        url,
        timestamp,
        signature: built.headers['x-hubspot-signature-v3']!,
      }),
    ).toBe(true);
    const v2 = createHash('sha256').update(`${SECRET}POST${url}${built.body}`).digest('hex');
    expect(v2).toBe(sdk('v2'));
  });

  it('a timestamp too far in the future is stale as well (clock skew beyond the window)', () => {
    const built = buildHubSpotRequest(
      'http://127.0.0.1/webhooks/hubspot',
      [{ object: 'contacts', recordId: '1', action: 'update' }],
      { clientSecret: SECRET, timestamp: Date.now() + 10 * 60_000 },
    );
    expect(verifyHubSpot(asRequest(built), hubspotSettings)).toMatchObject({ ok: false, reason: 'stale' });
    const inWindow = buildHubSpotRequest(
      'http://127.0.0.1/webhooks/hubspot',
      [{ object: 'contacts', recordId: '1', action: 'update' }],
      { clientSecret: SECRET, timestamp: Date.now() - 4 * 60_000 },
    );
    expect(verifyHubSpot(asRequest(inWindow), hubspotSettings).ok).toBe(true);
  });

  it('v1/v2 signatures are accepted only when switched on, and only when checked', () => {
    const built = buildHubSpotRequest(
      'http://127.0.0.1/webhooks/hubspot',
      [{ object: 'deals', recordId: '9', action: 'delete' }],
      { clientSecret: SECRET },
    );
    delete built.headers['x-hubspot-signature-v3'];
    expect(verifyHubSpot(asRequest(built), hubspotSettings)).toMatchObject({ ok: false, reason: 'missing-auth' });
    const legacy = { ...hubspotSettings, acceptLegacySignatures: true };
    expect(verifyHubSpot(asRequest(built), legacy)).toMatchObject({
      ok: true,
      notices: [expect.objectContaining({ object: 'deals', action: 'delete' })],
    });
    expect(built.headers['x-hubspot-signature']).toBe(
      createHash('sha256')
        .update(SECRET + built.body)
        .digest('hex'),
    );
    const v2 = createHash('sha256').update(`${SECRET}POST${built.url}${built.body}`).digest('hex');
    expect(
      verifyHubSpot(
        asRequest({
          ...built,
          headers: { ...built.headers, 'x-hubspot-signature': v2, 'x-hubspot-signature-version': 'v2' },
        }),
        legacy,
      ).ok,
    ).toBe(true);
    expect(
      verifyHubSpot(asRequest({ ...built, headers: { ...built.headers, 'x-hubspot-signature': v2 } }), legacy),
    ).toMatchObject({ ok: false, reason: 'bad-signature' });
  });

  it('generic object events map standard type IDs to connector names and keep custom type IDs; record-less events are ignored', () => {
    const body = JSON.stringify([
      {
        eventId: 1,
        subscriptionId: 2,
        portalId: 3,
        occurredAt: 1_700_000_000_000,
        subscriptionType: 'object.propertyChange',
        objectTypeId: '0-2',
        objectId: 10,
      },
      {
        eventId: 2,
        subscriptionId: 2,
        portalId: 3,
        occurredAt: 1_700_000_000_000,
        subscriptionType: 'object.creation',
        objectTypeId: '2-1234567',
        objectId: 11,
      },
      { eventId: 3, subscriptionId: 2, portalId: 3, occurredAt: 1_700_000_000_000, subscriptionType: 'app.uninstall' },
    ]);
    const timestamp = String(Date.now());
    const url = 'http://h/webhooks/hubspot';
    const signature = createHmac('sha256', SECRET).update(`POST${url}${body}${timestamp}`).digest('base64');
    const result = verifyHubSpot(
      {
        method: 'POST',
        url,
        headers: { 'x-hubspot-signature-v3': signature, 'x-hubspot-request-timestamp': timestamp },
        rawBody: Buffer.from(body),
      },
      hubspotSettings,
    );
    expect(result).toEqual({
      ok: true,
      ignored: 1,
      notices: [
        expect.objectContaining({
          object: 'companies',
          recordId: '10',
          action: 'update',
          occurredAt: '2023-11-14T22:13:20.000Z',
        }),
        expect.objectContaining({ object: '2-1234567', recordId: '11', action: 'create' }),
      ],
    });
  });
});

describe('Pipedrive payloads', () => {
  const auth = { authorization: `Basic ${Buffer.from('u:secret-password').toString('base64')}` };
  const settings = { user: 'u', password: 'secret-password' };

  it('reads a v1 payload (no event ID): retries of one event share a derived ID, another change gets another', () => {
    const payload = (timestampMicro: number, retry: number) => ({
      v: 1,
      retry,
      event: 'updated.person',
      meta: {
        v: 1,
        action: 'updated',
        object: 'person',
        id: 77,
        company_id: 1,
        user_id: 2,
        timestamp: Math.floor(timestampMicro / 1e6),
        timestamp_micro: timestampMicro,
        webhook_id: 5,
      },
      current: { id: 77 },
      previous: { id: 77 },
    });
    const first = verifyPipedrive(
      {
        method: 'POST',
        url: 'x',
        headers: auth,
        rawBody: Buffer.from(JSON.stringify(payload(1_700_000_000_123_456, 0))),
      },
      settings,
    );
    const retry = verifyPipedrive(
      {
        method: 'POST',
        url: 'x',
        headers: auth,
        rawBody: Buffer.from(JSON.stringify(payload(1_700_000_000_123_456, 1))),
      },
      settings,
    );
    const later = verifyPipedrive(
      {
        method: 'POST',
        url: 'x',
        headers: auth,
        rawBody: Buffer.from(JSON.stringify(payload(1_700_000_100_000_000, 0))),
      },
      settings,
    );
    if (!first.ok || !retry.ok || !later.ok) throw new Error('expected all three accepted');
    expect(first.notices[0]).toMatchObject({
      object: 'persons',
      recordId: '77',
      action: 'update',
      occurredAt: '2023-11-14T22:13:20.123Z',
    });
    expect(retry.notices[0]!.eventId).toBe(first.notices[0]!.eventId);
    expect(later.notices[0]!.eventId).not.toBe(first.notices[0]!.eventId);
  });

  it('rejects other schemes than basic auth', () => {
    const result = verifyPipedrive(
      { method: 'POST', url: 'x', headers: { authorization: 'Bearer secret-password' }, rawBody: Buffer.from('{}') },
      settings,
    );
    expect(result).toMatchObject({ ok: false, reason: 'bad-auth' });
  });
});

describe('Salesforce outbound messages', () => {
  it('keeps 18-character IDs as strings and takes the time from LastModifiedDate', () => {
    const at = new Date('2026-11-01T08:00:00.000Z');
    const built = buildSalesforceRequest(
      'http://h/webhooks/salesforce',
      [
        {
          object: 'Contact',
          recordId: '0035g00000AbCdEAAV',
          action: 'update',
          occurredAt: at,
          eventId: '04l5g000000AbCdAAK',
        },
      ],
      { organizationId: '00D5g000004XyZaEAK' },
    );
    const result = verifySalesforce(asRequest(built), { organizationId: '00D5g000004XyZa' });
    expect(result).toEqual({
      ok: true,
      notices: [
        {
          system: 'salesforce',
          object: 'Contact',
          recordId: '0035g00000AbCdEAAV',
          eventId: '04l5g000000AbCdAAK',
          occurredAt: at.toISOString(),
          action: 'update',
        },
      ],
    });
  });

  it('does not resolve entities declared in the message (no XXE)', () => {
    const built = buildSalesforceRequest(
      'http://h/webhooks/salesforce',
      [{ object: 'Contact', recordId: '0035g00000AbCdEAAV', action: 'update' }],
      { organizationId: '00D5g000004XyZaEAK' },
    );
    const body = built.body
      .replace(
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY org SYSTEM "file:///etc/hostname">]>',
      )
      .replace('00D5g000004XyZaEAK', '&org;');
    expect(verifySalesforce(asRequest({ ...built, body }), { organizationId: '00D5g000004XyZaEAK' })).toMatchObject({
      ok: false,
    });
  });
});
