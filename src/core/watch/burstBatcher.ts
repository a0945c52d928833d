/**
 * Folds a burst of events into one batch, handed over once events stop for `quietMs`, or `maxWaitMs`
 * after the burst's first event when they never stop (a sync writing 5,000 sidecars, a `git pull`):
 * per event it only records, so a burst costs one refresh, and a long one still shows while it runs.
 */
export class BurstBatcher<T> {
  private batch: T | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private firstAt = 0;

  constructor(
    private readonly options: { quietMs: number; maxWaitMs: number; create: () => T; flush: (batch: T) => void; now?: () => number },
  ) {}

  /** Records an event into the current batch (started if none). */
  add(record: (batch: T) => void): void {
    const now = (this.options.now ?? Date.now)();
    if (!this.batch) {
      this.batch = this.options.create();
      this.firstAt = now;
    }
    record(this.batch);
    clearTimeout(this.timer);
    const wait = Math.max(0, Math.min(this.options.quietMs, this.firstAt + this.options.maxWaitMs - now));
    this.timer = setTimeout(() => this.flushNow(), wait);
  }

  /** Hands the current batch over now (nothing when none). */
  flushNow(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.batch;
    this.batch = undefined;
    if (batch !== undefined) this.options.flush(batch);
  }

  /** Drops the current batch without handing it over. */
  dispose(): void {
    clearTimeout(this.timer);
    this.batch = undefined;
  }
}
