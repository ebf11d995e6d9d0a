import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

type Jose = typeof import('jose', { with: { 'resolution-mode': 'import' } });

/**
 * A local OAuth authorization server as a resource server sees it: RFC 8414 metadata naming its JWKS, and the JWKS.
 * Tokens are signed in the test with its key (or with a key it does not publish).
 */
export interface LocalAuthorizationServer {
  issuer: string;
  /** Signs an access token; `key: 'unpublished'` signs with a key the JWKS does not have. */
  sign(
    claims: Record<string, unknown>,
    options?: { expiresIn?: string | number; key?: 'published' | 'unpublished' },
  ): Promise<string>;
  /** How many times the JWKS was fetched. */
  jwksFetches(): number;
  close(): Promise<void>;
}

export async function startAuthorizationServer(): Promise<LocalAuthorizationServer> {
  const jose: Jose = await import('jose');
  const published = await jose.generateKeyPair('ES256');
  const unpublished = await jose.generateKeyPair('ES256');
  const jwk = { ...(await jose.exportJWK(published.publicKey)), kid: 'key-1', alg: 'ES256', use: 'sig' };
  let fetches = 0;
  let issuer = '';
  const server: Server = createServer((req, res) => {
    const send = (body: unknown) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.url === '/.well-known/oauth-authorization-server')
      return send({
        issuer,
        jwks_uri: `${issuer}/jwks.json`,
        authorization_endpoint: `${issuer}/authorize`,
        token_endpoint: `${issuer}/token`,
        response_types_supported: ['code'],
        code_challenge_methods_supported: ['S256'],
      });
    if (req.url === '/jwks.json') {
      fetches += 1;
      return send({ keys: [jwk] });
    }
    res.writeHead(404).end();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    issuer,
    sign: (claims, options = {}) =>
      new jose.SignJWT({ iss: issuer, ...claims })
        .setProtectedHeader({ alg: 'ES256', kid: 'key-1', typ: 'at+jwt' })
        .setIssuedAt()
        .setExpirationTime(options.expiresIn ?? '5m')
        .sign(options.key === 'unpublished' ? unpublished.privateKey : published.privateKey),
    jwksFetches: () => fetches,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
