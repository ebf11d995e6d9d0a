/**
 * Exit codes that scripts can rely on. Every surface maps failures through `classifyError`,
 * so the CLI, MCP and n8n all describe the same failure the same way.
 */
export const EXIT = {
  ok: 0,
  failure: 1,
  usage: 2,
  input: 3,
  database: 4,
  quarantined: 5,
  crm: 6,
} as const;

export type ErrorKind = 'usage' | 'input' | 'database' | 'crm' | 'failure';

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** The data given cannot be used as it is (a file or table missing, columns absent); exit code 3. */
export class InputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InputError';
  }
}

/** A CRM could not be reached, or refused the credentials or the call as a whole; exit code 6. */
export class CrmError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CrmError';
  }
}

const CRM_ERRORS = new Set(['CrmError', 'SalesforceError', 'HubSpotError', 'PipedriveError']);

const DATABASE_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'ETIMEDOUT', '28P01', '3D000', '57P01', '53300']);

export function classifyError(error: unknown): ErrorKind {
  const e = error as { name?: string; code?: string };
  if (e?.name === 'UsageError' || e?.name === 'ConfigError' || e?.name === 'ZodError') return 'usage';
  if (e?.name === 'CsvFormatError' || e?.name === 'InputError' || e?.name === 'MatchInputError') return 'input';
  // Before the database codes: a connector's ECONNREFUSED is the CRM's, not the database's.
  if (e?.name && CRM_ERRORS.has(e.name)) return 'crm';
  if ((e?.code && DATABASE_CODES.has(e.code)) || /embedded database .* in use/.test(String((error as Error)?.message))) return 'database';
  return 'failure';
}

/** A message for people: zod's issues as `path: message` lines instead of their JSON. */
export function describeError(error: unknown): string {
  const e = error as { name?: string; issues?: Array<{ path: PropertyKey[]; message: string }>; message?: string };
  if (e?.name === 'ZodError' && Array.isArray(e.issues)) {
    return `invalid input: ${e.issues.map((i) => `${i.path.length ? `${i.path.map(String).join('.')}: ` : ''}${i.message}`).join('; ')}`;
  }
  return error instanceof Error ? error.message : String(error);
}
