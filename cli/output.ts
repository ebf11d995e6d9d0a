import { writeSync } from 'node:fs';
import Table from 'cli-table3';
import { classifyError, describeError, EXIT, type ErrorKind } from '../core/errors';
import { redactSecrets } from '../core/db/redact';

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

/**
 * Writes JSON to stdout piece by piece. `JSON.stringify` of a large result (a dedupe of 100,000 rows with their
 * quarantine) exceeds V8's longest string; written in chunks, only the data itself has to fit in memory.
 */
export function printJson(value: unknown): void {
  let buffer = '';
  const out = (text: string) => {
    buffer += text;
    if (buffer.length >= 1 << 16) flush();
  };
  const flush = () => {
    if (buffer) writeAll(buffer);
    buffer = '';
  };
  writeValue(value, '', out);
  out('\n');
  flush();
}

function writeAll(text: string): void {
  const bytes = Buffer.from(text, 'utf8');
  let offset = 0;
  while (offset < bytes.length) {
    try {
      offset += writeSync(1, bytes, offset);
    } catch (error) {
      // A non-blocking pipe that is full: wait for the reader rather than drop output.
      if ((error as NodeJS.ErrnoException).code === 'EAGAIN') continue;
      if ((error as NodeJS.ErrnoException).code === 'EPIPE') process.exit(0);
      throw error;
    }
  }
}

function writeValue(value: unknown, indent: string, out: (text: string) => void): void {
  if (value !== null && typeof value === 'object' && typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    value = (value as { toJSON(): unknown }).toJSON();
  }
  if (value === null || typeof value !== 'object') {
    out(JSON.stringify(value) ?? 'null');
    return;
  }
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    if (value.length === 0) return out('[]');
    out('[');
    value.forEach((item, i) => {
      out(`${i ? ',' : ''}\n${inner}`);
      writeValue(item === undefined || typeof item === 'function' ? null : item, inner, out);
    });
    return out(`\n${indent}]`);
  }
  const entries = Object.entries(value).filter(([, v]) => v !== undefined && typeof v !== 'function');
  if (entries.length === 0) return out('{}');
  out('{');
  entries.forEach(([k, v], i) => {
    out(`${i ? ',' : ''}\n${inner}${JSON.stringify(k)}: `);
    writeValue(v, inner, out);
  });
  out(`\n${indent}}`);
}

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
