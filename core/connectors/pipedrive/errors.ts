import { redactSecrets } from '../../db/redact';
import { retryAfterMs } from '../http/retry-after';
import { unreachableCode } from '../http/unreachable';
import { VendorCallError } from '../http/vendor-call-error';

/** A failed Pipedrive call, described without the API token. */
export class PipedriveError extends VendorCallError {
  constructor(
    message: string,
    status?: number,
    /** Milliseconds Pipedrive asked us to wait (Retry-After, else x-ratelimit-reset on a 429). */
    retryAfterMs?: number,
    readonly timeout = false,
    unreachable = false,
  ) {
    super('PipedriveError', message, status, retryAfterMs, unreachable);
  }
}

/** Status and wait of an error body, recorded by the response transformer (the SDK rejects with the bare body). */
export interface ReplyMeta {
  status: number;
  retryAfterMs?: number;
}
export const replyMeta = new WeakMap<object, ReplyMeta>();

/** The wait a reply asks for: `Retry-After`, else (on a 429 only) the seconds until the burst window resets. */
export function waitFrom(headers: Record<string, unknown>, rateLimited: boolean): number | undefined {
  const asked = retryAfterMs(headers);
  if (asked !== undefined || !rateLimited) return asked;
  const reset = Number(headers['x-ratelimit-reset']);
  return Number.isFinite(reset) && reset >= 0 ? reset * 1000 : undefined;
}

/** Turns what the SDK rejected with (Pipedrive's error body, an axios error, a timeout) into a PipedriveError without secrets. */
export function toPipedriveError(
  error: unknown,
  what: string,
  secrets: Array<string | undefined>,
  baseUrl?: string,
): PipedriveError {
  if (error instanceof PipedriveError) return error;
  if (error && typeof error === 'object' && !(error instanceof Error)) {
    const body = error as Record<string, unknown>;
    const meta = replyMeta.get(body);
    const status = meta?.status ?? (typeof body.errorCode === 'number' ? body.errorCode : undefined);
    const reason = typeof body.error === 'string' ? body.error : `HTTP ${status ?? '?'}`;
    const info = typeof body.error_info === 'string' && status !== 401 ? ` (${body.error_info})` : '';
    const where = baseUrl ? ` at ${baseUrl}` : '';
    const hint =
      status === 401
        ? ` (Pipedrive${where} refused the credentials: the API token is missing, invalid or revoked)`
        : status === 403
          ? ` (the token lacks permission${where})`
          : '';
    const message = redactSecrets(
      `Pipedrive ${what} failed with HTTP ${status ?? '?'}: ${reason}${info}${hint}`,
      secrets,
    );
    return new PipedriveError(message, status, meta?.retryAfterMs);
  }
  const e = error as Error & { response?: { status?: number } };
  const unreachable = !e?.response && unreachableCode(error) !== undefined;
  const where = unreachable && baseUrl ? ` (Pipedrive at ${baseUrl} cannot be reached)` : '';
  const message = redactSecrets(`Pipedrive ${what} failed: ${e?.message ?? String(error)}${where}`, secrets);
  return new PipedriveError(message, e?.response?.status, undefined, false, unreachable);
}
