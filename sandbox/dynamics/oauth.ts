import { randomBytes } from 'node:crypto';

/** An app registration with an application user in the environment. */
export interface DynamicsApp {
  tenantId: string;
  clientId: string;
  clientSecret: string;
}

export interface TokenReply {
  status: number;
  body: unknown;
}

const aadError = (status: number, error: string, code: number, description: string): TokenReply => ({
  status,
  body: {
    error,
    error_description: `AADSTS${code}: ${description}`,
    error_codes: [code],
    timestamp: new Date().toISOString().replace('T', ' ').slice(0, 19) + 'Z',
  },
});

/**
 * The Microsoft identity platform's client-credentials grant, `POST /{tenant}/oauth2/v2.0/token`. Tokens it issues
 * are accepted by the Web API until they expire; each app is one user for the service protection limits.
 */
export class IdentityPlatform {
  private readonly issued = new Map<string, { clientId: string; expiresAt: number }>();
  tokenRequests = 0;

  constructor(
    /** Registered apps; with none, any client ID and secret get a token (the sandbox). */
    private readonly apps: DynamicsApp[],
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  token(tenant: string, form: URLSearchParams): TokenReply {
    this.tokenRequests++;
    if (form.get('grant_type') !== 'client_credentials')
      return aadError(400, 'unsupported_grant_type', 70003, 'The app requested an unsupported grant type.');
    const clientId = form.get('client_id') ?? '';
    const scope = form.get('scope') ?? '';
    if (!/^https?:\/\/[^/]+\/?\.default$/.test(scope))
      return aadError(
        400,
        'invalid_scope',
        1002012,
        `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`,
      );
    if (this.apps.length) {
      const app = this.apps.find((a) => a.clientId === clientId && a.tenantId === tenant);
      if (!app)
        return aadError(
          400,
          'unauthorized_client',
          700016,
          `Application with identifier '${clientId}' was not found in the directory '${tenant}'.`,
        );
      if (app.clientSecret !== form.get('client_secret'))
        return aadError(
          401,
          'invalid_client',
          7000215,
          'Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID.',
        );
    } else if (!clientId || !form.get('client_secret')) {
      return aadError(
        400,
        'invalid_request',
        900144,
        "The request body must contain the following parameter: 'client_id' and 'client_secret'.",
      );
    }
    const accessToken = `emu-aad-${randomBytes(16).toString('hex')}`;
    this.issued.set(accessToken, { clientId, expiresAt: this.now() + this.ttlMs });
    return {
      status: 200,
      body: {
        token_type: 'Bearer',
        expires_in: Math.floor(this.ttlMs / 1000),
        ext_expires_in: Math.floor(this.ttlMs / 1000),
        access_token: accessToken,
      },
    };
  }

  /** `valid` with the user the limits count against, `expired`, or `unknown`. */
  check(token: string): { state: 'valid'; user: string } | { state: 'expired' | 'unknown' } {
    const issued = this.issued.get(token);
    if (!issued) return { state: 'unknown' };
    if (issued.expiresAt <= this.now()) return { state: 'expired' };
    return { state: 'valid', user: `app:${issued.clientId}` };
  }

  expireAll(): void {
    for (const entry of this.issued.values()) entry.expiresAt = Math.min(entry.expiresAt, this.now());
  }
}
