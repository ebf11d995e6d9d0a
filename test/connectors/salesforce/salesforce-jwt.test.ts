import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { jwtAssertion, SalesforceConnector } from '../../../core/connectors/salesforce';
import { SalesforceEmulator } from '../../../sandbox/salesforce';
import { freshEmulatorEachTest } from '../../helpers/emulators';

const pair = () =>
  generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
const APP = pair();
const OTHER = pair();
const CLIENT = { clientId: '3MVG9-jwt-app', clientSecret: 'unused-secret-value' };
const USER = 'loan.sync@bank.example';

let emu: SalesforceEmulator;
let url: string;

freshEmulatorEachTest(
  () => new SalesforceEmulator({ client: CLIENT, jwtBearer: { publicKey: APP.publicKey, usernames: [USER] } }),
  (started, startedUrl) => ((emu = started), (url = startedUrl)),
);

const jwtConnector = (privateKey: string, username = USER, clientId = CLIENT.clientId) =>
  new SalesforceConnector({
    instanceUrl: url,
    oauth: { clientId, username, privateKey },
    retry: { minTimeoutMs: 5, maxTimeoutMs: 20 },
  });

/** The key's base64 body lines, any of which leaking would be a leak of the key. */
const keyLines = (pem: string) => pem.split('\n').filter((l) => l.length > 20 && !l.startsWith('-----'));

describe('Salesforce JWT bearer login (RS256 assertion signed with the connected app key)', () => {
  it('logs in, reads, and logs in again with a fresh assertion when the session expires', async () => {
    const c = jwtConnector(APP.privateKey);
    expect(await c.checkConnection()).toMatchObject({ ok: true });
    emu.oauth.expireSessions();
    expect(await c.listObjects()).toContain('Loan__c');
    expect(emu.requests.filter((r) => r.path === '/services/oauth2/token').map((r) => r.status)).toEqual([200, 200]);
  });

  it('signs iss = client ID, sub = username, aud = login URL, exp a few minutes ahead', () => {
    const now = Date.UTC(2026, 0, 1);
    const [h, c] = jwtAssertion('cid', 'u@x', 'https://login.salesforce.com', APP.privateKey, now).split('.');
    expect(JSON.parse(Buffer.from(h!, 'base64url').toString())).toEqual({ alg: 'RS256', typ: 'JWT' });
    expect(JSON.parse(Buffer.from(c!, 'base64url').toString())).toEqual({
      iss: 'cid',
      sub: 'u@x',
      aud: 'https://login.salesforce.com',
      exp: now / 1000 + 180,
    });
  });

  it('refuses a signature from another key, an unknown user or client, with clear messages and no key material', async () => {
    const wrongKey = await jwtConnector(OTHER.privateKey).checkConnection();
    expect(wrongKey.ok).toBe(false);
    expect(wrongKey.message).toContain('invalid_grant');
    expect(wrongKey.message).toContain('private key');
    for (const line of keyLines(OTHER.privateKey)) expect(wrongKey.message).not.toContain(line);

    const wrongUser = await jwtConnector(APP.privateKey, 'someone@else.example').checkConnection();
    expect(wrongUser).toMatchObject({
      ok: false,
      message: expect.stringContaining("user hasn't approved this consumer"),
    });

    const wrongClient = await jwtConnector(APP.privateKey, USER, 'other-client').checkConnection();
    expect(wrongClient).toMatchObject({ ok: false, message: expect.stringContaining('invalid_client_id') });

    const garbage = await jwtConnector(
      '-----BEGIN PRIVATE KEY-----\nnot-a-key-but-secret-looking-text\n-----END PRIVATE KEY-----',
    ).checkConnection();
    expect(garbage.ok).toBe(false);
    expect(garbage.message).toContain('not a readable PEM key');
    expect(garbage.message).not.toContain('not-a-key-but-secret-looking-text');
  });

  it('rejects an expired assertion and one for another audience', async () => {
    const post = (assertion: string) =>
      fetch(`${url}/services/oauth2/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion }),
      }).then(async (r) => ({
        status: r.status,
        body: (await r.json()) as { error?: string; error_description?: string; access_token?: string },
      }));
    const ok = await post(jwtAssertion(CLIENT.clientId, USER, url, APP.privateKey));
    expect(ok.status).toBe(200);
    expect(ok.body.access_token).toBeTruthy();
    const expired = await post(jwtAssertion(CLIENT.clientId, USER, url, APP.privateKey, Date.now() - 10 * 60_000));
    expect(expired).toMatchObject({
      status: 400,
      body: { error: 'invalid_grant', error_description: 'expired authorization code' },
    });
    const elsewhere = await post(jwtAssertion(CLIENT.clientId, USER, 'https://evil.example', APP.privateKey));
    expect(elsewhere).toMatchObject({
      status: 400,
      body: { error: 'invalid_grant', error_description: 'audience is invalid' },
    });
  });

  it('needs both username and private key', () => {
    expect(() => new SalesforceConnector({ instanceUrl: url, oauth: { clientId: 'x', username: USER } })).toThrow(
      /both username and privateKey/,
    );
  });
});
