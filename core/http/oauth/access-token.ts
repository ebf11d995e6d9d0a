import type { JWTPayload } from 'jose' with { 'resolution-mode': 'import' };
import { z } from 'zod';
import type { Scope } from '../tokens';
import { OAUTH_SCOPES, resourceId, type OAuthResource } from './resource';

export type AccessTokenVerdict =
  | { ok: true; scope: Scope | null; subject: string }
  | { ok: false; reason: 'invalid'; description: string }
  | { ok: false; reason: 'unavailable'; description: string };

// jose is an ES module; this CommonJS build loads it when the first token is checked.
type Jose = typeof import('jose', { with: { 'resolution-mode': 'import' } });
let jose: Promise<Jose> | undefined;
const loadJose = () => (jose ??= import('jose'));

/** A compact JWS: three base64url parts. Anything else was never one of the authorization server's tokens. */
const looksLikeJwt = (token: string) => /^[\w-]+\.[\w-]+\.[\w-]+$/.test(token);

const AuthServerMetadataSchema = z.looseObject({ issuer: z.string(), jwks_uri: z.url() });

const DISCOVERY_TIMEOUT_MS = 5_000;

/**
 * Where the authorization server publishes its keys: RFC 8414 metadata first (the path-inserted form), then OpenID
 * Connect discovery, each checked to name the configured issuer (RFC 8414 §3.3) so a document for another server is
 * not trusted.
 */
async function discoverJwksUri(issuer: string): Promise<string> {
  const url = new URL(issuer);
  const path = url.pathname === '/' ? '' : url.pathname.replace(/\/$/, '');
  const candidates = [
    new URL(`/.well-known/oauth-authorization-server${path}`, url.origin),
    new URL(`${path}/.well-known/openid-configuration`, url.origin),
  ];
  const problems: string[] = [];
  for (const candidate of candidates) {
    try {
      const response = await fetch(candidate, { signal: AbortSignal.timeout(DISCOVERY_TIMEOUT_MS) });
      if (!response.ok) {
        problems.push(`${candidate.href} answered ${response.status}`);
        continue;
      }
      const metadata = AuthServerMetadataSchema.safeParse(await response.json());
      if (!metadata.success) problems.push(`${candidate.href} names no jwks_uri`);
      else if (metadata.data.issuer !== issuer)
        problems.push(`${candidate.href} is the metadata of issuer ${metadata.data.issuer}, not ${issuer}`);
      else return metadata.data.jwks_uri;
    } catch (error) {
      problems.push(`${candidate.href}: ${(error as Error).message}`);
    }
  }
  throw new Error(`the authorization server's keys could not be found (${problems.join('; ')})`);
}

/** The scope the token grants here: write includes read; a token with neither grants nothing here. */
function scopeOf(payload: JWTPayload): Scope | null {
  // RFC 9068 puts scopes in `scope` (space-separated); some servers use `scp` (a list or a string).
  const raw = payload.scope ?? payload.scp;
  const scopes = new Set(Array.isArray(raw) ? raw.map(String) : typeof raw === 'string' ? raw.split(/\s+/) : []);
  if (scopes.has(OAUTH_SCOPES.write)) return 'write';
  if (scopes.has(OAUTH_SCOPES.read)) return 'read';
  return null;
}

/** Why a token was refused, for the 401's error_description: which check failed, never the token's content. */
function describeRefusal({ errors }: Jose, error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'the access token has expired';
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'aud') return 'the access token was issued for another resource (aud)';
    if (error.claim === 'iss') return 'the access token was issued by another authorization server (iss)';
    return `the access token's ${error.claim} claim is not valid (${error.reason})`;
  }
  if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWSSignatureVerificationFailed)
    return "the access token is not signed with the authorization server's keys";
  return 'the access token is not a valid JWT';
}

/**
 * Checks JWT access tokens from the configured authorization server against its published keys: signature, `iss`,
 * `aud` = the resource identifier of the endpoint called, and `exp`. Keys are fetched on first use and cached (jose
 * refetches when a token names a key it has not seen); a failed discovery is retried on the next request.
 */
export function accessTokenVerifier(oauth: OAuthResource) {
  type KeySet = ReturnType<Jose['createRemoteJWKSet']>;
  let keys: Promise<KeySet> | undefined;
  const keySet = () =>
    (keys ??= (oauth.jwksUri ? Promise.resolve(oauth.jwksUri) : discoverJwksUri(oauth.issuer)).then(async (uri) =>
      (await loadJose()).createRemoteJWKSet(new URL(uri), { timeoutDuration: DISCOVERY_TIMEOUT_MS }),
    )).catch((error: unknown) => {
      keys = undefined;
      throw error;
    });

  return async (token: string, path: string): Promise<AccessTokenVerdict> => {
    if (!looksLikeJwt(token))
      return { ok: false, reason: 'invalid', description: 'the bearer token is not one this server accepts' };
    const lib = await loadJose();
    const { errors } = lib;
    let jwks: KeySet;
    try {
      jwks = await keySet();
    } catch (error) {
      return { ok: false, reason: 'unavailable', description: (error as Error).message };
    }
    const resource = resourceId(oauth, path);
    try {
      const { payload } = await lib.jwtVerify(token, jwks, {
        issuer: oauth.issuer,
        // RFC 9728 resources compare without a trailing slash (https://host and https://host/ are one resource).
        audience: [resource, resource.replace(/\/$/, '')],
        requiredClaims: ['exp'],
        clockTolerance: 5,
      });
      return { ok: true, scope: scopeOf(payload), subject: String(payload.client_id ?? payload.sub ?? 'unnamed') };
    } catch (error) {
      // Keys that could not be fetched say nothing about the token: the server, not the caller, has the problem.
      if (
        !(error instanceof errors.JOSEError) ||
        error instanceof errors.JWKSTimeout ||
        error instanceof errors.JWKSInvalid
      )
        return {
          ok: false,
          reason: 'unavailable',
          description: `the authorization server's keys: ${(error as Error).message}`,
        };
      return { ok: false, reason: 'invalid', description: describeRefusal(lib, error) };
    }
  };
}
