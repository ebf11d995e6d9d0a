import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { sfError, type Reply } from './handlers';
import type { RecordError, Store } from './store';

/*
 * One ingest job's data: its uploaded CSV parsed into rows, each row applied to the store, and the result CSVs
 * (successfulResults, failedResults, unprocessedrecords) as Salesforce writes them.
 */

export const DELIMITERS = { BACKQUOTE: '`', CARET: '^', COMMA: ',', PIPE: '|', SEMICOLON: ';', TAB: '\t' } as const;

export type JobState = 'Open' | 'UploadComplete' | 'InProgress' | 'JobComplete' | 'Failed' | 'Aborted';

export interface Job {
  id: string;
  object: string;
  operation: string;
  externalIdFieldName: string;
  columnDelimiter: keyof typeof DELIMITERS;
  lineEnding: 'LF' | 'CRLF';
  createdDate: string;
  systemModstamp: string;
  state: JobState;
  errorMessage?: string;
  csv: string | null;
  header: string[];
  rows: string[][];
  processed: number;
  failed: number;
  successful: string[][];
  failures: string[][];
  unprocessedFrom: number;
  /** Date.now() at UploadComplete, and at the end (JobComplete / Failed): totalProcessingTime is the span between. */
  uploadCompleteAt?: number;
  endedAt?: number;
  /** Time actually spent processing its records (apiActiveProcessingTime), in ms. */
  activeMs: number;
}

/** Turns the uploaded CSV into header and rows (once); an error message when it is not valid CSV. */
export function parseUpload(job: Job): string | undefined {
  if (job.csv === null) return undefined;
  try {
    const table = parse(job.csv, {
      delimiter: DELIMITERS[job.columnDelimiter],
      record_delimiter: job.lineEnding === 'CRLF' ? '\r\n' : '\n',
      bom: true,
    }) as string[][];
    const [header, ...rows] = table;
    job.header = header ?? [];
    job.rows = rows;
    return undefined;
  } catch (error) {
    return `InvalidBatch : Failed to parse CSV: ${(error as Error).message}`;
  } finally {
    job.csv = null;
  }
}

/** Applies one CSV row to the store, recording it as a success or a failure of the job. */
export function processRow(store: Store, job: Job, row: string[], seen: Set<string>, types: string[]): void {
  const fail = (e: RecordError) => {
    job.processed++;
    job.failed++;
    job.failures.push(['', `${e.statusCode}:${e.message}:${e.fields.length ? e.fields.join(',') : ''} --`, ...row]);
  };
  const values: Record<string, unknown> = {};
  for (let c = 0; c < job.header.length; c++) {
    const name = job.header[c]!;
    const raw = row[c] ?? '';
    // Bulk API: an empty cell leaves the field as it is; #N/A sets it to null.
    if (raw === '') continue;
    if (raw === '#N/A') {
      values[name] = null;
      continue;
    }
    const type = types[c]!;
    if (['int', 'long', 'double', 'currency', 'percent'].includes(type)) {
      const n = Number(raw);
      if (!Number.isFinite(n))
        return fail({
          statusCode: 'INVALID_TYPE_ON_FIELD_IN_RECORD',
          message: `${name}: value not of required type: ${raw}`,
          fields: [name],
        });
      values[name] = n;
    } else if (type === 'boolean') {
      if (!/^(true|false|1|0|yes|no)$/i.test(raw))
        return fail({
          statusCode: 'INVALID_TYPE_ON_FIELD_IN_RECORD',
          message: `${name}: value not of required type: ${raw}`,
          fields: [name],
        });
      values[name] = /^(true|1|yes)$/i.test(raw);
    } else {
      values[name] = raw;
    }
  }
  const key = String(values[job.externalIdFieldName] ?? '');
  if (key && seen.has(key))
    return fail({
      statusCode: 'DUPLICATE_VALUE',
      message: `Duplicate external id specified: ${key}`,
      fields: [job.externalIdFieldName],
    });
  if (key) seen.add(key);
  const outcome = store.upsertOne(job.object, job.externalIdFieldName, values);
  if (!outcome.success) return fail(outcome.errors[0]!);
  job.processed++;
  job.successful.push([outcome.id!, outcome.created ? 'true' : 'false', ...row]);
}

/** A job's successful, failed or unprocessed records as Salesforce's CSV. */
export function jobResults(job: Job, which: string): Reply {
  if (!['JobComplete', 'Failed', 'Aborted'].includes(job.state)) {
    return sfError(
      400,
      'INVALIDJOBSTATE',
      `Job ${job.id} is still ${job.state}; results are available once it is complete, failed or aborted`,
    );
  }
  parseUpload(job);
  // Salesforce quotes every result field, which is what lets clients split on any of the delimiters it supports.
  const csv = (header: string[], rows: string[][]) => ({
    status: 200,
    contentType: 'text/csv',
    text: stringify([header, ...rows], {
      record_delimiter: job.lineEnding === 'CRLF' ? '\r\n' : '\n',
      delimiter: DELIMITERS[job.columnDelimiter],
      quoted: true,
      quoted_empty: true,
    }),
  });
  if (which === 'successfulResults') return csv(['sf__Id', 'sf__Created', ...job.header], job.successful);
  if (which === 'failedResults') return csv(['sf__Id', 'sf__Error', ...job.header], job.failures);
  return csv(job.header, job.rows.slice(job.unprocessedFrom));
}
