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
} as const;

export type ErrorKind = 'usage' | 'input' | 'database' | 'failure';

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

const DATABASE_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'ETIMEDOUT', '28P01', '3D000', '57P01', '53300']);

export function classifyError(error: unknown): ErrorKind {
  const e = error as { name?: string; code?: string };
  if (e?.name === 'UsageError' || e?.name === 'ConfigError' || e?.name === 'ZodError') return 'usage';
  if (e?.name === 'CsvFormatError' || e?.name === 'InputError' || e?.name === 'MatchInputError') return 'input';
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
