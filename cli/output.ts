import Table from 'cli-table3';
import { classifyError, describeError, EXIT } from '../core/errors';
import { redactSecrets } from '../core/db/redact';

export interface OutputOptions {
  json?: boolean;
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export function table(head: string[], rows: Array<Array<string | number | null>>): string {
  const t = new Table({ head, style: { head: [], border: [] } });
  for (const r of rows) t.push(r.map((c) => (c === null ? '' : String(c))));
  return t.toString();
}

/** Prints an error (as JSON on stdout with --json, so scripts get one shape) and sets the exit code for its kind. */
export function fail(error: unknown, options: OutputOptions): void {
  const kind = classifyError(error);
  const message = redactSecrets(describeError(error), [process.env.DATABASE_URL ? safePassword(process.env.DATABASE_URL) : undefined]);
  if (options.json) printJson({ ok: false, error: { kind, message } });
  else process.stderr.write(`crm-bridge: ${message}\n`);
  process.exitCode = EXIT[kind];
}

function safePassword(url: string): string | undefined {
  try {
    return decodeURIComponent(new URL(url).password) || undefined;
  } catch {
    return undefined;
  }
}
