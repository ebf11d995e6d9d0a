import { randomBytes } from 'node:crypto';
import type { Reply } from './http';

/** An OAuth app installed on the emulated company: its client and a refresh token it holds. */
export interface OAuthClient {
  clientId: string;
  clientSecret: string;
  refreshToken: string;
}

/** Pipedrive's OAuth token endpoint and the access tokens it issued. */
export class PipedriveOAuthServer {
  /** Issued OAuth access tokens -> expiry (ms) and the client they were issued to. */
  private readonly accessTokens = new Map<string, { expiresAt: number; clientId: string }>();
  private issued = 0;

  constructor(
    private readonly clients: OAuthClient[] | undefined,
    private readonly ttlSeconds: number | undefined,
  ) {}

  /** `POST /oauth/token`: refreshes an access token for a client authenticated by HTTP Basic (client_id:client_secret). */
  token(method: string, authorization: string | undefined, rawBody: string, apiDomain: string): Reply {
    const oauthError = (status: number, error: string, description: string): Reply => ({
      status,
      body: { success: false, error, error_description: description },
    });
    if (method !== 'POST') return oauthError(405, 'invalid_request', 'Use POST');
    const basic = /^Basic\s+(.+)$/i.exec(authorization ?? '');
    const [clientId, clientSecret] = basic ? Buffer.from(basic[1]!, 'base64').toString('utf8').split(':') : [];
    const client = (this.clients ?? []).find((c) => c.clientId === clientId);
    if (!client || client.clientSecret !== clientSecret)
      return oauthError(401, 'invalid_client', 'Invalid client credentials');
    const form = new URLSearchParams(rawBody);
    if (form.get('grant_type') !== 'refresh_token')
      return oauthError(400, 'unsupported_grant_type', 'Only refresh_token is supported by the emulator');
    if (form.get('refresh_token') !== client.refreshToken)
      return oauthError(400, 'invalid_grant', 'Invalid refresh token');
    const ttl = this.ttlSeconds ?? 3599;
    const accessToken = `v1u:emulator-access-${++this.issued}-${randomBytes(12).toString('hex')}`;
    this.accessTokens.set(accessToken, { expiresAt: Date.now() + ttl * 1000, clientId: client.clientId });
    return {
      status: 200,
      body: {
        access_token: accessToken,
        token_type: 'Bearer',
        refresh_token: client.refreshToken,
        scope: 'base,deals:full,contacts:full',
        expires_in: ttl,
        api_domain: apiDomain,
      },
    };
  }

  /** Whether this Bearer token was issued and has not expired. */
  accepts(accessToken: string): boolean {
    const issued = this.accessTokens.get(accessToken);
    return !!issued && issued.expiresAt > Date.now();
  }

  revokeAll(): void {
    this.accessTokens.clear();
  }
}
