import { redactSecrets } from '../../db/redact';
import { retryAfterMs } from '../http/retry-after';
import { unreachableCode } from '../http/unreachable';
import { VendorCallError } from '../http/vendor-call-error';

/** A failed Dataverse call, described without tokens or secrets. */
export class DynamicsError extends VendorCallError {
  constructor(
    message: string,
    status?: number,
    /** Dataverse's error code, e.g. `0x80072322`. */
    readonly code?: string,
    retryAfterMs?: number,
    unreachable = false,
  ) {
    super('DynamicsError', message, status, retryAfterMs, unreachable);
  }
}

/** What Dataverse's error codes mean, in words a user can act on. */
const CODE_MEANINGS: Record<string, string> = {
  '0x80040333': 'a duplicate detection rule matched an existing record',
  '0x80040237': 'another record already has these alternate key values',
  '0x80044331': 'a value is longer than the column allows',
  '0x8004431A': 'a choice value is not one of the column’s options',
  '0x80040217': 'the record does not exist',
  '0x80060888': 'Dataverse could not read the request (unknown column or a value of the wrong type)',
  '0x80072322': 'the service protection request limit was reached',
  '0x80072321': 'the service protection execution-time limit was reached',
  '0x80072326': 'the service protection concurrency limit was reached',
};

export const meaningOf = (code: string | undefined): string | undefined => (code ? CODE_MEANINGS[code] : undefined);

interface SdkError {
  status?: number;
  code?: string;
  message?: string;
  headers?: Record<string, unknown>;
  error?: { code?: string; message?: string };
}

/** Status, Dataverse code and message of what the SDK threw or put in a batch answer. */
export function describeSdkError(error: unknown): { status?: number; code?: string; message: string } {
  const e = (error ?? {}) as SdkError;
  const code = e.error?.code || (typeof e.code === 'string' && /^0x/i.test(e.code) ? e.code : undefined);
  const message = e.error?.message ?? e.message ?? String(error);
  return { status: typeof e.status === 'number' ? e.status : undefined, code, message };
}

/** Whatever a call failed with, as a DynamicsError without secrets. */
export function toDynamicsError(
  error: unknown,
  what: string,
  secrets: Array<string | undefined>,
  url: string,
): DynamicsError {
  if (error instanceof DynamicsError) return error;
  const { status, code, message } = describeSdkError(error);
  if (status !== undefined) {
    const hint =
      status === 401
        ? ` (Dataverse at ${url} refused the access token: it is missing, invalid or expired, or the app has no application user there)`
        : status === 403
          ? ` (the application user lacks a security role for this at ${url})`
          : '';
    const meaning = meaningOf(code);
    const text = `Dynamics ${what} failed with HTTP ${status}${code ? ` ${code}` : ''}: ${message}${meaning ? ` (${meaning})` : ''}${hint}`;
    return new DynamicsError(redactSecrets(text, secrets), status, code, retryAfterMs((error as SdkError).headers));
  }
  const unreachable = unreachableCode(error) !== undefined;
  const where = unreachable ? ` (Dataverse at ${url} cannot be reached)` : '';
  return new DynamicsError(
    redactSecrets(`Dynamics ${what} failed: ${message}${where}`, secrets),
    undefined,
    undefined,
    undefined,
    unreachable,
  );
}
