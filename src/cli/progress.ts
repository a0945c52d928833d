/**
 * A one-line progress bar on stderr for long runs: drawn only when stderr is a terminal and the run has
 * lasted more than half a second (short runs and pipes/CI logs stay clean), redrawn at most 10 times a second.
 */
export class ProgressBar {
  private readonly started = Date.now();
  private lastDraw = 0;
  private drawn = false;

  constructor(
    private readonly stream: NodeJS.WritableStream & { isTTY?: boolean; columns?: number },
    private readonly total: number,
    private readonly unit: string,
  ) {}

  update(done: number): void {
    if (!this.stream.isTTY) return;
    const now = Date.now();
    if (now - this.started < 500 || (now - this.lastDraw < 100 && done < this.total)) return;
    this.lastDraw = now;
    const width = Math.max(10, Math.min(40, (this.stream.columns ?? 80) - 40));
    const filled = this.total ? Math.round((done / this.total) * width) : width;
    const secs = ((now - this.started) / 1000).toFixed(1);
    this.stream.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${this.total} ${this.unit} ${secs} s`);
    this.drawn = true;
  }

  /** Erases the bar so that what follows starts on a clean line. */
  finish(): void {
    if (this.drawn) this.stream.write('\r\x1b[2K');
    this.drawn = false;
  }
}
