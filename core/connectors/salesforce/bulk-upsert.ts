import type { Connection } from 'jsforce';
import type { UpsertInput, UpsertResult } from '../connector';
import { csvJobs, MAX_JOB_BYTES, parseBulkError, type CsvJob } from './bulk-csv';
import { firstPollWait, learnBulkRate, learnedBulkRate, MAX_POLL_WAIT_MS } from './bulk-pace';
import type { SalesforceClient } from './client';
import { isConnectionFailure, recordErrorMessage, SalesforceError } from './errors';
import { FailedRows, JobInfo, parseReply, SuccessfulRows, UnprocessedRows } from './schemas';

/** jsforce's ingest job, whatever record schema the connection was typed with. */
type IngestJob = ReturnType<Connection['bulk2']['createJob']>;

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Upserts through Bulk API 2.0 ingest jobs, pacing its polls by what the org's earlier jobs took. */
export class BulkUpsert {
  constructor(private readonly client: SalesforceClient) {}

  /**
   * Bulk API 2.0 through jsforce's bulk2 client: one ingest job per 100 MB of CSV (create, upload, UploadComplete),
   * polled until done, then its successful / failed / unprocessed results mapped back to each record. A job that
   * cannot be started is aborted and started afresh on transient failures; once its data is in, it is never sent again.
   */
  async upsert(
    object: string,
    keyProperty: string,
    records: UpsertInput[],
    toSend: number[],
    results: UpsertResult[],
    valuesOf: (record: UpsertInput) => Record<string, unknown>,
  ): Promise<void> {
    const rows = new Map(toSend.map((i) => [i, { index: i, values: valuesOf(records[i]!) }]));
    const maxBytes = this.client.options.bulk?.maxJobBytes ?? MAX_JOB_BYTES;
    const jobs = csvJobs([...rows.values()], keyProperty, maxBytes);
    let resends = this.client.options.retry?.retries ?? 5;
    for (let j = 0; j < jobs.length; j++) {
      const job = jobs[j]!;
      try {
        const unseen = await this.runIngestJob(object, keyProperty, job, records, results);
        // Records the job never saw (jsforce re-sends a streamed upload after a 5xx without its data) are sent again.
        if (unseen.length && resends-- > 0 && this.client.budget.left > 0) {
          this.client.budget.left--;
          for (const i of unseen) delete results[i];
          jobs.push(
            ...csvJobs(
              unseen.map((i) => rows.get(i)!),
              keyProperty,
              maxBytes,
            ),
          );
        }
      } catch (error) {
        const e =
          error instanceof SalesforceError
            ? error
            : this.client.fail(error, `Salesforce Bulk API 2.0 upsert ${object}`);
        if (isConnectionFailure(e)) throw e;
        const reason = `${e.message} (this Bulk API job's outcome is unknown; run the upsert again: it is idempotent by ${keyProperty})`;
        for (const i of job.indexes) results[i] ??= { key: records[i]!.key, status: 'failed', error: reason };
      }
    }
  }

  /** Runs one job and records each record's result; returns the records Salesforce reported nothing about. */
  private async runIngestJob(
    object: string,
    keyProperty: string,
    job: CsvJob,
    records: UpsertInput[],
    results: UpsertResult[],
  ): Promise<number[]> {
    const context = `Salesforce Bulk API 2.0 upsert ${object} by ${keyProperty}`;
    const { ingest, closing } = await this.startIngestJob(context, object, keyProperty, job.csv);
    const info = await this.waitForJob(context, ingest, job.indexes.length, closing);
    const processed = info.numberRecordsProcessed ?? 0;
    const failed = info.numberRecordsFailed ?? 0;
    // Only the result lists that can hold something are fetched: each read is an API call of the daily budget.
    const path = `GET ${this.client.apiRoot}/jobs/ingest/${info.id}`;
    const successful =
      processed > failed
        ? parseReply(
            SuccessfulRows,
            await this.client.call(context, () => ingest.getSuccessfulResults(), true),
            `${path}/successfulResults`,
          )
        : [];
    const failures =
      failed > 0
        ? parseReply(
            FailedRows,
            await this.client.call(context, () => ingest.getFailedResults(), true),
            `${path}/failedResults`,
          )
        : [];
    const unprocessed =
      processed < job.indexes.length ? await this.client.call(context, () => ingest.getUnprocessedRecords(), true) : [];
    // The record's own columns, its key among them, come back as CSV text.
    const keyOf = (row: Record<string, unknown>) => {
      const value = row[keyProperty];
      return typeof value === 'string' ? value : '';
    };
    const byKey = new Map(job.indexes.map((i) => [records[i]!.key, i]));
    for (const row of successful) {
      const i = byKey.get(keyOf(row));
      if (i !== undefined)
        results[i] = {
          key: records[i]!.key,
          status: row.sf__Created === 'true' ? 'created' : 'updated',
          ...(row.sf__Id ? { id: row.sf__Id } : {}),
        };
    }
    for (const row of failures) {
      const i = byKey.get(keyOf(row));
      if (i !== undefined)
        results[i] = {
          key: records[i]!.key,
          status: 'failed',
          error: recordErrorMessage([parseBulkError(row.sf__Error)]),
        };
    }
    // jsforce answers an empty list as something else than an array; only a list of rows is read.
    const pending = new Set(
      Array.isArray(unprocessed)
        ? parseReply(UnprocessedRows, unprocessed, `${path}/unprocessedrecords`).map(keyOf)
        : [],
    );
    const unseen: number[] = [];
    for (const i of job.indexes) {
      if (results[i]) continue;
      const key = records[i]!.key;
      const why = pending.has(key)
        ? `the Bulk API job ${info.id} ended ${info.state}${info.errorMessage ? ` (${info.errorMessage})` : ''} before processing this record`
        : `Salesforce's Bulk API job ${info.id} returned no result for this record`;
      if (!pending.has(key)) unseen.push(i);
      results[i] = { key, status: 'failed', error: `${why}; run the upsert again: it is idempotent by ${keyProperty}` };
    }
    return unseen;
  }

