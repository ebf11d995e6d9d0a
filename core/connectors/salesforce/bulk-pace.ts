/**
 * How fast each org's Bulk API 2.0 processes records, learned from its finished jobs. Every status poll is an API
 * call of the org's daily budget, so the first poll of a job is better made when the job should be done than after a
 * fixed interval. Kept per org (org ID or instance URL, like the limiters in throttle.ts), so every connector of an
 * org in this process shares what its jobs taught.
 */

/** Records per ms, per org. */
const rates = new Map<string, number>();

/** Weight of a faster observation: one quick job (a quiet moment of the org) should not make the next poll early. */
const SPEED_UP_WEIGHT = 0.25;
/** The first poll waits this much longer than predicted: a late poll costs a little latency, an early one an API call. */
export const FIRST_POLL_MARGIN = 1.2;
/** Longest blind wait before any poll: a wrong rate must not leave a job unwatched for long. */
export const MAX_POLL_WAIT_MS = 30_000;

/** The org's learned processing rate in records per ms, if one of its jobs finished in this process. */
export function learnedBulkRate(org: string): number | undefined {
  return rates.get(org);
}

/**
 * Records that a job of `records` records took `ms` to process. A slower rate is taken at once and a faster one only
 * partly (an EWMA), so the estimate errs towards polling late. `upperBound`: the job was already done at the first
 * look and its own timing is unknown, so `ms` only bounds the duration from above; that proves the rate is at least
 * this fast, never slower, and learning it would only push the next first poll later.
 */
export function learnBulkRate(org: string, records: number, ms: number, upperBound = false): void {
  if (!(records > 0) || !(ms > 0) || !Number.isFinite(ms)) return;
  const observed = records / ms;
  const current = rates.get(org);
  if (current === undefined) {
    if (!upperBound) rates.set(org, observed);
    return;
  }
  if (observed < current) {
    if (!upperBound) rates.set(org, observed);
    return;
  }
  rates.set(org, current + SPEED_UP_WEIGHT * (observed - current));
}

/**
 * The wait before the first status poll of a job of `records` records: the predicted processing time with a margin,
 * never sooner than `intervalMs` (so it never costs more polls than a fixed interval) and never beyond
 * `MAX_POLL_WAIT_MS` unless `intervalMs` itself is longer. Without a rate: `intervalMs`.
 */
export function firstPollWait(records: number, recordsPerMs: number | undefined, intervalMs: number): number {
  if (!recordsPerMs || !(recordsPerMs > 0)) return intervalMs;
  return Math.max(intervalMs, Math.min(MAX_POLL_WAIT_MS, (records / recordsPerMs) * FIRST_POLL_MARGIN));
}
