import { performance } from 'node:perf_hooks';
import { z } from 'zod';
import { API_VERSION, sfError, type Reply } from './handlers';
import { makeId } from './ids';
import type { Limits } from './limits';
import { sfDateTime, type Store } from './store';
import { jobResults, parseUpload, processRow, type Job } from './bulk-job';

/** Salesforce splits an ingest job's data into internal batches of this many records; each counts against DailyBulkApiBatches. */
export const BULK_INTERNAL_BATCH = 10_000;
/** Largest CSV one upload may carry (Salesforce: 150 MB base64-encoded, i.e. about 100 MB of raw CSV). */
export const MAX_UPLOAD_BYTES = 100 * 1024 * 1024;

/** How often a paced job (`recordsPerSecond`) takes the records that have come due. */
const PACE_TICK_MS = 10;

const CreateJob = z.object({
  object: z.string().min(1),
  operation: z.enum(['insert', 'update', 'upsert', 'delete', 'hardDelete']),
  externalIdFieldName: z.string().optional(),
  contentType: z.literal('CSV').default('CSV'),
  columnDelimiter: z.enum(['BACKQUOTE', 'CARET', 'COMMA', 'PIPE', 'SEMICOLON', 'TAB']).default('COMMA'),
  lineEnding: z.enum(['LF', 'CRLF']).default('LF'),
  assignmentRuleId: z.string().optional(),
});
const PatchJob = z.object({ state: z.enum(['UploadComplete', 'Aborted']) });

/** A fault for the next ingest jobs: they fail after processing `afterRecords` records (0: before any). */
export interface JobFault {
  remaining: number;
  afterRecords: number;
  message: string;
}

/**
 * Bulk API 2.0 ingest (upsert) at its real paths: create a job, PUT one CSV upload, PATCH UploadComplete (or Aborted),
 * poll the job until JobComplete / Failed, then read successfulResults / failedResults / unprocessedrecords as CSV.
 * Processing is asynchronous, in internal batches of 10,000 records, so a poll can see InProgress.
 */
export class BulkIngest {
  readonly jobs = new Map<string, Job>();
  private counter = 0;
  private readonly faults: JobFault[] = [];
  /**
   * How many records per second jobs are processed at, as a real org's Bulk workers would (unset: as fast as this
   * process goes). Lets tests see a job InProgress for a predictable time.
   */
  recordsPerSecond?: number;

  constructor(
    private readonly store: Store,
    private readonly limits: Limits,
    private readonly userId: string,
  ) {}

  /** The next `count` jobs end Failed with `message` once `afterRecords` of their records were processed. */
  failJobs(count: number, options: { afterRecords?: number; message?: string } = {}): void {
    this.faults.push({
      remaining: count,
      afterRecords: options.afterRecords ?? 0,
      message: options.message ?? 'InternalServerError : An unexpected error occurred while processing the job',
    });
  }

  private info(job: Job, full: boolean): Record<string, unknown> {
    const base = {
      id: job.id,
      operation: job.operation,
      object: job.object,
      createdById: this.userId,
      createdDate: job.createdDate,
      systemModstamp: job.systemModstamp,
      state: job.state,
      externalIdFieldName: job.externalIdFieldName,
      concurrencyMode: 'Parallel',
      contentType: 'CSV',
      apiVersion: Number(API_VERSION),
      contentUrl: `services/data/v${API_VERSION}/jobs/ingest/${job.id}/batches`,
      lineEnding: job.lineEnding,
      columnDelimiter: job.columnDelimiter,
    };
    if (!full) return base;
    return {
      ...base,
      jobType: 'V2Ingest',
      numberRecordsProcessed: job.processed,
      numberRecordsFailed: job.failed,
      retries: 0,
      // Milliseconds since UploadComplete (fixed once the job ends) and milliseconds spent on records; no Apex here.
      totalProcessingTime:
        job.uploadCompleteAt === undefined ? 0 : Math.round((job.endedAt ?? Date.now()) - job.uploadCompleteAt),
      apiActiveProcessingTime: Math.round(job.activeMs),
      apexProcessingTime: 0,
      ...(job.errorMessage ? { errorMessage: job.errorMessage } : {}),
    };
  }

