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

const CRM_ERRORS = new Set(['CrmError', 'SalesforceError', 'HubSpotError', 'PipedriveError', 'DynamicsError']);

const DATABASE_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'ETIMEDOUT', '28P01', '3D000', '57P01', '53300']);

/** What the file system says when a file argument cannot be read: the user's input, not the program, is at fault. */
const FILE_CODES: Record<string, string> = {
  ENOENT: 'file not found',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EISDIR: 'a folder, not a file',
  ENOTDIR: 'not found (a part of the path is not a folder)',
  ELOOP: 'a loop of links',
  ENAMETOOLONG: 'the path is too long',
};

const isFileError = (e: { code?: string; path?: unknown }) =>
  Boolean(e?.code && FILE_CODES[e.code] && typeof e.path === 'string');

/** `file not found: <path>` for a Node file-system error, instead of its `ENOENT: no such file or directory, open …`. */
export function describeFileError(error: unknown, file?: string): string | undefined {
  const e = error as { code?: string; path?: string };
  if (!e?.code || !FILE_CODES[e.code]) return undefined;
  return `${FILE_CODES[e.code]}: ${file ?? e.path ?? '(unknown path)'}`;
}

export function classifyError(error: unknown): ErrorKind {
  const e = error as { name?: string; code?: string; path?: unknown };
  if (e?.name === 'UsageError' || e?.name === 'ConfigError' || e?.name === 'ZodError') return 'usage';
  if (e?.name === 'CsvFormatError' || e?.name === 'InputError' || e?.name === 'MatchInputError') return 'input';
  if (isFileError(e)) return 'input';
  // Before the database codes: a connector's ECONNREFUSED is the CRM's, not the database's.
  if (e?.name && CRM_ERRORS.has(e.name)) return 'crm';
  if ((e?.code && DATABASE_CODES.has(e.code)) || /embedded database .* in use/.test(String((error as Error)?.message)))
    return 'database';
  return 'failure';
}

/** `fields[3].type`: the path a person edits, not zod's array form. */
function formatIssuePath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const key of path) out += typeof key === 'number' ? `[${key}]` : `${out ? '.' : ''}${String(key)}`;
  return out;
}

/**
 * Zod's issues for people, after a heading: `heading: path: message` for one problem, and one indented
 * `- path: message` line per problem when there are several.
 */
export function describeIssues(
  heading: string,
  issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }>,
): string {
  const lines = issues.map((i) => `${i.path.length ? `${formatIssuePath(i.path)}: ` : ''}${i.message}`);
  return lines.length === 1 ? `${heading}: ${lines[0]}` : `${heading}:${lines.map((l) => `\n  - ${l}`).join('')}`;
}

/** A message for people: zod's issues as `path: message` lines instead of their JSON. */
export function describeError(error: unknown): string {
  const e = error as { name?: string; issues?: Array<{ path: PropertyKey[]; message: string }>; message?: string };
  if (e?.name === 'ZodError' && Array.isArray(e.issues)) return describeIssues('invalid input', e.issues);
  if (isFileError(e as { code?: string; path?: unknown })) return describeFileError(error)!;
  return error instanceof Error ? error.message : String(error);
}
