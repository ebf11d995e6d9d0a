import { createHmac, randomBytes } from 'node:crypto';
import type { Reply } from './handlers';

export interface OAuthClient { clientId: string; clientSecret: string }

/** The org's OAuth token endpoint and its issued tokens. */
export class OAuth {
  readonly accessTokens = new Set<string>();
  readonly refreshTokens = new Set<string>();

  constructor(
    readonly client: OAuthClient,
    readonly orgId: string,
    readonly userId: string,
  ) {}

  issueAccessToken(): string {
    const token = `${this.orgId.slice(0, 15)}!${randomBytes(24).toString('base64url')}`;
    this.accessTokens.add(token);
    return token;
  }

  issueRefreshToken(): string {
    const token = `5Aep${randomBytes(24).toString('base64url')}`;
    this.refreshTokens.add(token);
    return token;
  }

  /** Expires every access token (refresh tokens stay valid), as a session timeout does. */
  expireSessions(): void {
    this.accessTokens.clear();
  }

  /** POST /services/oauth2/token (form-encoded). */
  token(form: URLSearchParams, instanceUrl: string): Reply {
    const fail = (error: string, error_description: string, status = 400): Reply => ({ status, body: { error, error_description } });
    const grant = form.get('grant_type');
    if (form.get('client_id') !== this.client.clientId) return fail('invalid_client_id', 'client identifier invalid');
    if (grant === 'client_credentials') {
      if (form.get('client_secret') !== this.client.clientSecret) return fail('invalid_client', 'invalid client credentials');
    } else if (grant === 'refresh_token') {
      if (form.has('client_secret') && form.get('client_secret') !== this.client.clientSecret) return fail('invalid_client', 'invalid client credentials');
      if (!this.refreshTokens.has(form.get('refresh_token') ?? '')) return fail('invalid_grant', 'expired access/refresh token');
    } else {
      return fail('unsupported_grant_type', 'grant type not supported');
    }
    const issued_at = String(Date.now());
    const id = `${instanceUrl}/id/${this.orgId}/${this.userId}`;
    const signature = createHmac('sha256', this.client.clientSecret).update(id + issued_at).digest('base64');
    return {
      status: 200,
      body: { access_token: this.issueAccessToken(), instance_url: instanceUrl, id, token_type: 'Bearer', issued_at, signature, scope: 'api' },
    };
  }

  authorized(header: string | undefined): boolean {
    const m = /^(?:Bearer|OAuth)\s+(.+)$/i.exec(header ?? '');
    return !!m && this.accessTokens.has(m[1]!.trim());
  }
}
