import { unreachableCode } from '../http/unreachable';

/** Salesforce errors turned into clear messages that never carry a secret. */
export class SalesforceError extends Error {
  constructor(
    message: string,
    /** Salesforce's errorCode (or OAuth error), e.g. INVALID_SESSION_ID, REQUEST_LIMIT_EXCEEDED. */
    readonly code: string,
    /** Whether retrying the same call may succeed (5xx, timeouts, dropped connections). */
    readonly transient = false,
  ) {
    super(message);
    this.name = 'SalesforceError';
  }
}

/** What each per-record failure of a write means, in words a user can act on. */
export const RECORD_ERROR_MESSAGES: Record<string, string> = {
  DUPLICATES_DETECTED: 'Salesforce duplicate rules blocked this record',
  DUPLICATE_VALUE: 'another Salesforce record already has this unique value',
  DUPLICATE_EXTERNAL_ID: 'several Salesforce records share this external ID',
  REQUIRED_FIELD_MISSING: 'Salesforce requires fields this record does not have',
  INVALID_FIELD: 'this record has a field Salesforce does not know',
  INVALID_FIELD_FOR_INSERT_UPDATE: 'this record writes a field that is read-only in Salesforce',
  FIELD_CUSTOM_VALIDATION_EXCEPTION: 'a Salesforce validation rule rejected this record',
  FIELD_INTEGRITY_EXCEPTION: 'a field value does not fit the Salesforce field (wrong type or reference)',
  INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST: 'a picklist value is not allowed by Salesforce',
  STRING_TOO_LONG: 'a value is longer than the Salesforce field allows',
  UNABLE_TO_LOCK_ROW: 'Salesforce could not lock the record (another process is writing it); try again',
  ENTITY_IS_DELETED: 'the Salesforce record was deleted',
  INVALID_CROSS_REFERENCE_KEY: 'a lookup field points at a Salesforce record that does not exist',
  INVALID_TYPE_ON_FIELD_IN_RECORD: "a value is not of the Salesforce field's type",
  ALL_OR_NONE_OPERATION_ROLLED_BACK: 'rolled back because another record of the batch failed',
};

export interface RecordErrorBody {
  statusCode?: string;
  message?: string;
  fields?: string[];
}

export function recordErrorMessage(errors: RecordErrorBody[] | undefined): string {
  if (!errors?.length) return 'Salesforce rejected this record without saying why';
  return errors
    .map((e) => {
      const code = e.statusCode ?? 'UNKNOWN';
      const fields = e.fields?.length ? ` [${e.fields.join(', ')}]` : '';
      return `${RECORD_ERROR_MESSAGES[code] ?? 'Salesforce rejected this record'} (${code}: ${e.message ?? ''}${fields})`;
    })
    .join('; ');
}

/** Codes that mean the org cannot be used now at all (credentials refused, daily limit spent), not one record. */
const ORG_REFUSED = new Set([
  'INVALID_SESSION_ID',
  'REQUEST_LIMIT_EXCEEDED',
  'invalid_grant',
  'invalid_client',
  'invalid_client_id',
  'unsupported_grant_type',
]);

/** Salesforce unreachable, or refusing the credentials or every call: the whole operation stops, not one record. */
export function isConnectionFailure(error: unknown): boolean {
  return (
    error instanceof SalesforceError &&
    (ORG_REFUSED.has(error.code) || unreachableCode({ code: error.code, message: error.message }) !== undefined)
  );
}

const TRANSIENT_CODES = new Set([
  'SERVER_UNAVAILABLE',
  'UNKNOWN_EXCEPTION',
  'REQUEST_RUNNING_TOO_LONG',
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
  'UND_ERR_SOCKET',
]);

/** Removes every given secret from a text. */
export function redact(text: string, secrets: ReadonlyArray<string | undefined | null>): string {
  let out = text;
  for (const s of secrets) if (s && s.length >= 4) out = out.split(s).join('[redacted]');
  return out;
}

/** Any error from jsforce (HttpApiError, OAuth error, FetchError, timeout) as a SalesforceError without secrets. */
export function toSalesforceError(
  error: unknown,
  secrets: ReadonlyArray<string | undefined | null>,
  context: string,
  instanceUrl?: string,
): SalesforceError {
  const e = describeSalesforceError(error, secrets, context);
  // Which org refused or could not be reached: its instance URL, never a token.
  if (!instanceUrl || !isConnectionFailure(e) || e.message.includes(instanceUrl)) return e;
  return new SalesforceError(`${e.message} [Salesforce at ${instanceUrl}]`, e.code, e.transient);
}

function describeSalesforceError(
  error: unknown,
  secrets: ReadonlyArray<string | undefined | null>,
  context: string,
): SalesforceError {
  if (error instanceof SalesforceError)
    return new SalesforceError(redact(error.message, secrets), error.code, error.transient);
  const e = error as { name?: string; errorCode?: string; code?: string; message?: string; type?: string };
  const raw = redact(String(e?.message ?? error), secrets).slice(0, 500);
  const code = e?.errorCode ?? (e?.code && /^[A-Z_]+$/.test(e.code) ? e.code : undefined) ?? e?.name ?? 'UNKNOWN';
  const status = /^ERROR_HTTP_(\d{3})$/.exec(code)?.[1];
  const network =
    e?.name === 'FetchError' || e?.name === 'AbortError' || /timeout|socket hang up|ECONNRESET/i.test(raw);
  const transient = network || TRANSIENT_CODES.has(code) || (status !== undefined && status.startsWith('5'));
  let message: string;
  switch (code) {
    case 'INVALID_SESSION_ID':
      message = `Salesforce rejected the access token (INVALID_SESSION_ID: ${raw}). Log in again or check the connection's credentials.`;
      break;
    case 'REQUEST_LIMIT_EXCEEDED':
      message = `The Salesforce org's daily API request limit is used up (REQUEST_LIMIT_EXCEEDED: ${raw}). Wait until the rolling 24-hour window frees requests, or ask Salesforce for a higher limit.`;
      break;
    case 'invalid_client':
    case 'invalid_client_id':
    case 'invalid_grant':
    case 'unsupported_grant_type':
      message = `Salesforce OAuth login failed (${code}: ${raw}). Check the client ID, client secret, refresh token, or for JWT bearer the username, private key and the connected app's certificate.`;
      break;
    default:
      message = network ? `Salesforce did not answer (${raw})` : `Salesforce error ${code}: ${raw}`;
  }
  return new SalesforceError(`${context}: ${message}`, code, transient);
}
