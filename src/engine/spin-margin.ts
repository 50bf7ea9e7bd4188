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
  /**
   * The share covered instead when `quantile` asks for more than `maxNs`: that many late wake-ups make the percentile's
   * edges late whatever the spin, which would then only burn a core (most of it, without SCHED_FIFO, while the process's
   * other threads share the CPU). The median keeps the usual edge on time for little CPU.
   */
  readonly fallbackQuantile: number;
  /**
   * The most the spin may cost on average per sleep, ns, judged on the recent sleeps: a margin that would have spun
   * more is narrowed until it would not. Infinity for no bound. The engine starts with it and then replaces it each
   * second with what its CPU share leaves (`spinBudgetForShare`).
   */
  readonly spinBudgetNs: number;
  /** How many recent sleeps count. */
  readonly window: number;
  /** The margin is worked out again after this many sleeps. */
  readonly updateEvery: number;
}

/**
 * The engine's rule (engine-worker.ts; the bench's replay compares others with it): wake this long before an edge and
 * spin the rest, the 99.2nd percentile of the last 1024 sleeps' overshoot plus 5 µs, at most 200 µs. A tuned Pi
 * kernel with SCHED_FIFO wakes within tens of µs and spins little; a shared VM needs more. Each µs of margin costs
 * 0.2 % of a core for a tone and two motors (2,000 sleeps a second, the motors' edges on the tone's), and a wake-up a
 * host delays by milliseconds is not worth a spin before every edge. Replayed over the same recorded overshoots
 * (40,000 sleeps of a FIFO Worker on the 2-core VM; issue 22), the worst of the last 64 plus 20 µs spun 9.8 % of a
 * core idle and 15.7 % under load, this 4.9 % and 9.5 %, with the same share of seconds at p99 ≤ 20 µs.
 *
 * When the host holds more than one wake-up in 125 past the cap, the margin covers the median only; and its spin
 * averages at most 40 µs a sleep (8 % of a core at 2,000 sleeps a second) until the engine's first second gives it
 * the budget its CPU share leaves (ENGINE_CPU_SHARE). Replayed over a quiet recording
 * (39,950 FIFO sleeps, overshoot p50 35 µs, p99 60 µs), the spin fell from 8.1 % of a core to 5.2 % with the fallback
 * and 4.2 % with the budget, p99 ≤ 20 µs in 89 % of seconds all three; over a noisy one (119,108, p50 36 µs, p99 103
 * µs) from 14.4 % to 8.8 % and 5.8 %, p99 ≤ 20 µs in 54, 49 and 41 % of seconds: there the host's spread of wake-ups,
 * not the engine, decides between the two targets.
 */
export const ENGINE_SPIN_MARGIN: SpinMarginOptions = {
  startNs: 120_000,
  minNs: 10_000,
  maxNs: 200_000,
  quantile: 0.992,
  headroomNs: 5_000,
  fallbackQuantile: 0.5,
  spinBudgetNs: 40_000,
  window: 1024,
  updateEvery: 64,
};

/**
 * The rule without SCHED_FIFO: the median overshoot plus 5 µs. Any other thread on the CPU then delays a wake-up by
 * up to milliseconds (the tone's p99 was 1 ms with any margin, the engine's as the floor's), so a margin for the
 * 99th percentile bought nothing there and, near its cap, spun 15 to 25 % of a core; this one keeps the usual edge on
 * time for little CPU.
 */
export const SHARED_SPIN_MARGIN: SpinMarginOptions = { ...ENGINE_SPIN_MARGIN, startNs: 60_000, quantile: 0.5 };

/**
 * The engine's whole CPU, as a share of a core, that its spin may fill (issue 22: the bench's target is 10 %). The
 * rest of its CPU goes to the sleeps themselves (the system call, the two context switches, the loop): 13 to 16 µs
 * a sleep on the 2-core VM, 3 % of a core at 2,000 sleeps a second, which the floor's Worker that only sleeps and
 * toggles pays as well. A fixed spin budget of 40 µs a sleep came on top of that and read 7.8 to 10.8 % in the bench;
 * a share of the whole holds however dear the sleeps are on a given kernel, and lets a slower timeline (the motors
 * alone wake 500 times a second) spin more per edge for the same CPU.
 */
export const ENGINE_CPU_SHARE = 0.085;

/** Less of a timeline than this in a second says too little (a tone that began in its last milliseconds). */
const MIN_ACTIVE_NS = 250e6;

