import { writeSync } from 'node:fs';

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
