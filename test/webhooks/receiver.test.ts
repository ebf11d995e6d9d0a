import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  hubspotV3Signature,
  parseWebhookSettings,
  startWebhookServer,
  webhookCounts,
  type RunningWebhookServer,
  type WebhookLogEntry,
} from '../../core/webhooks';
import type { ChangeNotice } from '../../core/webhooks';
import {
  buildHubSpotRequest,
  buildPipedriveRequest,
  buildSalesforceRequest,
  deliver,
  salesforceId,
  webhookSender,
  type BuiltRequest,
} from '../../sandbox/webhooks';
import { sendLoad } from '../../sandbox/webhooks/load';
import { createTestDatabase, type TestDatabase } from '../helpers/database';

const HUBSPOT_SECRET = 'hs-client-secret-7f3a9c1e-0b4d';
const PIPEDRIVE_USER = 'pd-hook';
const PIPEDRIVE_PASSWORD = 'pd-password-Qx81mZr4';
const ORG_ID = '00D5g000004XyZaEAK';
const SECRETS = [
  HUBSPOT_SECRET,
  PIPEDRIVE_PASSWORD,
  Buffer.from(`${PIPEDRIVE_USER}:${PIPEDRIVE_PASSWORD}`).toString('base64'),
];

let database: TestDatabase;
let receiver: RunningWebhookServer;
const logLines: string[] = [];
const woken: ChangeNotice[][] = [];
const bodies: string[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
  const settings = parseWebhookSettings({
    hubspot: { clientSecret: HUBSPOT_SECRET },
    pipedrive: { user: PIPEDRIVE_USER, password: PIPEDRIVE_PASSWORD },
    salesforce: { organizationId: ORG_ID },
    maxBodyBytes: 200_000,
  });
  receiver = await startWebhookServer({
    settings,
    sql: database.db.pool,
    log: (entry: WebhookLogEntry) => logLines.push(JSON.stringify(entry)),
    onAccepted: (notices) => void woken.push(notices),
  });
});

afterAll(async () => {
  await receiver?.close();
  await database?.drop();
});

const url = (system: string) => `${receiver.url}/webhooks/${system}`;

async function send(request: BuiltRequest) {
  const result = await deliver(request);
  bodies.push(result.body);
  return result;
}

async function count(system: string, outcome: string, reason = ''): Promise<number> {
  const counts = await webhookCounts(database.db.pool);
  return counts.find((c) => c.system === system && c.outcome === outcome && c.reason === reason)?.count ?? 0;
}

async function stored(
  system: string,
): Promise<Array<{ object: string; record_id: string; action: string; event_id: string }>> {
  const { rows } = await database.db.pool.query<{
    object: string;
    record_id: string;
    action: string;
    event_id: string;
  }>('SELECT object, record_id, action, event_id FROM sync.change_notices WHERE system = $1 ORDER BY id', [system]);
  return rows;
}

