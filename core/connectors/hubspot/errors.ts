import { redactSecrets } from '../../db/redact';
import { retryAfterMs } from '../http/retry-after';
import { unreachableCode } from '../http/unreachable';
import { VendorCallError } from '../http/vendor-call-error';

/** A failed HubSpot call, described without the access token. */
export class HubSpotError extends VendorCallError {
  constructor(
    message: string,
    status?: number,
    readonly category?: string,
    readonly correlationId?: string,
    retryAfterMs?: number,
    unreachable = false,
  ) {
    super('HubSpotError', message, status, retryAfterMs, unreachable);
  }

  /** HubSpot answers a slow request with category TIMEOUT (and a 4xx), which a later call may pass. */
  override get retryable(): boolean {
    return super.retryable || (!this.unreachable && this.category === 'TIMEOUT');
  }
}

interface ApiExceptionLike {
  code?: number;
  body?: unknown;
  headers?: Record<string, string>;
  message?: string;
}

function bodyObject(body: unknown): Record<string, unknown> {
  if (body && typeof body === 'object') return body as Record<string, unknown>;
  if (typeof body === 'string') {
    try {
      const parsed = JSON.parse(body) as unknown;
      if (parsed && typeof parsed === 'object') return parsed as Record<string, unknown>;
    } catch {
      /* not JSON */
    }
    return { message: body };
  }
  return {};
}

/** Turns whatever the SDK threw (ApiException, a network error, a timeout) into a HubSpotError without secrets. */
export function toHubSpotError(
  error: unknown,
  what: string,
  secrets: Array<string | undefined>,
  baseUrl?: string,
): HubSpotError {
  if (error instanceof HubSpotError) return error;
  const e = (error ?? {}) as ApiExceptionLike & { code?: unknown };
  if (typeof e.code === 'number') {
    const body = bodyObject(e.body);
    const category = typeof body.category === 'string' ? body.category : undefined;
    const reason = typeof body.message === 'string' ? body.message : `HTTP ${e.code}`;
    const where = baseUrl ? ` at ${baseUrl}` : '';
    const hint =
      e.code === 401
        ? ` (HubSpot${where} refused the credentials: the access token is missing, invalid or expired)`
        : e.code === 403
          ? ` (the token lacks a required scope${where})`
          : '';
    const message = redactSecrets(
      `HubSpot ${what} failed with HTTP ${e.code}${category ? ` ${category}` : ''}: ${reason}${hint}`,
      secrets,
    );
    return new HubSpotError(
      message,
      e.code,
      category,
      typeof body.correlationId === 'string' ? body.correlationId : undefined,
      retryAfterMs(e.headers),
    );
  }
  const unreachable = unreachableCode(error) !== undefined;
  const where = unreachable && baseUrl ? ` (HubSpot at ${baseUrl} cannot be reached)` : '';
  const message = redactSecrets(
    `HubSpot ${what} failed: ${(error as Error)?.message ?? String(error)}${where}`,
    secrets,
  );
  return new HubSpotError(message, undefined, undefined, undefined, undefined, unreachable);
}
