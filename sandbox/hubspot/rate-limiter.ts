/** HubSpot's per-token ten-secondly rolling limit (100 requests per 10 s; 190 on Pro/Enterprise). */
export class RollingRateLimiter {
  private readonly hits = new Map<string, number[]>();

  constructor(
    readonly max: number,
    readonly intervalMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Counts one request; returns whether it is allowed and the headers HubSpot sends. */
  take(token: string): { allowed: boolean; headers: Record<string, string>; retryAfterMs: number } {
    const now = this.now();
    const list = (this.hits.get(token) ?? []).filter((t) => t > now - this.intervalMs);
    const allowed = list.length < this.max;
    if (allowed) list.push(now);
    this.hits.set(token, list);
    const retryAfterMs = allowed ? 0 : Math.max(0, list[0]! + this.intervalMs - now);
    return {
      allowed,
      retryAfterMs,
      headers: {
        'X-HubSpot-RateLimit-Max': String(this.max),
        'X-HubSpot-RateLimit-Remaining': String(Math.max(0, this.max - list.length)),
        'X-HubSpot-RateLimit-Interval-Milliseconds': String(this.intervalMs),
      },
    };
  }
}
