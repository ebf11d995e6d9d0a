import type { Database } from '../core/db/database';
import { resolveDatabaseOptions } from '../core/db/database';
import { isProjectFolder } from '../core/db/home';
import { UsageError } from '../core/errors';
import type { AuthorizedHandler } from '../core/http/app';
import { isLoopback } from '../core/http/listen';
import { parseOAuthResource, type OAuthResource } from '../core/http/oauth/resource';
import { parseApiTokens, type ApiToken } from '../core/http/tokens';
import type { LoadedMapping } from '../core/mapping/load-mapping';
import { realRoots } from '../mcp/allowed-paths';
import type { GlobalOptions } from './context';

/** The options of `serve` and `mcp --http` that say who may call. */
export interface HttpAuthOptions {
  token?: string[];
  authServer?: string;
  publicUrl?: string;
  authJwksUri?: string;
}

/**
 * The bearer tokens of `--token` and `CRM_BRIDGE_API_TOKEN`, and the authorization server of `--auth-server`. Without
 * either, the API and MCP trust every caller, so they may only listen on a loopback address.
 */
export function httpAuth(
  opts: HttpAuthOptions,
  host: string,
  serves: string,
): { tokens: ApiToken[]; oauth: OAuthResource | undefined } {
  const tokens = parseApiTokens([...(opts.token ?? []), process.env.CRM_BRIDGE_API_TOKEN ?? '']);
  const oauth = parseOAuthResource({
    authServer: opts.authServer ?? process.env.CRM_BRIDGE_AUTH_SERVER,
    publicUrl: opts.publicUrl ?? process.env.CRM_BRIDGE_PUBLIC_URL,
    jwksUri: opts.authJwksUri ?? process.env.CRM_BRIDGE_AUTH_JWKS_URI,
  });
  if (tokens.length === 0 && !oauth && !isLoopback(host))
    throw new UsageError(
      `--host ${host} would open ${serves} to the network without a token: give --token (or CRM_BRIDGE_API_TOKEN) or --auth-server, or listen on 127.0.0.1`,
    );
  return { tokens, oauth };
}

/**
 * Starts something on `port`; a port another process holds is the user's choice to change, so it is a usage error
 * naming the option that moves it, not a failure with the system's EADDRINUSE.
 */
export async function onPort<T>(start: (port: number) => Promise<T>, port: number, option: string, holder: string) {
  try {
    return await start(port);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
    throw new UsageError(
      `port ${port} is in use (${holder}?): stop that process, or choose another port with ${option} <port> (0 picks a free one)`,
    );
  }
}

export function parsePort(value: string, option = '--port'): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    throw new UsageError(`${option} must be a port number, not "${value}"`);
  return port;
}

/** The folders MCP tools may read: --allow-dir, else the working directory when it is a crm-bridge project. */
export function mcpRoots(allowDir: string[] | undefined): string[] {
  return realRoots(allowDir ?? (isProjectFolder(process.cwd()) ? [process.cwd()] : []));
}

/** MCP over Streamable HTTP on an open database; the MCP SDK is loaded only when it is served. */
export async function mcpOverHttp(
  global: GlobalOptions,
  db: Database,
  mapping: LoadedMapping,
  options: { allowDir?: string[]; allowWrites?: boolean },
): Promise<AuthorizedHandler> {
  const { mcpHttpHandler } = await import('../mcp/http.js');
  return mcpHttpHandler({
    database: resolveDatabaseOptions(process.env, { url: global.db, home: global.home }),
    db,
    mapping,
    allowedRoots: mcpRoots(options.allowDir),
    allowWrites: options.allowWrites ?? false,
  });
}
