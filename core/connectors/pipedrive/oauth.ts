import { v2 } from 'pipedrive';
import { redactSecrets } from '../../db/redact';
import { PipedriveError } from './errors';
import type { PipedriveOAuthOptions } from './options';
import { parseReply, TokenAnswer } from './schemas';

/**
 * OAuth access tokens of a Pipedrive app, refreshed by the SDK's OAuth2Configuration (`${host}/oauth/token`, HTTP
 * Basic client_id:client_secret). The API objects read the token through a function on every call, so a refreshed
 * token is used at once.
 */
export class PipedriveOAuth {
  private readonly config: v2.OAuth2Configuration;
  private token: { accessToken: string; expiresAt: number } | null = null;
  private refreshing: Promise<string> | null = null;

  constructor(
    private readonly oauth: PipedriveOAuthOptions,
    /** Called with the company's `api_domain` when a token answer names one. */
    private readonly onApiDomain: (host: string) => void,
    private readonly secrets: () => string[],
  ) {
    this.config = new v2.OAuth2Configuration({
      clientId: oauth.clientId,
      clientSecret: oauth.clientSecret,
      redirectUri: oauth.redirectUri ?? 'https://localhost/oauth/callback',
      host: (oauth.oauthHost ?? 'https://oauth.pipedrive.com').replace(/\/+$/, ''),
    });
    this.config.onTokenUpdate = (t) => this.tokenUpdated(parseReply(TokenAnswer, t, 'POST /oauth/token'));
    // The SDK types the stored token as a full answer; only the refresh token is known before the first refresh.
    this.config.updateToken({ refresh_token: oauth.refreshToken } as never);
    if (oauth.accessToken) this.token = { accessToken: oauth.accessToken, expiresAt: Infinity };
  }

  /** The access token in use, for redaction. */
  get current(): string | undefined {
    return this.token?.accessToken;
  }

  private tokenUpdated(answer: TokenAnswer): void {
    if (!answer.access_token) return;
    this.token = {
      accessToken: answer.access_token,
      expiresAt: answer.expires_in ? Date.now() + (answer.expires_in - 60) * 1000 : Infinity,
    };
    // OAuth apps must call the company's own domain unless a base URL was given.
    if (answer.api_domain) this.onApiDomain(answer.api_domain.replace(/\/+$/, ''));
  }

  /** The current OAuth access token, refreshed first when there is none or it is about to expire. */
  async accessToken(): Promise<string> {
    if (this.token && Date.now() < this.token.expiresAt) return this.token.accessToken;
    return this.refresh();
  }

  /** One refresh at a time, however many calls need it. */
  refresh(): Promise<string> {
    this.refreshing ??= (async () => {
      try {
        await this.config.tokenRefresh();
        if (!this.token) throw new PipedriveError('Pipedrive OAuth token refresh returned no access token', 401);
        return this.token.accessToken;
      } catch (error) {
        if (error instanceof PipedriveError) throw error;
        const body = error as {
          error?: unknown;
          error_description?: unknown;
          message?: unknown;
          response?: { status?: number };
        };
        const reason =
          typeof body?.error === 'string'
            ? `${body.error}${typeof body.error_description === 'string' ? ` (${body.error_description})` : ''}`
            : String(body?.message ?? error);
        const refused = typeof body?.error === 'string';
        throw new PipedriveError(
          redactSecrets(`Pipedrive OAuth token refresh failed: ${reason}`, this.secrets()),
          refused ? 401 : body?.response?.status,
        );
      } finally {
        this.refreshing = null;
      }
    })();
    return this.refreshing;
  }
}
