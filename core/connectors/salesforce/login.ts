import { createPrivateKey, sign } from 'node:crypto';
import { Connection, OAuth2 } from 'jsforce';
import { isConnectionFailure, SalesforceError } from './errors';
import type { SalesforceConnectorOptions } from './options';

const JWT_BEARER_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
/** Salesforce checks `exp` with up to three minutes of clock skew; the assertion is only used once, right away. */
const JWT_LIFETIME_S = 180;

/** A signed RS256 JWT bearer assertion for Salesforce's token endpoint. */
export function jwtAssertion(
  clientId: string,
  username: string,
  audience: string,
  privateKey: string,
  now = Date.now(),
): string {
  let key;
  try {
    key = createPrivateKey(privateKey);
  } catch {
    // The key's own text must not reach the message.
    throw new SalesforceError('Salesforce JWT bearer login: the private key is not a readable PEM key', 'CONFIG');
  }
  const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const body = `${part({ alg: 'RS256', typ: 'JWT' })}.${part({ iss: clientId, sub: username, aud: audience, exp: Math.floor(now / 1000) + JWT_LIFETIME_S })}`;
  return `${body}.${sign('RSA-SHA256', Buffer.from(body), key).toString('base64url')}`;
}

/** A connection with a session: the access token given, or one obtained by the OAuth grant the options name. */
export async function login(
  options: SalesforceConnectorOptions,
  version: string,
  onOrg: (orgId: string) => void,
  describe: (error: unknown) => SalesforceError,
): Promise<Connection> {
  // A pooled socket the server closed meanwhile (EPIPE, ECONNRESET: an emulator or a proxy restarted) fails a login
  // once; it is tried again. A refused connection or refused credentials are reported at once.
  for (let attempt = 0; ; attempt++) {
    try {
      return await loginOnce(options, version, onOrg);
    } catch (error) {
      const e = describe(error);
      if (!e.transient || isConnectionFailure(e) || attempt >= 2) throw error;
    }
  }
}

async function loginOnce(
  options: SalesforceConnectorOptions,
  version: string,
  onOrg: (orgId: string) => void,
): Promise<Connection> {
  const { instanceUrl, accessToken, oauth } = options;
  if (!oauth) return new Connection({ instanceUrl, accessToken, version });
  const loginUrl = (oauth.loginUrl ?? instanceUrl).replace(/\/+$/, '');
  const jwt = oauth.username && oauth.privateKey ? { username: oauth.username, privateKey: oauth.privateKey } : null;
  // The JWT grant carries no client secret: the signed assertion is the proof.
  const oauth2 = new OAuth2({ loginUrl, clientId: oauth.clientId, clientSecret: jwt ? undefined : oauth.clientSecret });
  const clientCredentials = () =>
    jwt
      ? oauth2.requestToken({
          grant_type: JWT_BEARER_GRANT,
          assertion: jwtAssertion(oauth.clientId, jwt.username, loginUrl, jwt.privateKey),
        })
      : oauth2.requestToken({ grant_type: 'client_credentials' });
  const token = oauth.refreshToken && !jwt ? await oauth2.refreshToken(oauth.refreshToken) : await clientCredentials();
  const orgId = /\/([^/]+)\/[^/]+$/.exec(token.id ?? '')?.[1];
  if (orgId) onOrg(orgId);
  return new Connection({
    oauth2,
    instanceUrl: token.instance_url,
    accessToken: token.access_token,
    refreshToken: jwt ? undefined : oauth.refreshToken,
    version,
    // Client credentials and JWT bearer have no refresh token: a new session comes from the same grant.
    ...(oauth.refreshToken && !jwt
      ? {}
      : {
          refreshFn: (conn: Connection, callback: (err?: Error | null, token?: string) => void) => {
            clientCredentials().then(
              (t) => {
                conn.accessToken = t.access_token;
                callback(null, t.access_token);
              },
              (err: Error) => callback(err),
            );
          },
        }),
  });
}