/**
 * What the spin after a sleep may average in the coming second, ns: the CPU share of the time just past that the
 * engine kept a timeline (`activeNs`: the second less its waits with no edge scheduled), less everything else it spent
 * (its thread's CPU time less that spin, taken as wall time), spread over as many sleeps. When the sleeps alone cost
 * more than the share, none: the margin then narrows to where its spin averages nothing.
 *
 * Null (keep the budget there is) when the second says too little: no sleep, under MIN_ACTIVE_NS of timeline, or more
 * spin in wall time than CPU time in all (the thread was preempted while spinning, so neither figure is its own). Pure.
 */
export function spinBudgetForShare(share: number, activeNs: number, cpuNs: number, sleepSpinNs: number, sleeps: number): number | null {
  if (sleeps <= 0 || activeNs < MIN_ACTIVE_NS || sleepSpinNs > cpuNs) return null;
  return Math.max(0, (share * activeNs - (cpuNs - sleepSpinNs)) / sleeps);
}

export class SpinMargin {
  /** Wake this long before an edge, ns. */
  ns: number;
  readonly #options: SpinMarginOptions;
  #spinBudgetNs: number;
  readonly #recent: Int16Array; // the bucket of each of the last `window` sleeps, a ring
  readonly #counts = new Int32Array(BUCKETS); // how many of them fall in each bucket
  #next = 0; // where the ring writes next
  #filled = 0; // sleeps in the ring, up to `window`
  #sinceUpdate = 0;

  constructor(options: SpinMarginOptions) {
    for (const q of [options.quantile, options.fallbackQuantile]) {
      if (!(q > 0 && q < 1)) throw new RangeError("the quantiles must be between 0 and 1");
    }
    if (options.window < 1 || options.updateEvery < 1) throw new RangeError("the window and the update period must be ≥ 1");
    this.#options = options;
    this.#recent = new Int16Array(options.window);
    this.ns = options.startNs;
    this.#spinBudgetNs = options.spinBudgetNs;
  }

  /** Replaces the spin budget (ns a sleep on average) from the next update on. */
  setSpinBudgetNs(ns: number): void {
    if (!(ns >= 0)) throw new RangeError("the spin budget must be ≥ 0 ns");
    this.#spinBudgetNs = ns;
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

  /**
   * The margin: the upper end of the bucket below which `quantile` of the recent sleeps fall, plus the headroom; when
   * that is beyond `maxNs`, the same for `fallbackQuantile`.
   */
  #update(): void {
    const { quantile, fallbackQuantile, headroomNs, minNs, maxNs } = this.#options;
    let wanted = this.#upperNs(quantile) + headroomNs;
    if (wanted > maxNs) wanted = this.#upperNs(fallbackQuantile) + headroomNs;
    this.ns = Math.max(minNs, this.#withinBudget(Math.min(maxNs, wanted)));
  }

  /**
   * The widest margin up to `ns` whose spin, over the recent sleeps, averages at most the budget: a sleep that
   * overshoots by o spins ns - o (none when later). Each sleep is taken at the middle of its 1 µs bucket.
   */
  #withinBudget(ns: number): number {
    const budget = this.#spinBudgetNs;
    if (budget === Infinity || this.#filled === 0) return ns;
    const limit = budget * this.#filled;
    let count = 0; // sleeps in the buckets below the margin tried
    let sum = 0; // the sum of their overshoots, ns
    let best = 0;
    for (let bucket = 0; bucket < BUCKETS && bucket * 1000 <= ns; bucket++) {
      if (bucket * 1000 * count - sum > limit) break;
      best = bucket * 1000;
      count += this.#counts[bucket];
      sum += this.#counts[bucket] * (bucket * 1000 + 500);
    }
    // past `best` the spin grows by `count` ns per ns of margin, until the next bucket
    return count === 0 ? ns : Math.min(ns, best + Math.floor((limit - (best * count - sum)) / count));
  }

  /** The upper end of the bucket below which `quantile` of the recent sleeps fall, ns. */
  #upperNs(quantile: number): number {
    const allowedAbove = Math.floor((1 - quantile) * this.#filled);
    let above = 0;
    let bucket = BUCKETS - 1;
    for (; bucket > 0; bucket--) {
      if (above + this.#counts[bucket] > allowedAbove) break;
      above += this.#counts[bucket];
    }
    return (bucket + 1) * 1000;
  }
}
