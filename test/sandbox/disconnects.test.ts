import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import net from 'node:net';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Connector, ReadItem } from '../../core/connectors/connector';
import { openConnector } from '../../core/connectors/registry';
import { HubSpotEmulator } from '../../sandbox/hubspot';
import { PipedriveEmulator } from '../../sandbox/pipedrive';
import { SalesforceEmulator, clientCredentialsToken } from '../../sandbox/salesforce';
import { ROOT } from '../helpers/example-data';

// A client that goes away mid-request must end only its own request: before, the Salesforce emulator died of the
// unhandled ECONNRESET, and `crm-bridge sandbox` took the HubSpot and Pipedrive emulators down with it.

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Target {
  url: string;
  /** A write path of the API, with the headers that authenticate it. */
  writePath: string;
  /** A read path whose answer is large (many records). */
  bigReadPath: string;
  headers: Record<string, string>;
}

async function connect(url: string): Promise<net.Socket> {
  const socket = net.connect(Number(new URL(url).port), '127.0.0.1');
  await once(socket, 'connect');
  return socket;
}

function head(method: string, requestPath: string, headers: Record<string, string>, length?: number): string {
  const lines = [
    `${method} ${requestPath} HTTP/1.1`,
    'Host: 127.0.0.1',
    ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
  ];
  if (length !== undefined) lines.push('Content-Type: application/json', `Content-Length: ${length}`);
  return `${lines.join('\r\n')}\r\n\r\n`;
}

/** Headers announcing a body, half the body, then the connection closed (with a FIN, or reset with an RST). */
async function halfBody(t: Target, how: 'close' | 'reset'): Promise<void> {
  const body = JSON.stringify({
    allOrNone: false,
    records: Array.from({ length: 50 }, (_, i) => ({ name: `Half ${i}` })),
    inputs: [],
  });
  const socket = await connect(t.url);
  socket.write(head('POST', t.writePath, t.headers, Buffer.byteLength(body)) + body.slice(0, body.length / 2));
  await sleep(60);
  if (how === 'reset') socket.resetAndDestroy();
  else socket.destroy();
}

/** Half a request line and headers, then gone. */
async function halfHeaders(t: Target): Promise<void> {
  const socket = await connect(t.url);
  socket.write(`POST ${t.writePath} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Le`);
  await sleep(30);
  socket.resetAndDestroy();
}

/** A complete request whose large answer the client stops reading after its first bytes. */
async function closeMidResponse(t: Target): Promise<number> {
  const socket = await connect(t.url);
  socket.write(head('GET', t.bigReadPath, t.headers));
  const [first] = (await once(socket, 'data')) as [Buffer];
  socket.resetAndDestroy();
  return first.length;
}

/** A complete request, and the client gone before the (delayed) answer is written. */
async function closeBeforeAnswer(t: Target): Promise<void> {
  const socket = await connect(t.url);
  socket.write(head('GET', t.bigReadPath, t.headers));
  await sleep(30);
  socket.resetAndDestroy();
}

async function records(items: AsyncIterable<ReadItem>): Promise<Array<Record<string, unknown>>> {
  const out: Array<Record<string, unknown>> = [];
  for await (const item of items) if (item.type === 'record') out.push(item.record.properties);
  return out;
}

async function abuse(t: Target, delayNextAnswer: () => void): Promise<void> {
  await halfBody(t, 'close');
  await halfBody(t, 'reset');
  await halfHeaders(t);
  expect(await closeMidResponse(t)).toBeGreaterThan(0);
  delayNextAnswer();
  await closeBeforeAnswer(t);
  // Let the delayed answer be written into the closed connection.
  await sleep(250);
}

const stops: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const stop of stops) await stop();
});

