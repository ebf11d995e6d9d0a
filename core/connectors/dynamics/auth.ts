import { redactSecrets } from '../../db/redact';
import { DynamicsError } from './errors';
import { DEFAULT_AUTHORITY, type DynamicsClientCredentials } from './options';
import { parseReply, TokenError, TokenReply } from './schemas';

/** Renew a token this long before it expires, so no request leaves with one about to lapse. */
const EARLY_MS = 5 * 60_000;

/**
 * Access tokens from the Microsoft identity platform's client-credentials grant, for the `.default` scope of the
 * environment. One request at a time; the token is kept until shortly before it expires, or until Dataverse refuses it.
 */
export class ClientCredentialsTokens {
  private token: { value: string; expiresAt: number } | null = null;
  private pending: Promise<string> | null = null;
  /** Tokens fetched so far, for tests and monitoring. */
  fetched = 0;

  constructor(
    private readonly credentials: DynamicsClientCredentials,
    private readonly environmentUrl: string,
  ) {}

  get secrets(): string[] {
    return [this.credentials.clientSecret, this.token?.value].filter((s): s is string => !!s);
  }

  get tokenUrl(): string {
    const authority = (this.credentials.authorityUrl ?? DEFAULT_AUTHORITY).replace(/\/+$/, '');
    return `${authority}/${encodeURIComponent(this.credentials.tenantId)}/oauth2/v2.0/token`;
  }

  /** The current token, fetching one when none is held or it is about to expire. */
  async current(): Promise<string> {
    if (this.token && this.token.expiresAt - EARLY_MS > Date.now()) return this.token.value;
    this.pending ??= this.fetch().finally(() => (this.pending = null));
    return this.pending;
  }

  /** Drops the held token (Dataverse refused it), so the next request fetches a new one. */
  invalidate(): void {
    this.token = null;
  }

  private async fetch(): Promise<string> {
    const { clientId, clientSecret } = this.credentials;
    const scope = `${new URL(this.environmentUrl).origin}/.default`;
    let response: Response;
    try {
      response = await fetch(this.tokenUrl, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'client_credentials',
          client_id: clientId,
          client_secret: clientSecret,
          scope,
        }),
      });
    } catch (error) {
      throw new DynamicsError(
        redactSecrets(
          `Dynamics sign-in at ${this.tokenUrl} failed: ${(error as Error).message} (the identity platform cannot be reached)`,
          this.secrets,
        ),
        undefined,
        undefined,
        undefined,
        true,
      );
    }
    const text = await response.text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = { error: `HTTP ${response.status}`, error_description: text.slice(0, 200) };
    }
    if (!response.ok) {
      const refusal = TokenError.safeParse(body);
      const reason = refusal.success
        ? `${refusal.data.error}: ${refusal.data.error_description ?? ''}`
        : `HTTP ${response.status}`;
      throw new DynamicsError(
        redactSecrets(
          `Dynamics sign-in refused by the identity platform (${reason.trim()}): check the tenant ID, client ID and client secret`,
          this.secrets,
        ),
        response.status === 400 ? 401 : response.status,
      );
    }
    const token = parseReply(TokenReply, body, `POST ${new URL(this.tokenUrl).pathname}`);
    this.fetched++;
    this.token = { value: token.access_token, expiresAt: Date.now() + token.expires_in * 1000 };
    return token.access_token;
  }
}