  /** Routes `/jobs/ingest...` (the part of the path after the API base). */
  route(method: string, rest: string, body: string): Reply | undefined {
    if (rest === '/jobs/ingest' && method === 'POST') return this.create(body);
    const m = /^\/jobs\/ingest\/(\w+)(?:\/(batches|successfulResults|failedResults|unprocessedrecords))?$/.exec(rest);
    if (!m) return undefined;
    const job = this.jobs.get(m[1]!);
    if (!job) return sfError(404, 'NOT_FOUND', 'The requested resource does not exist');
    const sub = m[2];
    if (!sub && method === 'GET') return { status: 200, body: this.info(job, true) };
    if (!sub && method === 'PATCH') return this.patch(job, body);
    if (!sub && method === 'DELETE') {
      if (job.state === 'Open' || job.state === 'InProgress')
        return sfError(400, 'INVALIDJOBSTATE', `Job ${job.id} can not be deleted in state ${job.state}`);
      this.jobs.delete(job.id);
      return { status: 204 };
    }
    if (sub === 'batches' && method === 'PUT') return this.upload(job, body);
    if (method === 'GET' && sub) return jobResults(job, sub);
    return sfError(405, 'METHOD_NOT_ALLOWED', `HTTP Method '${method}' not allowed`);
  }

