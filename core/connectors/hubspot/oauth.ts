import type { Client } from '@hubspot/api-client';
import { z } from 'zod';
import { HubSpotError, toHubSpotError } from './errors';

/** An OAuth app's credentials and the refresh token the account's installation gave it. */
export interface HubSpotOAuth {
  clientId: string;
  clientSecret: string;
  refreshToken: string;
}

export const HubSpotOAuthSchema = z
  .object({ clientId: z.string().min(1), clientSecret: z.string().min(1), refreshToken: z.string().min(1) })
  .strict();

const TokenResponse = z.object({
  accessToken: z.string().min(1),
  refreshToken: z.string().min(1).optional(),
  expiresIn: z.number().positive(),
});

/**
 * Keeps a HubSpot OAuth access token fresh with the refresh-token grant (`POST /oauth/v1/token`, SDK
 * `oauth.tokensApi.create`): before the first call, when less than `marginMs` of its life is left, and when HubSpot
 * answers 401. Concurrent callers share one refresh.
 */
export class OAuthTokens {
  private accessToken: string | undefined;
  private expiresAt = 0;
  private refreshing: Promise<void> | null = null;
  /** Tokens obtained so far, for monitoring and tests. */
  refreshes = 0;

  private readonly oauth: HubSpotOAuth;

  constructor(
    private readonly client: Client,
    oauth: HubSpotOAuth,
    private readonly marginMs = 60_000,
  ) {
    // A copy: HubSpot may hand out a new refresh token, which must not leak into the caller's options object.
    this.oauth = { ...oauth };
  }

  /** Everything that must never appear in a message: the client secret, the refresh token, the current access token. */
  get secrets(): Array<string | undefined> {
    return [this.oauth.clientSecret, this.oauth.refreshToken, this.accessToken];
  }

  /** Makes sure the client holds an access token with some life left. */
  async ensure(): Promise<void> {
    if (this.accessToken && Date.now() < this.expiresAt - this.marginMs) return;
    await this.refresh();
  }

  /** Which token the client holds now; a call that failed with 401 passes it to `renewAfter`. */
  get generation(): number {
    return this.refreshes;
  }

  /** Renews after a 401, unless another call already replaced the token that was refused. */
  async renewAfter(generation: number): Promise<void> {
    if (this.refreshing) return this.refreshing;
    if (generation === this.refreshes) await this.refresh();
  }

  /** Gets a new access token (one request, whoever asks meanwhile waits for the same one). */
  refresh(): Promise<void> {
    this.refreshing ??= this.fetchToken().finally(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }

  private async fetchToken(): Promise<void> {
    let raw: unknown;
    try {
      raw = await this.client.oauth.tokensApi.create(
        'refresh_token',
        undefined,
        undefined,
        this.oauth.clientId,
        this.oauth.clientSecret,
        this.oauth.refreshToken,
      );
    } catch (error) {
      const e = toHubSpotError(error, 'OAuth token refresh', this.secrets);
      throw new HubSpotError(
        `${e.message} (check the app's client ID, client secret and refresh token)`,
        e.status === 400 ? 401 : e.status,
        e.category ?? 'OAUTH',
      );
    }
    const parsed = TokenResponse.safeParse(raw);
    if (!parsed.success)
      throw new HubSpotError('HubSpot OAuth token refresh returned no usable access token', undefined, 'OAUTH');
    this.accessToken = parsed.data.accessToken;
    if (parsed.data.refreshToken) this.oauth.refreshToken = parsed.data.refreshToken;
    this.expiresAt = Date.now() + parsed.data.expiresIn * 1000;
    this.refreshes++;
    this.client.setAccessToken(this.accessToken);
  }
}
