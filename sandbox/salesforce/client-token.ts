import type { OAuthClient } from './oauth';

/** The connected app an emulator accepts when it is given none. */
export const EMULATOR_CLIENT: OAuthClient = { clientId: 'emulator-client', clientSecret: 'emulator-secret' };

/**
 * Signs in to an emulator as a plain HTTP client would (the client credentials grant) and returns the access token:
 * for the tests and benches that call the REST API without jsforce.
 */
export async function clientCredentialsToken(url: string, client: OAuthClient = EMULATOR_CLIENT): Promise<string> {
  const reply = await fetch(`${url}/services/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: client.clientId,
      client_secret: client.clientSecret,
    }),
  });
  if (!reply.ok) throw new Error(`The emulator refused the client credentials login (HTTP ${reply.status})`);
  return ((await reply.json()) as { access_token: string }).access_token;
}
