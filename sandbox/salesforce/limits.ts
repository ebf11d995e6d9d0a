/**
 * The org's daily allocations over a rolling 24 hours: API requests (every REST call, Bulk API 2.0 calls included)
 * and Bulk API batches (Salesforce cuts each ingest job into internal batches of 10,000 records; each counts).
 */
export class Limits {
  used = 0;
  bulkBatchesUsed = 0;
  constructor(
    public dailyApiRequests = 15_000,
    public dailyBulkApiBatches = 15_000,
  ) {}

  /** Counts one API call; false when the allocation is already spent. */
  take(): boolean {
    if (this.used >= this.dailyApiRequests) return false;
    this.used++;
    return true;
  }

  /** Counts one internal Bulk API batch; false when the day's batches are spent. */
  takeBulkBatch(): boolean {
    if (this.bulkBatchesUsed >= this.dailyBulkApiBatches) return false;
    this.bulkBatchesUsed++;
    return true;
  }

  header(): string {
    return `api-usage=${this.used}/${this.dailyApiRequests}`;
  }
}
