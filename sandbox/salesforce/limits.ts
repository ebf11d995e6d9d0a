/** The org's daily API request allocation (Salesforce counts REST calls over a rolling 24 hours). */
export class Limits {
  used = 0;
  constructor(public dailyApiRequests = 15_000) {}

  /** Counts one API call; false when the allocation is already spent. */
  take(): boolean {
    if (this.used >= this.dailyApiRequests) return false;
    this.used++;
    return true;
  }

  header(): string {
    return `api-usage=${this.used}/${this.dailyApiRequests}`;
  }
}
