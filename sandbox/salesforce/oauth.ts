import { createHmac, createPublicKey, randomBytes, verify, type KeyObject } from 'node:crypto';
import { z } from 'zod';
import type { Reply } from './handlers';

export interface OAuthClient {
  clientId: string;
  clientSecret: string;
}

/** The connected app's certificate for the JWT bearer flow, and who may log in with it. */
export interface JwtBearerSettings {
  /** PEM public key (or certificate) the assertions' RS256 signatures are checked with. */
  publicKey: string | KeyObject;
  /** Usernames (JWT `sub`) the app is pre-authorised for. */
  usernames: string[];
  /** Accepted `aud` values besides the emulator's own URL (Salesforce: https://login.salesforce.com, https://test.salesforce.com). */
  audiences?: string[];
}

export const JWT_BEARER_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

const JwtHeader = z.object({ alg: z.string() });
const JwtClaims = z.object({
  iss: z.string(),
  sub: z.string(),
  aud: z.union([z.string(), z.array(z.string())]),
  exp: z.number(),
});

/** Salesforce accepts an assertion until its `exp` plus this clock skew. */
const CLOCK_SKEW_S = 180;

/** The org's OAuth token endpoint and its issued tokens. */
export class OAuth {
  readonly accessTokens = new Set<string>();
  readonly refreshTokens = new Set<string>();

  constructor(
    readonly client: OAuthClient,
    readonly orgId: string,
    readonly userId: string,
    readonly jwt?: JwtBearerSettings,
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
    const fail = (error: string, error_description: string, status = 400): Reply => ({
      status,
      body: { error, error_description },
    });
    const grant = form.get('grant_type');
    if (grant === JWT_BEARER_GRANT) {
      const problem = this.checkAssertion(form.get('assertion') ?? '', instanceUrl);
      if (problem) return fail(problem[0], problem[1]);
      return this.issue(instanceUrl);
    }
    if (form.get('client_id') !== this.client.clientId) return fail('invalid_client_id', 'client identifier invalid');
    if (grant === 'client_credentials') {
      if (form.get('client_secret') !== this.client.clientSecret)
        return fail('invalid_client', 'invalid client credentials');
    } else if (grant === 'refresh_token') {
      if (form.has('client_secret') && form.get('client_secret') !== this.client.clientSecret)
        return fail('invalid_client', 'invalid client credentials');
      if (!this.refreshTokens.has(form.get('refresh_token') ?? ''))
        return fail('invalid_grant', 'expired access/refresh token');
    } else {
      return fail('unsupported_grant_type', 'grant type not supported');
    }
    return this.issue(instanceUrl);
  }

  /**
   * A JWT bearer assertion: RS256 over `header.claims`, verified with the app's public key; iss = the client ID,
   * sub = a pre-authorised username, aud = the login URL, exp not passed. Returns [error, description] or nothing.
   */
  private checkAssertion(assertion: string, loginUrl: string): [string, string] | undefined {
    if (!this.jwt) return ['unsupported_grant_type', 'grant type not supported'];
    const parts = assertion.split('.');
    if (parts.length !== 3) return ['invalid_grant', 'invalid assertion'];
    const [h, c, sig] = parts as [string, string, string];
    let header;
    let claims;
    try {
      header = JwtHeader.safeParse(JSON.parse(Buffer.from(h, 'base64url').toString('utf8')));
      claims = JwtClaims.safeParse(JSON.parse(Buffer.from(c, 'base64url').toString('utf8')));
    } catch {
      return ['invalid_grant', 'invalid assertion'];
    }
    if (!header.success || header.data.alg !== 'RS256' || !claims.success)
      return ['invalid_grant', 'invalid assertion'];
    const key = typeof this.jwt.publicKey === 'string' ? createPublicKey(this.jwt.publicKey) : this.jwt.publicKey;
    if (!verify('RSA-SHA256', Buffer.from(`${h}.${c}`), key, Buffer.from(sig, 'base64url')))
      return ['invalid_grant', 'invalid signature'];
    const { iss, sub, aud, exp } = claims.data;
    if (iss !== this.client.clientId) return ['invalid_client_id', 'client identifier invalid'];
    const audiences = [loginUrl, `${loginUrl}/`, ...(this.jwt.audiences ?? [])];
    if (!(Array.isArray(aud) ? aud : [aud]).some((a) => audiences.includes(a)))
      return ['invalid_grant', 'audience is invalid'];
    if (exp + CLOCK_SKEW_S < Date.now() / 1000) return ['invalid_grant', 'expired authorization code'];
    if (!this.jwt.usernames.includes(sub)) return ['invalid_grant', "user hasn't approved this consumer"];
    return undefined;
  }

  private issue(instanceUrl: string): Reply {
    const issued_at = String(Date.now());
    const id = `${instanceUrl}/id/${this.orgId}/${this.userId}`;
    const signature = createHmac('sha256', this.client.clientSecret)
      .update(id + issued_at)
      .digest('base64');
    return {
      status: 200,
      body: {
        access_token: this.issueAccessToken(),
        instance_url: instanceUrl,
        id,
        token_type: 'Bearer',
        issued_at,
        signature,
        scope: 'api',
      },
    };
  }

  authorized(header: string | undefined): boolean {
    const m = /^(?:Bearer|OAuth)\s+(.+)$/i.exec(header ?? '');
    return !!m && this.accessTokens.has(m[1]!.trim());
  }
}