describe('HubSpot webhooks (v3 signature, timestamp window)', () => {
  it('accepts a genuine signed batch: one notice per event, objects named as the connector names them', async () => {
    const at = new Date('2026-11-20T10:00:00.000Z');
    const request = buildHubSpotRequest(
      url('hubspot'),
      [
        { object: 'contacts', recordId: '501', action: 'create', occurredAt: at },
        { object: 'deals', recordId: '9001', action: 'update', occurredAt: at },
        { object: 'companies', recordId: '77', action: 'delete', occurredAt: at },
      ],
      { clientSecret: HUBSPOT_SECRET },
    );
    const result = await send(request);
    expect(result.status).toBe(200);
    expect(JSON.parse(result.body)).toEqual({ ok: true, accepted: 3, replayed: 0, ignored: 0 });
    const rows = await stored('hubspot');
    expect(rows.map((r) => [r.object, r.record_id, r.action])).toEqual([
      ['contacts', '501', 'create'],
      ['deals', '9001', 'update'],
      ['companies', '77', 'delete'],
    ]);
    expect(await count('hubspot', 'accepted')).toBe(3);
    expect(woken.at(-1)?.map((n) => n.recordId)).toEqual(['501', '9001', '77']);
  });

  it('rejects a signature made with another secret, and a body changed after signing, as bad-signature', async () => {
    const before = (await stored('hubspot')).length;
    const forged = buildHubSpotRequest(url('hubspot'), [{ object: 'contacts', recordId: '666', action: 'update' }], {
      clientSecret: 'not-the-secret-at-all',
    });
    const r1 = await send(forged);
    expect(r1.status).toBe(401);
    expect(JSON.parse(r1.body)).toEqual({ ok: false, reason: 'bad-signature' });

    const genuine = buildHubSpotRequest(url('hubspot'), [{ object: 'contacts', recordId: '667', action: 'update' }], {
      clientSecret: HUBSPOT_SECRET,
    });
    const tampered = { ...genuine, body: genuine.body.replace('"objectId":667', '"objectId":668') };
    expect(tampered.body).not.toBe(genuine.body);
    const r2 = await send(tampered);
    expect(r2.status).toBe(401);
    expect(await count('hubspot', 'rejected', 'bad-signature')).toBe(2);
    expect((await stored('hubspot')).length).toBe(before);
  });

  it('rejects a correctly signed call older than 5 minutes as stale, and one without signature as missing-auth', async () => {
    const old = buildHubSpotRequest(url('hubspot'), [{ object: 'contacts', recordId: '700', action: 'update' }], {
      clientSecret: HUBSPOT_SECRET,
      timestamp: Date.now() - 6 * 60_000,
    });
    const r1 = await send(old);
    expect(r1.status).toBe(401);
    expect(JSON.parse(r1.body).reason).toBe('stale');
    const unsigned = buildHubSpotRequest(url('hubspot'), [{ object: 'contacts', recordId: '701', action: 'update' }], {
      clientSecret: HUBSPOT_SECRET,
    });
    for (const h of ['x-hubspot-signature-v3', 'x-hubspot-signature', 'x-hubspot-signature-version'])
      delete unsigned.headers[h];
    const r2 = await send(unsigned);
    expect(r2.status).toBe(401);
    expect(JSON.parse(r2.body).reason).toBe('missing-auth');
    expect(await count('hubspot', 'rejected', 'stale')).toBe(1);
    expect(await count('hubspot', 'rejected', 'missing-auth')).toBe(1);
    expect((await stored('hubspot')).some((r) => r.record_id === '700' || r.record_id === '701')).toBe(false);
  });

  it('rejects a correctly signed body that is not an event batch as malformed (400)', async () => {
    const request = buildHubSpotRequest(url('hubspot'), [{ object: 'contacts', recordId: '1', action: 'update' }], {
      clientSecret: HUBSPOT_SECRET,
    });
    const body = JSON.stringify({ not: 'an array' });
    const resigned = {
      ...request,
      body,
      headers: {
        ...request.headers,
        'x-hubspot-signature-v3': hubspotV3Signature(
          HUBSPOT_SECRET,
          'POST',
          request.url,
          body,
          request.headers['x-hubspot-request-timestamp']!,
        ),
      },
    };
    const result = await send(resigned);
    expect(result.status).toBe(400);
    expect(JSON.parse(result.body).reason).toBe('malformed');
    expect(await count('hubspot', 'rejected', 'malformed')).toBe(1);
  });

  it('detects a replay: the same delivery twice stores one notice and counts the second as replayed', async () => {
    const request = buildHubSpotRequest(
      url('hubspot'),
      [{ object: 'contacts', recordId: '802', action: 'update', eventId: '424242' }],
      { clientSecret: HUBSPOT_SECRET },
    );
    const replayedBefore = await count('hubspot', 'replayed');
    const first = await send(request);
    const second = await send(request);
    expect(JSON.parse(first.body)).toMatchObject({ accepted: 1, replayed: 0 });
    expect(second.status).toBe(200);
    expect(JSON.parse(second.body)).toMatchObject({ accepted: 0, replayed: 1 });
    expect((await stored('hubspot')).filter((r) => r.record_id === '802')).toHaveLength(1);
    expect(await count('hubspot', 'replayed')).toBe(replayedBefore + 1);
  });
});

