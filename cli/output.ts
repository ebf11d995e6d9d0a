import Table from 'cli-table3';
import { classifyError, describeError, EXIT, type ErrorKind } from '../core/errors';
import { redactSecrets } from '../core/db/redact';
import { printJson } from './print-json';

export interface OutputOptions {
  json?: boolean;
}

/**
 * Why a command that produced a result still did not fully succeed. `partial` means it ran to the end but records or
 * streams failed or were set aside; the other kinds are the error kinds, with their exit codes.
 */
export interface Verdict {
  kind: ErrorKind | 'partial';
  message: string;
}

const exitCodeOf = (kind: Verdict['kind']): number => (kind === 'partial' ? EXIT.quarantined : EXIT[kind]);

export function table(head: string[], rows: Array<Array<string | number | null>>): string {
  const t = new Table({ head, style: { head: [], border: [] } });
  for (const r of rows) t.push(r.map((c) => (c === null ? '' : String(c))));
  return t.toString();
}

/**
 * The one way a command hands over its result. With --json, stdout gets `{ "ok": true, "result" }`, or, when the
 * verdict says the run was not a full success, `{ "ok": false, "result", "error": { kind, message } }`. Without, the
 * rendered text goes to stdout and the verdict to stderr. The exit code follows the verdict's kind.
 */
export function emit<T>(options: OutputOptions, result: T, render: (result: T) => string, verdict?: Verdict): void {
  if (options.json) printJson(verdict ? { ok: false, result, error: verdict } : { ok: true, result });
  else {
    const text = render(result);
    if (text) process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
    if (verdict) process.stderr.write(`crm-bridge: ${verdict.message}\n`);
  }
  if (verdict) process.exitCode = exitCodeOf(verdict.kind);
}

/** Prints an error (as `{ "ok": false, "error" }` on stdout with --json, so scripts get one shape) and sets its exit code. */
export function fail(error: unknown, options: OutputOptions): void {
  const kind = classifyError(error);
  const message = redactSecrets(describeError(error), [
    process.env.DATABASE_URL ? safePassword(process.env.DATABASE_URL) : undefined,
  ]);
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
