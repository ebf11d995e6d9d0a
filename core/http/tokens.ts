import { createHash, timingSafeEqual } from 'node:crypto';
import { UsageError } from '../errors';

/** `read` may look things up; `write` may also call what changes data (MCP write tools). */
export type Scope = 'read' | 'write';

export interface ApiToken {
  /** SHA-256 of the token: the token itself is not kept, so no log or error can print it. */
  digest: Buffer;
  scope: Scope;
  /** The token's position in the configuration ("token 2"), the only name it has in logs. */
  label: string;
}

const MIN_TOKEN_LENGTH = 16;

const digestOf = (token: string) => createHash('sha256').update(token, 'utf8').digest();

/**
 * Tokens from `--token` options and `CRM_BRIDGE_API_TOKEN` (comma-separated). Each is `TOKEN` (read scope) or
 * `write:TOKEN` / `read:TOKEN`. Errors name the token by position, never by value.
 */
export function parseApiTokens(values: string[]): ApiToken[] {
  return values
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter(Boolean)
    .map((entry, i) => {
      const label = `token ${i + 1}`;
      const match = /^(read|write):(.*)$/s.exec(entry);
      const scope: Scope = match ? (match[1] as Scope) : 'read';
      const token = match ? match[2]! : entry;
      if (token.length < MIN_TOKEN_LENGTH)
        throw new UsageError(
          `API ${label} is shorter than ${MIN_TOKEN_LENGTH} characters: use a random one (e.g. openssl rand -hex 24)`,
        );
      if (/\s/.test(token)) throw new UsageError(`API ${label} contains white space`);
      return { digest: digestOf(token), scope, label };
    });
}

export type Authorization =
  { ok: true; scope: Scope; label: string } | { ok: false; reason: 'missing-token' | 'wrong-token' };

/**
 * Checks `Authorization: Bearer <token>` against the configured tokens in constant time per token. Scope is the
 * caller's to act on: MCP lets a read token call its read tools on the same endpoint and refuses only the write tools.
 */
export function authorize(header: string | undefined, tokens: ApiToken[]): Authorization {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  if (!match) return { ok: false, reason: 'missing-token' };
  const digest = digestOf(match[1]!);
  const found = tokens.find((t) => timingSafeEqual(t.digest, digest));
  if (!found) return { ok: false, reason: 'wrong-token' };
  return { ok: true, scope: found.scope, label: found.label };
}
