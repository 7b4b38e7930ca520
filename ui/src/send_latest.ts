// Live updates during a drag: only the latest value is worth sending, one at a time (so the
// studio applies them in order) and at most one every `intervalMs`. The final value always
// goes, after whatever is in flight, so it is the one the studio keeps.

export class LatestSender<T> {
  private pending: { value: T } | null = null;
  private inFlight: Promise<unknown> | null = null;
  private lastSent = Number.NEGATIVE_INFINITY;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private finished = false;

  constructor(
    private readonly send: (value: T) => Promise<boolean>,
    private readonly intervalMs = 100,
  ) {}

  /** A value on the way: sent when the previous one is done and the interval has passed,
   * unless a newer one replaces it first. */
  update(value: T): void {
    if (this.finished) return;
    this.pending = { value };
    this.pump();
  }

  /** The last value: drops what is waiting, waits for what is in flight, sends `value`. */
  async finish(value: T): Promise<boolean> {
    this.finished = true;
    this.pending = null;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    while (this.inFlight) await this.inFlight.catch(() => {});
    return this.send(value);
  }

  /** Drops what is waiting; nothing more is sent. */
  cancel(): void {
    this.finished = true;
    this.pending = null;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  private pump(): void {
    if (this.finished || this.inFlight || !this.pending || this.timer !== null) return;
    const wait = this.lastSent + this.intervalMs - Date.now();
    if (wait > 0) {
      this.timer = setTimeout(() => {
        this.timer = null;
        this.pump();
      }, wait);
      return;
    }
    const { value } = this.pending;
    this.pending = null;
    this.lastSent = Date.now();
    const sending = this.send(value)
      .catch(() => false)
      .finally(() => {
        if (this.inFlight === sending) this.inFlight = null;
        this.pump();
      });
    this.inFlight = sending;
  }
}
