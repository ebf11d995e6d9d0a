import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendJson } from './body';
import { accessTokenVerifier } from './oauth/access-token';
import { bearerChallenge, OAUTH_SCOPES, type OAuthResource } from './oauth/resource';
import { authorize, type ApiToken, type Scope } from './tokens';

/** Who is calling, as the bearer check found: what they may do, and whether they can ask for more. */
export interface Caller {
  scope: Scope;
  /**
   * For a token from the authorization server: answers 403 `insufficient_scope` asking for write scope, which a client
   * can get by authorizing again (the MCP specification's step-up). A static token cannot gain scope, so it has none.
   */
  stepUp?: (res: ServerResponse) => void;
}

/** A handler mounted behind the bearer check. */
export type AuthorizedHandler = (req: IncomingMessage, res: ServerResponse, caller: Caller) => Promise<void>;

export type RefusalReason = 'missing-token' | 'wrong-token' | 'insufficient-scope';

export type GuardVerdict =
  | { ok: true; caller: Caller; label?: string }
  | { ok: false; reason: RefusalReason | 'unavailable'; send: (res: ServerResponse) => void };

const refusal = (res: ServerResponse, status: number, message: string, challenge: string) =>
  sendJson(res, status, { ok: false, error: { kind: 'usage', message } }, { 'www-authenticate': challenge });

/**
 * The bearer check of the lookup API and MCP: static tokens (`--token`), then, when an authorization server is
 * configured, its JWT access tokens for the endpoint's resource. Without either, every caller is trusted (the server
 * then listens on a loopback address only). `path` is the protected endpoint (`/` for the API, `/mcp`).
 */
export function bearerGuard(options: { tokens: ApiToken[]; oauth?: OAuthResource | undefined }) {
  const { tokens, oauth } = options;
  const verify = oauth ? accessTokenVerifier(oauth) : undefined;
  const challenge = (path: string, problem: Parameters<typeof bearerChallenge>[2] = {}) =>
    oauth
      ? bearerChallenge(oauth, path, problem)
      : `Bearer realm="crm-bridge"${problem.error ? `, error="${problem.error}"` : ''}`;

  return async (header: string | undefined, path: string): Promise<GuardVerdict> => {
    if (tokens.length === 0 && !oauth) return { ok: true, caller: { scope: 'write' } };
    const verdict = authorize(header, tokens);
    if (verdict.ok) return { ok: true, caller: { scope: verdict.scope }, label: verdict.label };
    if (verdict.reason === 'missing-token')
      return {
        ok: false,
        reason: 'missing-token',
        send: (res) => refusal(res, 401, 'send Authorization: Bearer <token>', challenge(path)),
      };
    const token = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '')![1]!;
    const checked = verify
      ? await verify(token, path)
      : {
          ok: false as const,
          reason: 'invalid' as const,
          description: 'the bearer token is not one this server accepts',
        };
    if (!checked.ok) {
      if (checked.reason === 'unavailable')
        return {
          ok: false,
          reason: 'unavailable',
          send: (res) =>
            sendJson(res, 503, {
              ok: false,
              error: { kind: 'failure', message: `the access token could not be checked: ${checked.description}` },
            }),
        };
      return {
        ok: false,
        reason: 'wrong-token',
        send: (res) =>
          refusal(
            res,
            401,
            checked.description,
            challenge(path, { error: 'invalid_token', description: checked.description }),
          ),
      };
    }
    const label = `oauth ${checked.subject}`;
    if (!checked.scope) {
      const description = `the access token grants neither ${OAUTH_SCOPES.read} nor ${OAUTH_SCOPES.write}`;
      return {
        ok: false,
        reason: 'insufficient-scope',
        send: (res) =>
          refusal(
            res,
            403,
            description,
            challenge(path, { error: 'insufficient_scope', description, scope: OAUTH_SCOPES.read }),
          ),
      };
    }
    const stepUp = (res: ServerResponse) => {
      const description = `this call needs ${OAUTH_SCOPES.write}; the access token grants ${OAUTH_SCOPES.read} only`;
      refusal(
        res,
        403,
        description,
        challenge(path, {
          error: 'insufficient_scope',
          description,
          scope: `${OAUTH_SCOPES.read} ${OAUTH_SCOPES.write}`,
        }),
      );
    };
    return { ok: true, caller: { scope: checked.scope, ...(checked.scope === 'read' ? { stepUp } : {}) }, label };
  };
}
