import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConnections, openConnector } from '../../../core/connectors/registry';
import { SalesforceEmulator } from '../../../sandbox/salesforce';

const keys = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  publicKeyEncoding: { type: 'spki', format: 'pem' },
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
});
const CLIENT = { clientId: '3MVG9-registry', clientSecret: 'registry-secret-value' };
const USER = 'sync@bank.example';

let emu: SalesforceEmulator;
let url: string;
let keyFile: string;

beforeAll(async () => {
  emu = new SalesforceEmulator({ client: CLIENT, jwtBearer: { publicKey: keys.publicKey, usernames: [USER] } });
  url = await emu.start();
  keyFile = join(mkdtempSync(join(tmpdir(), 'sf-key-')), 'server.key');
  writeFileSync(keyFile, keys.privateKey);
});
afterAll(async () => {
  await emu.stop();
});

describe('Salesforce connections: JWT bearer from the environment', () => {
  it('logs in with SALESFORCE_USERNAME and SALESFORCE_PRIVATE_KEY_FILE', async () => {
    const connections = loadConnections(undefined, {
      SALESFORCE_INSTANCE_URL: url,
      SALESFORCE_CLIENT_ID: CLIENT.clientId,
      SALESFORCE_USERNAME: USER,
      SALESFORCE_PRIVATE_KEY_FILE: keyFile,
    });
    expect(connections.salesforce).toEqual({
      instanceUrl: url,
      clientId: CLIENT.clientId,
      username: USER,
      privateKeyFile: keyFile,
    });
    const connector = await openConnector('salesforce', connections);
    expect(await connector.checkConnection()).toMatchObject({ ok: true });
  });

  it('asks for both halves, and never puts the key in a message', async () => {
    expect(() =>
      loadConnections(undefined, {
        SALESFORCE_INSTANCE_URL: url,
        SALESFORCE_CLIENT_ID: 'x',
        SALESFORCE_USERNAME: USER,
      }),
    ).toThrow(/JWT bearer login needs both username and privateKey/);
    const missing = loadConnections(undefined, {
      SALESFORCE_INSTANCE_URL: url,
      SALESFORCE_CLIENT_ID: 'x',
      SALESFORCE_USERNAME: USER,
      SALESFORCE_PRIVATE_KEY_FILE: '/nonexistent/key.pem',
    });
    await expect(openConnector('salesforce', missing)).rejects.toThrow(
      'Cannot read the Salesforce private key file /nonexistent/key.pem: ENOENT',
    );
    const wrongUser = await openConnector('salesforce', {
      salesforce: {
        instanceUrl: url,
        clientId: CLIENT.clientId,
        username: 'nobody@bank.example',
        privateKey: keys.privateKey,
      },
    });
    const check = await wrongUser.checkConnection();
    expect(check.ok).toBe(false);
    const body = keys.privateKey.split('\n').filter((l) => l.length > 20 && !l.startsWith('-----'));
    for (const line of body) expect(check.message).not.toContain(line);
  });
});

describe('Salesforce connections: a known Bulk processing rate', () => {
  it('reads SALESFORCE_BULK_RECORDS_PER_SECOND as a number and refuses one that is not above 0, naming it', () => {
    const connections = loadConnections(undefined, {
      SALESFORCE_INSTANCE_URL: url,
      SALESFORCE_ACCESS_TOKEN: 'token',
      SALESFORCE_BULK_RECORDS_PER_SECOND: '2500',
    });
    expect(connections.salesforce).toEqual({ instanceUrl: url, accessToken: 'token', bulkRecordsPerSecond: 2500 });
    expect(() =>
      loadConnections(undefined, {
        SALESFORCE_INSTANCE_URL: url,
        SALESFORCE_ACCESS_TOKEN: 'token',
        SALESFORCE_BULK_RECORDS_PER_SECOND: 'fast',
      }),
    ).toThrow(/bulkRecordsPerSecond/);
    expect(() =>
      loadConnections(undefined, {
        SALESFORCE_INSTANCE_URL: url,
        SALESFORCE_ACCESS_TOKEN: 'token',
        SALESFORCE_BULK_RECORDS_PER_SECOND: '0',
      }),
    ).toThrow(/bulkRecordsPerSecond/);
  });
});
