/**
 * A failed call to a CRM's HTTP API, described without tokens or secrets. The vendors' errors differ in what else they
 * carry (HubSpot's category, Dataverse's code); what a caller decides on (retry, stop the run) is the same for all.
 */
export abstract class VendorCallError extends Error {
  constructor(
    name: string,
    message: string,
    readonly status?: number,
    /** Milliseconds the vendor asked us to wait (Retry-After), when it said. */
    readonly retryAfterMs?: number,
    /** The vendor could not be reached at all (refused, unknown host): no call will do better now. */
    readonly unreachable = false,
  ) {
    super(message);
    this.name = name;
  }

  /** The account as a whole cannot be used now (unreachable, or the credentials refused), not one record. */
  get connectionFailed(): boolean {
    return this.unreachable || this.status === 401 || this.status === 403;
  }

  /** A refused connection or an unknown host is reported at once: retrying it would only delay the answer. */
  get retryable(): boolean {
    return !this.unreachable && (this.status === undefined || this.status === 429 || this.status >= 500);
  }
}
