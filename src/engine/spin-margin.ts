/**
 * @module How long before an edge the engine wakes and spins (issue 22), learnt from how late the kernel ends its
 * sleeps. The margin is a high percentile of the recent overshoots (not the worst one): a wake-up later than the
 * margin makes that edge late by the difference, a margin wider than the usual overshoot burns CPU spinning. On a
 * shared VM one sleep in a hundred to a thousand overshoots by 0.3 to several ms (the host runs something else); the
 * worst of the last 64 followed those, and the engine spun before every edge for them (18 % of a core for a tone and
 * two motors) while still missing the longest. Pure: no clock, no thread.
 */

/** Overshoots are kept in 1 µs buckets up to 1 ms; longer ones count in the last bucket. */
const BUCKETS = 1001;

export interface SpinMarginOptions {
  /** The margin before anything was learnt, ns. */
  readonly startNs: number;
  readonly minNs: number;
  readonly maxNs: number;
  /** The share of recent sleeps the margin must cover: 0.99 leaves one wake-up in a hundred to come late. */
  readonly quantile: number;
  /** Added to the percentile, ns; negative accepts that much lateness from the sleeps beyond it. */
  readonly headroomNs: number;
  /** How many recent sleeps count. */
  readonly window: number;
  /** The margin is worked out again after this many sleeps. */
  readonly updateEvery: number;
}

/**
 * The engine's rule (engine-worker.ts; the bench's replay compares others with it): wake this long before an edge and
 * spin the rest, the 99.2nd percentile of the last 1024 sleeps' overshoot plus 5 µs, at most 200 µs. A tuned Pi kernel
 * with SCHED_FIFO wakes within tens of µs and spins little; a shared VM needs more. Each µs of margin costs 0.25 % of
 * a core for a tone and two motors (2,500 sleeps a second), and a wake-up a host delays by milliseconds is not worth a
 * spin before every edge. Replayed over the same recorded overshoots (40,000 sleeps of a FIFO Worker on the 2-core VM;
 * issue 22), the worst of the last 64 plus 20 µs spun 9.8 % of a core idle and 15.7 % under load, this 4.9 % and
 * 9.5 %, with the same share of seconds at p99 ≤ 20 µs.
 */
export const ENGINE_SPIN_MARGIN: SpinMarginOptions = {
  startNs: 120_000,
  minNs: 10_000,
  maxNs: 200_000,
  quantile: 0.992,
  headroomNs: 5_000,
  window: 1024,
  updateEvery: 64,
};

export class SpinMargin {
  /** Wake this long before an edge, ns. */
  ns: number;
  readonly #options: SpinMarginOptions;
  readonly #recent: Int16Array; // the bucket of each of the last `window` sleeps, a ring
  readonly #counts = new Int32Array(BUCKETS); // how many of them fall in each bucket
  #next = 0; // where the ring writes next
  #filled = 0; // sleeps in the ring, up to `window`
  #sinceUpdate = 0;

  constructor(options: SpinMarginOptions) {
    if (!(options.quantile > 0 && options.quantile < 1)) throw new RangeError("the quantile must be between 0 and 1");
    if (options.window < 1 || options.updateEvery < 1) throw new RangeError("the window and the update period must be ≥ 1");
    this.#options = options;
    this.#recent = new Int16Array(options.window);
    this.ns = options.startNs;
  }

  /** One sleep ended `overshootNs` after the time asked (negative: early, as after a signal). */
  note(overshootNs: number): void {
    const bucket = overshootNs <= 0 ? 0 : Math.min(BUCKETS - 1, Math.floor(overshootNs / 1000));
    if (this.#filled === this.#recent.length) this.#counts[this.#recent[this.#next]]--;
    else this.#filled++;
    this.#recent[this.#next] = bucket;
    this.#counts[bucket]++;
    this.#next = this.#next + 1 === this.#recent.length ? 0 : this.#next + 1;
    if (++this.#sinceUpdate >= this.#options.updateEvery) {
      this.#sinceUpdate = 0;
      this.#update();
    }
  }

  /** The margin: the upper end of the bucket below which `quantile` of the recent sleeps fall, plus the headroom. */
  #update(): void {
    const { quantile, headroomNs, minNs, maxNs } = this.#options;
    const allowedAbove = Math.floor((1 - quantile) * this.#filled);
    let above = 0;
    let bucket = BUCKETS - 1;
    for (; bucket > 0; bucket--) {
      if (above + this.#counts[bucket] > allowedAbove) break;
      above += this.#counts[bucket];
    }
    this.ns = Math.min(maxNs, Math.max(minNs, (bucket + 1) * 1000 + headroomNs));
  }
}
