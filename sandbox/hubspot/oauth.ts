import { randomBytes, randomUUID } from 'node:crypto';
import type { Reply } from './http';

/** An OAuth app installed on the emulated account: its client credentials and the refresh token it was given. */
export interface OAuthApp {
  clientId: string;
  clientSecret: string;
  refreshToken: string;
}

const oauthError = (status: string, message: string): Reply => ({
  status: 400,
  body: { status, message, correlationId: randomUUID() },
});

/**
 * HubSpot's `POST /oauth/v1/token` with `grant_type=refresh_token`: short-lived access tokens (30 minutes by default)
 * that the emulator accepts until they expire. Rate limits are per app, so every token of one app shares one limit.
 */
export class OAuthServer {
  /** access token -> app client ID and expiry */
  private readonly issued = new Map<string, { clientId: string; expiresAt: number }>();
  /** Token requests answered, good or bad, for assertions. */
  tokenRequests = 0;

  constructor(
    private readonly apps: OAuthApp[],
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  token(form: URLSearchParams): Reply {
    this.tokenRequests++;
    if (form.get('grant_type') !== 'refresh_token')
      return oauthError('BAD_GRANT_TYPE', 'grant_type must be refresh_token or authorization_code');
    const app = this.apps.find((a) => a.clientId === form.get('client_id'));
    if (!app) return oauthError('BAD_CLIENT_ID', 'missing or invalid client_id');
    if (app.clientSecret !== form.get('client_secret'))
      return oauthError('BAD_CLIENT_SECRET', 'missing or invalid client_secret');
    if (app.refreshToken !== form.get('refresh_token'))
      return oauthError('BAD_REFRESH_TOKEN', 'missing or unknown refresh token');
    const accessToken = `emu-oauth-${randomBytes(12).toString('hex')}`;
    this.issued.set(accessToken, { clientId: app.clientId, expiresAt: this.now() + this.ttlMs });
    return {
      status: 200,
      body: {
        token_type: 'bearer',
        refresh_token: app.refreshToken,
        access_token: accessToken,
        expires_in: Math.floor(this.ttlMs / 1000),
      },
    };
  }

  /** `valid` with the key the rate limit counts against, `expired`, or `unknown` (not an OAuth token of ours). */
  check(token: string): { state: 'valid'; limitKey: string } | { state: 'expired' | 'unknown' } {
    const issued = this.issued.get(token);
    if (!issued) return { state: 'unknown' };
    if (issued.expiresAt <= this.now()) return { state: 'expired' };
    return { state: 'valid', limitKey: `oauth:${issued.clientId}` };
  }

  /** Makes every access token issued so far expire now (as 30 minutes passing would). */
  expireAll(): void {
    for (const entry of this.issued.values()) entry.expiresAt = Math.min(entry.expiresAt, this.now());
  }
}
