/**
 * @module The main loop's lag (issue 7, `/?rt`): a 100 ms timer that notes how late it runs. Lateness is what a
 * request, a timer or the heartbeat waits behind whatever the loop was busy with. It runs while the device is busy
 * (`isBusy`: the appliance says while a connection is open) and from each `start()`, not for good: on an idle device
 * nothing waits, and a timer that runs for good is compiled by JSC's optimizing tier within a minute, megabytes of
 * resident memory (issue 22).
 */

/** Slow enough not to make the idle loop hot (a hot timer makes the JIT compile, ~5 MiB of RSS), fast enough to
 * catch every stall that matters: a stall shows as the lateness of the next tick. */
const PERIOD_MS = 100;
const BUCKETS = 1000; // 1 ms buckets to 999 ms, the last one for anything later

export class LoopLag {
  readonly #histogram = new Uint32Array(BUCKETS);
  #max = 0;
  #expected = 0;
  #timer: ReturnType<typeof setInterval> | null = null;
  readonly #isBusy: () => boolean;

  /** `isBusy` is asked after each tick: the timer stops once it says no, until the next `start()`. */
  constructor(isBusy: () => boolean = () => true) {
    this.#isBusy = isBusy;
  }

  /** Measures from now (a no-op while it measures): call it whenever the device gets busy, e.g. on each request. */
  start(): void {
    if (this.#timer !== null) return;
    this.#expected = performance.now() + PERIOD_MS;
    this.#timer = setInterval(() => this.#tick(), PERIOD_MS);
    this.#timer.unref();
  }

  /** Whether the timer runs now. */
  get isMeasuring(): boolean {
    return this.#timer !== null;
  }

  #tick(): void {
    const now = performance.now();
    const lag = Math.max(0, now - this.#expected);
    this.#expected = now + PERIOD_MS;
    this.#histogram[Math.min(BUCKETS - 1, Math.floor(lag))]++;
    if (lag > this.#max) this.#max = lag;
    if (!this.#isBusy()) this.stop();
  }

  stop(): void {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
  }

  figures(): { samples: number; p50Ms: number; p99Ms: number; maxMs: number } {
    let count = 0;
    for (const n of this.#histogram) count += n;
    const pick = (p: number) => {
      const rank = Math.ceil((p / 100) * count);
      let seen = 0;
      for (let i = 0; i < BUCKETS; i++) {
        seen += this.#histogram[i];
        if (seen >= rank && count > 0) return i;
      }
      return 0;
    };
    return { samples: count, p50Ms: pick(50), p99Ms: pick(99), maxMs: Math.round(this.#max * 10) / 10 };
  }
}
