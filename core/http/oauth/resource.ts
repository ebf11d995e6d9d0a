import { z } from 'zod';
import { UsageError } from '../../errors';
import { isLoopback } from '../listen';

/** The scopes an authorization server grants for this server; write includes read. */
export const OAUTH_SCOPES = { read: 'crm-bridge:read', write: 'crm-bridge:write' } as const;

/**
 * This server as an OAuth 2.1 protected resource (RFC 9728, as the MCP authorization specification uses it): which
 * authorization server issues its tokens and the URL clients reach it at, from which each endpoint's resource
 * identifier (the audience its tokens must carry) follows.
 */
export interface OAuthResource {
  /** The authorization server's issuer identifier, as its tokens' `iss` carries it. */
  issuer: string;
  /** The origin clients reach this server at, e.g. `https://crm.example.com` (no path, no trailing slash). */
  publicUrl: string;
  /** Where the authorization server publishes its signing keys; by default read from its metadata. */
  jwksUri?: string;
}

/** HTTPS, except on a loopback address (a local authorization server, tests), as the MCP specification asks. */
const secureUrl = (what: string) =>
  z
    .string()
    .trim()
    .pipe(z.url({ message: `${what} must be a URL (https://…)` }))
    .refine((value) => {
      const url = new URL(value);
      return (
        url.protocol === 'https:' || (url.protocol === 'http:' && isLoopback(url.hostname.replace(/^\[|\]$/g, '')))
      );
    }, `${what} must use https:// (http:// only on a loopback address)`);

const OAuthResourceInputSchema = z.object({
  authServer: secureUrl('--auth-server (CRM_BRIDGE_AUTH_SERVER)'),
  publicUrl: secureUrl('--public-url (CRM_BRIDGE_PUBLIC_URL)').refine(
    (value) => ['/', ''].includes(new URL(value).pathname) && !new URL(value).search,
    '--public-url (CRM_BRIDGE_PUBLIC_URL) is the origin clients reach this server at (https://host[:port]), without a path',
  ),
  jwksUri: secureUrl('--auth-jwks-uri (CRM_BRIDGE_AUTH_JWKS_URI)').optional(),
});

/**
 * The OAuth settings of `serve` and `mcp --http`, or none when no authorization server is named. An authorization
 * server without the public URL is refused: the resource identifier cannot be guessed from a listening address
 * behind a proxy.
 */
export function parseOAuthResource(input: {
  authServer?: string | undefined;
  publicUrl?: string | undefined;
  jwksUri?: string | undefined;
}): OAuthResource | undefined {
  if (!input.authServer) {
    if (input.publicUrl || input.jwksUri)
      throw new UsageError(
        '--public-url and --auth-jwks-uri go with --auth-server <issuer URL>: name the authorization server',
      );
    return undefined;
  }
  if (!input.publicUrl)
    throw new UsageError(
      '--auth-server needs --public-url <https://host> (or CRM_BRIDGE_PUBLIC_URL): the URL clients reach this server at, which its tokens are issued for',
    );
  const parsed = OAuthResourceInputSchema.safeParse(input);
  if (!parsed.success) throw new UsageError(parsed.error.issues.map((i) => i.message).join('; '));
  return {
    // Issuers are compared as strings (RFC 8414), so the one given is kept as it was written.
    issuer: parsed.data.authServer,
    publicUrl: new URL(parsed.data.publicUrl).origin,
    ...(parsed.data.jwksUri ? { jwksUri: parsed.data.jwksUri } : {}),
  };
}

/** The resource identifier of the endpoint at `path` (`/` for the lookup API, `/mcp` for MCP). */
export const resourceId = (oauth: OAuthResource, path: string) => new URL(path, `${oauth.publicUrl}/`).href;

/** RFC 9728 §3.1: the well-known path inserted before the resource's own path. */
export const metadataPath = (path: string) => `/.well-known/oauth-protected-resource${path === '/' ? '' : path}`;

export const metadataUrl = (oauth: OAuthResource, path: string) => `${oauth.publicUrl}${metadataPath(path)}`;

/** The protected-resource metadata document of the endpoint at `path`. */
export function protectedResourceMetadata(oauth: OAuthResource, path: string) {
  return {
    resource: resourceId(oauth, path),
    authorization_servers: [oauth.issuer],
    bearer_methods_supported: ['header'],
    scopes_supported: [OAUTH_SCOPES.read, OAUTH_SCOPES.write],
    resource_name: path === '/mcp' ? 'CRM Bridge MCP server' : 'CRM Bridge lookup API',
  };
}

/** A `WWW-Authenticate` challenge that sends the client to the metadata (RFC 9728 §5.1, RFC 6750 §3). */
export function bearerChallenge(
  oauth: OAuthResource,
  path: string,
  problem: { error?: 'invalid_token' | 'insufficient_scope'; description?: string; scope?: string } = {},
): string {
  const quoted = (v: string) => `"${v.replace(/["\\]/g, '')}"`;
  return [
    ...(problem.error ? [`error=${quoted(problem.error)}`] : []),
    ...(problem.description ? [`error_description=${quoted(problem.description)}`] : []),
    ...(problem.scope ? [`scope=${quoted(problem.scope)}`] : []),
    `resource_metadata=${quoted(metadataUrl(oauth, path))}`,
  ]
    .join(', ')
    .replace(/^/, 'Bearer ');
}
