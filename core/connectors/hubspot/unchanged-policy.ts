/**
 * Whether the next upsert batch should be read back before it is written, so records already holding their values
 * are reported `unchanged` and not written. The read costs a call per batch, the same as the write it may save, so it
 * earns its cost only where records are often unchanged (a re-run); on a first load, where nearly every record is
 * new or changed, it halves what the rate limit lets through. So: read while a useful share of what was read turned
 * out unchanged, otherwise read only one batch in `sampleEvery`, enough to notice when a load turns into a re-run.
 */
export class UnchangedPolicy {
  private unchangedShare = 1;
  private sinceRead = 0;

  constructor(
    /** Below this share of unchanged records among those read back, batches stop being read. */
    private readonly minShare = 0.2,
    private readonly sampleEvery = 16,
  ) {}

  /** Read back the next batch? Every batch while reading pays; one in `sampleEvery` otherwise. */
  shouldRead(): boolean {
    if (this.unchangedShare >= this.minShare || this.sinceRead + 1 >= this.sampleEvery) {
      this.sinceRead = 0;
      return true;
    }
    this.sinceRead++;
    return false;
  }

  /** What one read-back batch found. Half weight to history, so two batches of a new kind are enough to switch. */
  observe(read: number, unchanged: number): void {
    if (read === 0) return;
    this.unchangedShare = 0.5 * this.unchangedShare + 0.5 * (unchanged / read);
  }
}
