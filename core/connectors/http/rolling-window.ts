/**
 * Requests booked in a rolling window: `acquire` waits, first come first served, until a request of `cost` units fits
 * under `limit` units per `windowMs` (plus a safety margin), then books it. Any fixed or sliding window a server counts
 * lies inside such a rolling window, so a client booking this way alone never exceeds the server's limit.
 */
export class RollingWindow {
  /** Booked requests: times (ms) and costs, oldest first, from `head`. */
  private readonly sentAt: number[] = [];
  private readonly sentCost: number[] = [];
  private head = 0;
  private spent = 0;
  private gate: Promise<void> = Promise.resolve();

  constructor(
    private readonly windowMs: number,
    /** The margin in force (it may grow as the server shows that requests arrive late). */
    private readonly marginMs: () => number,
  ) {}

  private expire(now: number): void {
    const horizon = now - this.windowMs - this.marginMs();
    while (this.head < this.sentAt.length && this.sentAt[this.head]! <= horizon) {
      this.spent -= this.sentCost[this.head]!;
      this.head++;
    }
    if (this.head > 4096 && this.head * 2 > this.sentAt.length) {
      this.sentAt.splice(0, this.head);
      this.sentCost.splice(0, this.head);
      this.head = 0;
    }
  }

  /** Units booked in the current window. */
  spentInWindow(now = Date.now()): number {
    this.expire(now);
    return this.spent;
  }

  /**
   * Waits until `cost` more units fit under `limit` (no wait while the limit is unknown, null, or nothing is booked),
   * then books them; `onWait` is told each time it has to wait.
   */
  acquire(cost: number, limit: () => number | null, onWait?: () => void): Promise<void> {
    const turn = this.gate.then(async () => {
      for (;;) {
        const now = Date.now();
        this.expire(now);
        const max = limit();
        if (max === null || this.spent + cost <= max || this.head >= this.sentAt.length) break;
        onWait?.();
        // Wait until enough of the oldest bookings leave the window.
        let need = this.spent + cost - max;
        let i = this.head;
        while (need > 0 && i < this.sentAt.length) need -= this.sentCost[i++]!;
        const until = this.sentAt[i - 1]! + this.windowMs + this.marginMs() + 1;
        await new Promise((resolve) => setTimeout(resolve, Math.max(1, until - now)));
      }
      this.sentAt.push(Date.now());
      this.sentCost.push(cost);
      this.spent += cost;
    });
    this.gate = turn.catch(() => undefined);
    return turn;
  }
}