  /**
   * Creates the job, uploads its CSV and marks it UploadComplete; on a transient failure, aborts it and starts a new
   * one. `closing`: when UploadComplete was sent, which is when Salesforce starts on the job give or take the request's
   * way there; its answer can come back much later.
   */
  private async startIngestJob(
    context: string,
    object: string,
    keyProperty: string,
    csv: string,
  ): Promise<{ ingest: IngestJob; closing: number }> {
    const attempts = (this.client.options.retry?.retries ?? 5) + 1;
    for (let attempt = 1; ; attempt++) {
      const conn = await this.client.connection();
      const ingest = conn.bulk2.createJob({
        object,
        operation: 'upsert',
        externalIdFieldName: keyProperty,
        contentType: 'CSV',
        lineEnding: 'LF',
      });
      try {
        // Retried in place: an Open job whose creation answer was lost holds no data and expires on its own.
        await this.client.call(context, () => ingest.open(), true);
        await this.client.call(context, () => ingest.uploadData(csv));
        const closing = Date.now();
        await this.closeIngestJob(context, ingest);
        return { ingest, closing };
      } catch (error) {
        const e = error instanceof SalesforceError ? error : this.client.fail(error, context, conn);
        if (ingest.id) await this.client.call(context, () => ingest.abort()).catch(() => undefined);
        if (!e.transient || attempt >= attempts || this.client.budget.left <= 0) throw e;
        this.client.budget.left--;
        await delay(
          Math.min(
            (this.client.options.retry?.minTimeoutMs ?? 500) * 2 ** (attempt - 1),
            this.client.options.retry?.maxTimeoutMs ?? 30_000,
          ),
        );
      }
    }
  }

  /** UploadComplete; when its answer is lost, the job's state says whether it was applied. */
  private async closeIngestJob(context: string, ingest: IngestJob): Promise<void> {
    try {
      await this.client.call(context, () => ingest.close());
    } catch (error) {
      const e = error instanceof SalesforceError ? error : this.client.fail(error, context);
      if (!e.transient) throw e;
      const info = await this.checkJob(context, ingest);
      if (info.state === 'Open') await this.client.call(context, () => ingest.close(), true);
    }
  }

  /**
   * Polls the job until it is JobComplete, Failed or Aborted. Each poll is an API call of the daily budget, so the
   * first look comes when the org's processing rate (learned from its earlier jobs, else `expectedRecordsPerSecond`)
   * says the job should be done, never sooner than `pollIntervalMs`; later ones when the job's own progress (records
   * processed so far per ms) says the rest should be done. The predicted time counts from `started`, when
   * UploadComplete was sent, as the job's own time does; the poll interval from now, as it always did.
   */
  private async waitForJob(context: string, ingest: IngestJob, total: number, started: number): Promise<JobInfo> {
    const interval = this.client.options.bulk?.pollIntervalMs ?? 1_000;
    const expected = this.client.options.bulk?.expectedRecordsPerSecond;
    const deadline = started + (this.client.options.bulk?.pollTimeoutMs ?? 600_000);
    const rate = learnedBulkRate(this.client.org) ?? (expected === undefined ? undefined : expected / 1000);
    let at = Math.max(Date.now() + interval, started + firstPollWait(total, rate, interval));
    for (let polls = 1; ; polls++) {
      await delay(Math.max(0, Math.min(at, deadline) - Date.now()));
      const info = await this.checkJob(context, ingest);
      if (info.state === 'JobComplete') this.learnPace(info, Date.now() - started, polls === 1);
      if (info.state === 'JobComplete' || info.state === 'Failed' || info.state === 'Aborted') return info;
      if (Date.now() >= deadline) {
        throw new SalesforceError(
          `${context}: job ${info.id} is still ${info.state} after ${Date.now() - started} ms (it goes on in Salesforce)`,
          'JOB_TIMEOUT',
        );
      }
      const done = info.numberRecordsProcessed ?? 0;
      const elapsed = Date.now() - started;
      at =
        Date.now() +
        (done > 0
          ? Math.min(MAX_POLL_WAIT_MS, Math.max(100, (elapsed / done) * (total - done) * 1.1))
          : Math.min(MAX_POLL_WAIT_MS, interval * 2));
    }
  }

  /** The job's state and counts (`GET /jobs/ingest/{id}`). */
  private async checkJob(context: string, ingest: IngestJob): Promise<JobInfo> {
    const reply = await this.client.call(context, () => ingest.check(), true);
    return parseReply(JobInfo, reply, `GET ${this.client.apiRoot}/jobs/ingest/${ingest.id}`);
  }

  /**
   * Records the org's processing rate from a completed job. The job's own totalProcessingTime is exact; without it,
   * the time from UploadComplete to the poll that saw it done overstates the duration, by a whole wait when that was
   * the first poll (then it only bounds the duration, see learnBulkRate). apiActiveProcessingTime leaves out the time
   * the job queued, which a caller waits too, so it is not used.
   */
  private learnPace(info: JobInfo, elapsedMs: number, firstLook: boolean): void {
    const records = info.numberRecordsProcessed ?? 0;
    const own = info.totalProcessingTime;
    if (typeof own === 'number' && own > 0) learnBulkRate(this.client.org, records, own);
    else learnBulkRate(this.client.org, records, elapsedMs, firstLook);
  }
}