describe('Pipedrive webhooks (basic auth, v2 payload)', () => {
  const options = { user: PIPEDRIVE_USER, password: PIPEDRIVE_PASSWORD };

  it('accepts a genuine v2 call and maps the entity to the connector object name', async () => {
    const result = await send(
      buildPipedriveRequest(url('pipedrive'), { object: 'persons', recordId: '31', action: 'update' }, options),
    );
    expect(result.status).toBe(200);
    const rows = await stored('pipedrive');
    expect(rows.map((r) => [r.object, r.record_id, r.action])).toEqual([['persons', '31', 'update']]);
    expect(await count('pipedrive', 'accepted')).toBe(1);
  });

  it('rejects a wrong password as bad-auth and a missing Authorization as missing-auth, with a basic-auth challenge', async () => {
    const wrong = await send(
      buildPipedriveRequest(
        url('pipedrive'),
        { object: 'deals', recordId: '5', action: 'create' },
        { ...options, password: 'guessed-password' },
      ),
    );
    expect(wrong.status).toBe(401);
    expect(JSON.parse(wrong.body).reason).toBe('bad-auth');
    const wrongUser = await send(
      buildPipedriveRequest(
        url('pipedrive'),
        { object: 'deals', recordId: '5', action: 'create' },
        { ...options, user: 'someone' },
      ),
    );
    expect(JSON.parse(wrongUser.body).reason).toBe('bad-auth');
    const request = buildPipedriveRequest(
      url('pipedrive'),
      { object: 'deals', recordId: '6', action: 'create' },
      options,
    );
    delete request.headers.authorization;
    const response = await fetch(request.url, { method: 'POST', headers: request.headers, body: request.body });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(/^Basic /);
    expect(await count('pipedrive', 'rejected', 'bad-auth')).toBe(2);
    expect(await count('pipedrive', 'rejected', 'missing-auth')).toBe(1);
    expect((await stored('pipedrive')).some((r) => r.object === 'deals')).toBe(false);
  });

  it('rejects an authenticated body that is no webhook payload as malformed', async () => {
    const request = buildPipedriveRequest(
      url('pipedrive'),
      { object: 'deals', recordId: '7', action: 'create' },
      options,
    );
    const result = await send({ ...request, body: '{"meta":{"action":"create"}}' });
    expect(result.status).toBe(400);
    expect(await count('pipedrive', 'rejected', 'malformed')).toBe(1);
  });

  it('counts a redelivery of the same event (meta.id) as replayed and stores it once', async () => {
    const request = buildPipedriveRequest(
      url('pipedrive'),
      { object: 'organizations', recordId: '12', action: 'delete' },
      options,
    );
    await send(request);
    const again = await send(request);
    expect(JSON.parse(again.body)).toMatchObject({ accepted: 0, replayed: 1 });
    expect((await stored('pipedrive')).filter((r) => r.object === 'organizations')).toEqual([
      expect.objectContaining({ record_id: '12', action: 'delete' }),
    ]);
    expect(await count('pipedrive', 'replayed')).toBe(1);
  });
});

describe('Salesforce outbound messages (SOAP, org ID)', () => {
  it('accepts a genuine message, one notice per Notification, and answers the SOAP Ack', async () => {
    const ids = [salesforceId('003'), salesforceId('a01')];
    const result = await send(
      buildSalesforceRequest(
        url('salesforce'),
        [
          { object: 'Contact', recordId: ids[0]!, action: 'create' },
          { object: 'Loan__c', recordId: ids[1]!, action: 'update' },
        ],
        { organizationId: ORG_ID },
      ),
    );
    expect(result.status).toBe(200);
    expect(result.body).toContain('<Ack>true</Ack>');
    expect(result.body).toContain('http://soap.sforce.com/2005/09/outbound');
    const rows = await stored('salesforce');
    expect(rows.map((r) => [r.object, r.record_id, r.action])).toEqual([
      ['Contact', ids[0], 'create'],
      ['Loan__c', ids[1], 'update'],
    ]);
    expect(rows.every((r) => /^04l[A-Za-z0-9]{15}$/.test(r.event_id))).toBe(true);
  });

  it('accepts the 15-character form of the org ID, rejects another org as wrong-org (403, SOAP fault)', async () => {
    const short = await send(
      buildSalesforceRequest(
        url('salesforce'),
        [{ object: 'Account', recordId: salesforceId('001'), action: 'update' }],
        { organizationId: ORG_ID.slice(0, 15) },
      ),
    );
    expect(short.status).toBe(200);
    const other = await send(
      buildSalesforceRequest(
        url('salesforce'),
        [{ object: 'Account', recordId: salesforceId('001'), action: 'update' }],
        { organizationId: '00D5g000009ZZZZEAK' },
      ),
    );
    expect(other.status).toBe(403);
    expect(other.body).toContain('<faultstring>wrong-org</faultstring>');
    expect(await count('salesforce', 'rejected', 'wrong-org')).toBe(1);
    expect((await stored('salesforce')).filter((r) => r.object === 'Account')).toHaveLength(1);
  });

  it('rejects broken XML and a SOAP body that is no outbound message as malformed', async () => {
    const request = buildSalesforceRequest(
      url('salesforce'),
      [{ object: 'Contact', recordId: salesforceId('003'), action: 'update' }],
      { organizationId: ORG_ID },
    );
    expect((await send({ ...request, body: request.body.slice(0, -40) })).status).toBe(400);
    expect(
      (await send({ ...request, body: request.body.replace(/<Notification>.*<\/Notification>/, '') })).status,
    ).toBe(400);
    expect(await count('salesforce', 'rejected', 'malformed')).toBe(2);
  });

  it('counts a retried message (same Notification Id) as replayed', async () => {
    const request = buildSalesforceRequest(
      url('salesforce'),
      [{ object: 'Contact', recordId: salesforceId('003'), action: 'update' }],
      { organizationId: ORG_ID },
    );
    const before = (await stored('salesforce')).length;
    await send(request);
    const retry = await send(request);
    expect(retry.status).toBe(200);
    expect(retry.body).toContain('<Ack>true</Ack>');
    expect((await stored('salesforce')).length).toBe(before + 1);
    expect(await count('salesforce', 'replayed')).toBe(1);
  });
});

