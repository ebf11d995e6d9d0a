import { describe, expect, it } from 'vitest';
import { HubSpotEmulator } from '../../../sandbox/hubspot';
import { loadConnections, openConnector } from '../../../core/connectors/registry';
import { stopEmulatorsAfterEach } from '../../helpers/emulators';

const APP = { clientId: 'reg-client-1', clientSecret: 'reg-SECRET-abc123', refreshToken: 'reg-REFRESH-def456' };
const startEmulator = stopEmulatorsAfterEach<HubSpotEmulator>();

describe('HubSpot connections (registry)', () => {
  it('opens an OAuth connection from the environment and connects through the token endpoint', async () => {
    const emulator = new HubSpotEmulator({ oauthApps: [APP] });
    const url = await startEmulator(emulator);
    const connections = loadConnections(undefined, {
      HUBSPOT_CLIENT_ID: APP.clientId,
      HUBSPOT_CLIENT_SECRET: APP.clientSecret,
      HUBSPOT_REFRESH_TOKEN: APP.refreshToken,
      HUBSPOT_BASE_URL: url,
    });
    expect(connections.hubspot).toEqual({ ...APP, baseUrl: url });
    const connector = await openConnector('hubspot', connections);
    expect(await connector.checkConnection()).toMatchObject({ ok: true });
    expect(emulator.oauth.tokenRequests).toBe(1);
  });

  it('still takes a private app token, and refuses half an OAuth app without echoing its secret', async () => {
    expect(loadConnections(undefined, { HUBSPOT_ACCESS_TOKEN: 'pat-1' }).hubspot).toEqual({ accessToken: 'pat-1' });
    let message = '';
    try {
      loadConnections(undefined, { HUBSPOT_REFRESH_TOKEN: APP.refreshToken, HUBSPOT_CLIENT_SECRET: APP.clientSecret });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(
      /hubspot: give an accessToken \(private app\), or clientId, clientSecret and refreshToken \(OAuth app\)/,
    );
    expect(message).not.toContain(APP.refreshToken);
    expect(message).not.toContain(APP.clientSecret);
  });
});
