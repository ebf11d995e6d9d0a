import { stringify } from 'csv-stringify/sync';
import type { RecordErrorBody } from './errors';

/** Salesforce's limit for one Bulk API 2.0 upload: 150 MB base64-encoded, i.e. about 100 MB of raw CSV. */
export const MAX_JOB_BYTES = 100 * 1024 * 1024;

/** Bulk API 2.0: an empty cell leaves a field unchanged; this value sets it to null. */
const NULL_CELL = '#N/A';

export interface CsvJob {
  /** The CSV upload: header, then one line per record. */
  csv: string;
  /** Positions (in the caller's record list) of the records this job carries, in CSV order. */
  indexes: number[];
}

/**
 * Splits records into Bulk API 2.0 upsert jobs of at most `maxBytes` of CSV each. Columns are every property any
 * record carries (the key column first); a record without a property gets an empty cell, which Salesforce reads as
 * "leave unchanged", and a null or empty value becomes #N/A ("set to null").
 */
export function csvJobs(
  rows: Array<{ index: number; values: Record<string, unknown> }>,
  keyProperty: string,
  maxBytes = MAX_JOB_BYTES,
): CsvJob[] {
  const columns = [keyProperty];
  const seen = new Set(columns);
  for (const r of rows)
    for (const name of Object.keys(r.values))
      if (!seen.has(name)) {
        seen.add(name);
        columns.push(name);
      }
  const header = stringify([columns]);
  const jobs: CsvJob[] = [];
  let lines: string[] = [];
  let indexes: number[] = [];
  let bytes = Buffer.byteLength(header);
  const flush = () => {
    if (indexes.length) jobs.push({ csv: header + lines.join(''), indexes });
    lines = [];
    indexes = [];
    bytes = Buffer.byteLength(header);
  };
  for (const r of rows) {
    const cells = columns.map((c) => {
      const v = r.values[c];
      if (v === undefined) return '';
      // Salesforce stores a blank text as null, which is what Collections does with "" too.
      if (v === null || v === '') return NULL_CELL;
      return typeof v === 'string' ? v : String(v);
    });
    const line = stringify([cells]);
    const size = Buffer.byteLength(line);
    if (indexes.length && bytes + size > maxBytes) flush();
    lines.push(line);
    indexes.push(r.index);
    bytes += size;
  }
  flush();
  return jobs;
}

/** A failedResults `sf__Error` cell (`STATUS_CODE:message:field,field --`) as the error body Collections would give. */
export function parseBulkError(cell: string | undefined): RecordErrorBody {
  const text = (cell ?? '').replace(/\s*--\s*$/, '');
  const m = /^([A-Z_]+):([\s\S]*)$/.exec(text);
  if (!m) return { statusCode: 'UNKNOWN', message: text };
  let message = m[2]!;
  let fields: string[] = [];
  const last = message.lastIndexOf(':');
  if (last >= 0 && /^[A-Za-z0-9_, ]*$/.test(message.slice(last + 1))) {
    fields = message
      .slice(last + 1)
      .split(',')
      .map((f) => f.trim())
      .filter(Boolean);
    message = message.slice(0, last);
  }
  return { statusCode: m[1]!, message, fields };
}