describe('the receiver as a whole', () => {
  it('records one notice when the same delivery arrives on two connections at once', async () => {
    const request = buildPipedriveRequest(
      url('pipedrive'),
      { object: 'activities', recordId: '404', action: 'create' },
      { user: PIPEDRIVE_USER, password: PIPEDRIVE_PASSWORD },
    );
    const replayedBefore = await count('pipedrive', 'replayed');
    // `connection: close` keeps undici from queueing both on one socket.
    const both = await Promise.all(
      [0, 1].map(() => send({ ...request, headers: { ...request.headers, connection: 'close' } })),
    );
    expect(both.map((r) => r.status)).toEqual([200, 200]);
    const outcomes = both
      .map((r) => JSON.parse(r.body) as { accepted: number; replayed: number })
      .sort((a, b) => b.accepted - a.accepted);
    expect(outcomes).toEqual([
      expect.objectContaining({ accepted: 1, replayed: 0 }),
      expect.objectContaining({ accepted: 0, replayed: 1 }),
    ]);
    expect((await stored('pipedrive')).filter((r) => r.object === 'activities')).toHaveLength(1);
    expect(await count('pipedrive', 'replayed')).toBe(replayedBefore + 1);
  });

  it('notifies through one sender signature per vendor (what the emulators call on change)', async () => {
    const senders = {
      hubspot: webhookSender({ system: 'hubspot', options: { clientSecret: HUBSPOT_SECRET } }),
      pipedrive: webhookSender({
        system: 'pipedrive',
        options: { user: PIPEDRIVE_USER, password: PIPEDRIVE_PASSWORD },
      }),
      salesforce: webhookSender({ system: 'salesforce', options: { organizationId: ORG_ID } }),
    };
    const changes = {
      hubspot: { object: 'tickets', recordId: '3301' },
      pipedrive: { object: 'leads', recordId: '3302' },
      salesforce: { object: 'Lead', recordId: salesforceId('00Q') },
    };
    for (const system of ['hubspot', 'pipedrive', 'salesforce'] as const) {
      const result = await senders[system](url(system), { ...changes[system], action: 'update' });
      bodies.push(result.body);
      expect(result.status).toBe(200);
      expect((await stored(system)).filter((r) => r.object === changes[system].object).map((r) => r.record_id)).toEqual(
        [changes[system].recordId],
      );
    }
  });

  it('refuses unknown paths, other methods and bodies over the limit', async () => {
    expect((await fetch(`${receiver.url}/webhooks/zoho`, { method: 'POST', body: '{}' })).status).toBe(404);
    expect((await fetch(url('hubspot'), { method: 'GET' })).status).toBe(405);
    const big = await fetch(url('pipedrive'), { method: 'POST', body: 'x'.repeat(300_000) });
    expect(big.status).toBe(413);
    expect(await count('hubspot', 'rejected', 'method-not-allowed')).toBe(1);
    expect(await count('pipedrive', 'rejected', 'too-large')).toBe(1);
  });

  it('takes a load of genuine calls from all three vendors, each stored once (the bench driver)', async () => {
    const before = (await database.db.pool.query<{ n: string }>('SELECT count(*)::text AS n FROM sync.change_notices'))
      .rows[0]!.n;
    const result = await sendLoad({
      baseUrl: receiver.url,
      calls: 12,
      concurrency: 3,
      hubspot: { clientSecret: HUBSPOT_SECRET },
      pipedrive: { user: PIPEDRIVE_USER, password: PIPEDRIVE_PASSWORD },
      salesforce: { organizationId: ORG_ID },
    });
    expect(result.statuses).toEqual({ 200: 12 });
    expect(result.sentAt.size).toBe(12);
    expect(result.p99Ms).toBeGreaterThanOrEqual(result.p50Ms);
    const after = (await database.db.pool.query<{ n: string }>('SELECT count(*)::text AS n FROM sync.change_notices'))
      .rows[0]!.n;
    expect(Number(after) - Number(before)).toBe(12);
  });

  it('never lets a secret reach a response body, a log line or a stored row', async () => {
    const { rows: notices } = await database.db.pool.query('SELECT * FROM sync.change_notices');
    const { rows: counts } = await database.db.pool.query('SELECT * FROM sync.webhook_counts');
    expect(notices.length).toBeGreaterThan(5);
    expect(logLines.length).toBeGreaterThan(15);
    expect(logLines.some((l) => l.includes('"reason":"bad-auth"'))).toBe(true);
    const everything = [...bodies, ...logLines, JSON.stringify(notices), JSON.stringify(counts)].join('\n');
    for (const secret of SECRETS) expect(everything).not.toContain(secret);
  });
});