describe('emulators survive clients that disconnect at any point', () => {
  it('Salesforce: after half bodies, resets and abandoned answers, an SDK upsert and read still work', async () => {
    const emulator = new SalesforceEmulator();
    const url = await emulator.start();
    stops.push(() => emulator.stop());
    emulator.store.insert(
      'Account',
      Array.from({ length: 1500 }, (_, i) => ({ Name: `Bulk Account ${i}`, Description: 'x'.repeat(200) })),
    );
    const token = await clientCredentialsToken(url);
    const target: Target = {
      url,
      writePath: '/services/data/v60.0/composite/sobjects/Account/Legacy_Id__c',
      bigReadPath: `/services/data/v60.0/query?q=${encodeURIComponent('SELECT Id, Name, Description FROM Account')}`,
      headers: { Authorization: `Bearer ${token}` },
    };
    await abuse(target, () => emulator.faults.slow(1, 150, { path: '/query' }));
    expect(emulator.faults.hits.slow).toBe(1);

    const connector = await openConnector('salesforce', {
      salesforce: { instanceUrl: url, clientId: 'emulator-client', clientSecret: 'emulator-secret' },
    });
    const [result] = await connector.upsert!(
      'Account',
      [{ key: 'SURVIVOR-1', properties: { Name: 'Still Here Ltd' } }],
      { keyProperty: 'Legacy_Id__c' },
    );
    expect(result).toMatchObject({ key: 'SURVIVOR-1', status: 'created' });
    const written = (await records(connector.read('Account', { properties: ['Name', 'Legacy_Id__c'] }))).filter(
      (r) => r.Legacy_Id__c === 'SURVIVOR-1',
    );
    expect(written).toEqual([expect.objectContaining({ Name: 'Still Here Ltd' })]);
    // The half-sent writes were never applied.
    expect(emulator.store.all('Account').filter((r) => String(r.Name).startsWith('Half '))).toEqual([]);
  });

  it('HubSpot: after half bodies, resets and abandoned answers, an SDK upsert and read still work', async () => {
    const emulator = new HubSpotEmulator({ rateLimitMax: 1000 });
    const url = await emulator.start();
    stops.push(() => emulator.stop());
    for (let i = 0; i < 300; i++)
      emulator.store.create('contacts', { firstname: `Bulk ${i}`, lastname: 'x'.repeat(200) });
    const target: Target = {
      url,
      writePath: '/crm/v3/objects/contacts/batch/upsert',
      bigReadPath: '/crm/v3/objects/contacts?limit=100&properties=firstname,lastname',
      headers: { Authorization: 'Bearer sandbox-token' },
    };
    await abuse(target, () => emulator.faults.slow(150, 1));

    const connector: Connector = await openConnector('hubspot', {
      hubspot: { accessToken: 'sandbox-token', baseUrl: url },
    });
    const [result] = await connector.upsert!(
      'contacts',
      [{ key: 'SURVIVOR-1', properties: { firstname: 'Still', lastname: 'Here' } }],
      { keyProperty: 'legacy_contact_id' },
    );
    expect(result).toMatchObject({ key: 'SURVIVOR-1', status: 'created' });
    const written = (
      await records(connector.read('contacts', { properties: ['firstname', 'legacy_contact_id'] }))
    ).filter((r) => r.legacy_contact_id === 'SURVIVOR-1');
    expect(written).toEqual([expect.objectContaining({ firstname: 'Still' })]);
  });

  it('Pipedrive: after half bodies, resets and abandoned answers, an SDK upsert and read still work', async () => {
    const emulator = new PipedriveEmulator({ burstBudget: 100_000 });
    const url = await emulator.start();
    stops.push(() => emulator.stop());
    for (let i = 0; i < 500; i++) emulator.store.create('persons', { name: `Bulk ${i} ${'x'.repeat(200)}` });
    const target: Target = {
      url,
      writePath: '/api/v2/persons',
      bigReadPath: '/api/v2/persons?limit=500',
      headers: { 'x-api-token': 'sandbox-token' },
    };
    await abuse(target, () => emulator.faults.slow(150, 1));

    const connector = await openConnector('pipedrive', { pipedrive: { apiToken: 'sandbox-token', baseUrl: url } });
    const [result] = await connector.upsert!('persons', [{ key: 'SURVIVOR-1', properties: { name: 'Still Here' } }], {
      keyProperty: 'Legacy person ID',
    });
    expect(result).toMatchObject({ key: 'SURVIVOR-1', status: 'created' });
    const legacyKey = emulator.store.customKey('persons', 'Legacy person ID');
    const written = (await records(connector.read('persons'))).filter((r) => r[legacyKey] === 'SURVIVOR-1');
    expect(written).toEqual([expect.objectContaining({ name: 'Still Here' })]);
    expect(emulator.store.all('persons').filter((p) => String(p.name).startsWith('Half '))).toEqual([]);
  });

  it('`crm-bridge sandbox` keeps all three emulators up after clients hang up on each of them', async () => {
    const child: ChildProcess = spawn(
      process.execPath,
      [
        path.join(ROOT, 'dist', 'cli', 'index.js'),
        '--json',
        'sandbox',
        '--salesforce-port',
        '0',
        '--hubspot-port',
        '0',
        '--pipedrive-port',
        '0',
        '--dynamics-port',
        '0',
      ],
      {
        env: { PATH: process.env.PATH ?? '' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = once(child, 'exit');
    stops.push(async () => {
      if (child.exitCode === null) child.kill('SIGKILL');
    });
    while (!stdout.includes('"pipedrive"')) {
      if (child.exitCode !== null) throw new Error(`sandbox ended: ${stderr}`);
      await sleep(50);
    }
    await sleep(50);
    const urls = (JSON.parse(stdout) as { result: { salesforce: string; hubspot: string; pipedrive: string } }).result;
    const salesforce = {
      url: urls.salesforce,
      writePath: '/services/data/v60.0/composite/sobjects/Account/Legacy_Id__c',
      bigReadPath: '/services/data/v60.0/sobjects',
      headers: {},
    };
    const hubspot = {
      url: urls.hubspot,
      writePath: '/crm/v3/objects/contacts/batch/upsert',
      bigReadPath: '/crm/v3/objects/contacts',
      headers: { Authorization: 'Bearer t' },
    };
    const pipedrive = {
      url: urls.pipedrive,
      writePath: '/api/v2/persons',
      bigReadPath: '/api/v2/persons',
      headers: { 'x-api-token': 't' },
    };
    for (const t of [salesforce, hubspot, pipedrive]) {
      await halfBody(t, 'close');
      await halfBody(t, 'reset');
      await halfHeaders(t);
    }
    await sleep(200);
    expect(child.exitCode).toBe(null);
    const token = await fetch(`${urls.salesforce}/services/oauth2/token`, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: 'emulator-client',
        client_secret: 'emulator-secret',
      }),
    });
    expect(token.status).toBe(200);
    expect(
      (await fetch(`${urls.hubspot}/crm/v3/objects/contacts`, { headers: { Authorization: 'Bearer t' } })).status,
    ).toBe(200);
    const deals = (await (
      await fetch(`${urls.pipedrive}/api/v2/deals`, { headers: { 'x-api-token': 't' } })
    ).json()) as { success: boolean };
    expect(deals.success).toBe(true);
    child.kill('SIGTERM');
    const [code] = (await exited) as [number | null];
    expect(code).toBe(0);
    expect(stderr).not.toMatch(/ECONNRESET|Error/);
  }, 60_000);
});