  private create(body: string): Reply {
    let parsed;
    try {
      parsed = CreateJob.safeParse(JSON.parse(body || '{}'));
    } catch {
      return sfError(400, 'JSON_PARSER_ERROR', 'The request body is not valid JSON');
    }
    if (!parsed.success)
      return sfError(
        400,
        'INVALIDJOB',
        `InvalidJob : ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
      );
    const spec = parsed.data;
    const def = this.store.objects.get(spec.object);
    if (!def) return sfError(400, 'INVALIDJOB', `InvalidJob : Unable to find object: ${spec.object}`);
    // The emulator implements the operation CRM Bridge uses; others are refused as an org without the permission would.
    if (spec.operation !== 'upsert')
      return sfError(
        400,
        'FEATURENOTENABLED',
        `FeatureNotEnabled : operation ${spec.operation} is not supported by this emulator`,
      );
    const ext = spec.externalIdFieldName;
    if (!ext)
      return sfError(
        400,
        'INVALIDJOB',
        `InvalidJob : External ID was blank for ${spec.object}. An External ID must be specified for upsert.`,
      );
    const f = def.fields.find((x) => x.name === ext);
    if (!f || !(f.externalId || f.name === 'Id'))
      return sfError(400, 'INVALIDJOB', `InvalidJob : The field ${ext} is not an external ID field for ${spec.object}`);
    const now = sfDateTime(this.store.now());
    const job: Job = {
      id: makeId('750', ++this.counter),
      object: spec.object,
      operation: spec.operation,
      externalIdFieldName: ext,
      columnDelimiter: spec.columnDelimiter,
      lineEnding: spec.lineEnding,
      createdDate: now,
      systemModstamp: now,
      state: 'Open',
      csv: null,
      header: [],
      rows: [],
      processed: 0,
      failed: 0,
      successful: [],
      failures: [],
      unprocessedFrom: 0,
      activeMs: 0,
    };
    this.jobs.set(job.id, job);
    return { status: 200, body: this.info(job, false) };
  }

  private upload(job: Job, body: string): Reply {
    if (job.state !== 'Open')
      return sfError(
        409,
        'INVALIDJOBSTATE',
        `Job ${job.id} is not Open (state ${job.state}); data can only be uploaded to an Open job`,
      );
    if (job.csv !== null) return sfError(409, 'INVALIDJOBSTATE', 'Data can only be uploaded to a job once');
    if (Buffer.byteLength(body) > MAX_UPLOAD_BYTES)
      return sfError(400, 'INVALIDJOB', `InvalidJob : the upload exceeds ${MAX_UPLOAD_BYTES} bytes`);
    job.csv = body;
    return { status: 201 };
  }

  private patch(job: Job, body: string): Reply {
    let parsed;
    try {
      parsed = PatchJob.safeParse(JSON.parse(body || '{}'));
    } catch {
      return sfError(400, 'JSON_PARSER_ERROR', 'The request body is not valid JSON');
    }
    if (!parsed.success) return sfError(400, 'INVALIDJOBSTATE', 'state: expected UploadComplete or Aborted');
    const { state } = parsed.data;
    if (
      job.state !== 'Open' &&
      !(state === 'Aborted' && (job.state === 'UploadComplete' || job.state === 'InProgress'))
    ) {
      return sfError(409, 'INVALIDJOBSTATE', `Job ${job.id} can not move from ${job.state} to ${state}`);
    }
    job.systemModstamp = sfDateTime(this.store.now());
    if (state === 'Aborted') {
      job.state = 'Aborted';
      return { status: 200, body: this.info(job, false) };
    }
    job.state = 'UploadComplete';
    job.uploadCompleteAt = Date.now();
    setImmediate(() => this.process(job));
    return { status: 200, body: this.info(job, false) };
  }

  private end(job: Job, state: 'JobComplete' | 'Failed', errorMessage?: string): void {
    job.state = state;
    job.endedAt = Date.now();
    if (errorMessage) job.errorMessage = errorMessage;
    job.systemModstamp = sfDateTime(this.store.now());
  }

  /**
   * Parses the upload, then upserts it one internal batch per tick, as Salesforce's workers would; with
   * `recordsPerSecond`, only the records due by then each tick.
   */
  private process(job: Job): void {
    if (job.state !== 'UploadComplete') return;
    job.state = 'InProgress';
    if (job.csv === null || job.csv.trim() === '')
      return this.end(job, 'Failed', 'InvalidBatch : No data was uploaded for this job');
    const parseError = parseUpload(job);
    if (parseError) return this.end(job, 'Failed', parseError);
    const def = this.store.def(job.object);
    const unknown = job.header.find((h) => !def.fields.some((f) => f.name === h));
    if (unknown) return this.end(job, 'Failed', `InvalidBatch : Field name not found : ${unknown}`);
    if (!job.header.includes(job.externalIdFieldName))
      return this.end(
        job,
        'Failed',
        `InvalidBatch : The External ID field ${job.externalIdFieldName} is missing from the CSV header`,
      );
    const fault = this.faults.find((f) => f.remaining > 0);
    if (fault) fault.remaining--;
    const seen = new Set<string>();
    const types = job.header.map((h) => def.fields.find((f) => f.name === h)!.type);
    const pace = this.recordsPerSecond;
    const startedAt = Date.now();
    const step = (from: number): void => {
      if (job.state !== 'InProgress') {
        job.unprocessedFrom = from;
        return;
      }
      const t0 = performance.now();
      try {
        // The rest of the internal batch `from` is in, or (paced) as much of it as is due by now.
        const batchEnd = Math.min(from - (from % BULK_INTERNAL_BATCH) + BULK_INTERNAL_BATCH, job.rows.length);
        const to = pace ? Math.min(batchEnd, Math.floor(((Date.now() - startedAt) * pace) / 1000)) : batchEnd;
        if (to > from && from % BULK_INTERNAL_BATCH === 0 && !this.limits.takeBulkBatch()) {
          job.unprocessedFrom = from;
          return this.end(
            job,
            'Failed',
            "InvalidBatch : Exceeded the org's daily Bulk API batch allocation (DailyBulkApiBatches)",
          );
        }
        // A step is one transaction of the org: its records' change events are published together.
        let failedAt = -1;
        this.store.capture.transaction(() => {
          for (let i = from; i < to; i++) {
            if (fault && i >= fault.afterRecords) {
              failedAt = i;
              return;
            }
            processRow(this.store, job, job.rows[i]!, seen, types);
          }
        });
        if (failedAt >= 0) {
          job.unprocessedFrom = failedAt;
          return this.end(job, 'Failed', fault!.message);
        }
        const next = Math.max(from, to);
        job.unprocessedFrom = next;
        if (next >= job.rows.length) {
          if (fault) return this.end(job, 'Failed', fault.message);
          return this.end(job, 'JobComplete');
        }
        if (pace) setTimeout(() => step(next), PACE_TICK_MS);
        else setImmediate(() => step(next));
      } finally {
        job.activeMs += performance.now() - t0;
      }
    };
    step(0);
  }
}
