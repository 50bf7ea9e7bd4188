import { describe, expect, test } from "bun:test";
import { SpinMargin, spinBudgetForShare, type SpinMarginOptions } from "./spin-margin.ts";

const OPTIONS: SpinMarginOptions = {
  startNs: 120_000,
  minNs: 10_000,
  maxNs: 300_000,
  quantile: 0.99,
  headroomNs: 5_000,
  fallbackQuantile: 0.5,
  spinBudgetNs: Infinity,
  window: 1000,
  updateEvery: 100,
};

function noteAll(margin: SpinMargin, overshootsNs: readonly number[]): void {
  for (const ns of overshootsNs) margin.note(ns);
}

/** `count` overshoots of `usualNs`, with `outliers` of `outlierNs` spread among them. */
function sleeps(count: number, usualNs: number, outliers: number, outlierNs: number): number[] {
  const all = new Array<number>(count).fill(usualNs);
  for (let i = 0; i < outliers; i++) all[Math.floor(((i + 0.5) * count) / outliers)] = outlierNs;
  return all;
}

describe("SpinMargin", () => {
  test("keeps the start margin until the first update", () => {
    const m = new SpinMargin(OPTIONS);
    noteAll(m, sleeps(99, 30_000, 0, 0));
    expect(m.ns).toBe(120_000);
    m.note(30_000);
    expect(m.ns).toBe(31_000 + 5_000);
  });

  test("covers the usual overshoot, not the rare long one (1 in 200 at 2 ms)", () => {
    const m = new SpinMargin(OPTIONS);
    noteAll(m, sleeps(1000, 42_500, 5, 2_000_000));
    expect(m.ns).toBe(43_000 + 5_000);
  });

  test("covers a tail heavier than the quantile leaves out (2 in 100 at 200 µs)", () => {
    const m = new SpinMargin(OPTIONS);
    noteAll(m, sleeps(1000, 30_000, 20, 200_000));
    expect(m.ns).toBe(201_000 + 5_000);
  });

  test("covers only the median when the quantile is out of reach (2 in 100 at 400 µs, beyond 300 µs)", () => {
    const m = new SpinMargin(OPTIONS);
    noteAll(m, sleeps(1000, 30_000, 20, 400_000));
    expect(m.ns).toBe(31_000 + 5_000);
    noteAll(m, sleeps(1000, 30_000, 20, 200_000)); // within reach again
    expect(m.ns).toBe(201_000 + 5_000);
  });

  test("narrows a margin whose spin would cost more than the budget", () => {
    const m = new SpinMargin({ ...OPTIONS, spinBudgetNs: 20_000 });
    noteAll(m, sleeps(1000, 30_000, 50, 150_000)); // q 0.99 + 5 µs would be 156 µs, spinning 120 µs a sleep
    // spin at margin x: 950 sleeps × (x - 30.5 µs) = 20 µs × 1000 → x = 51.55 µs
    expect(m.ns).toBe(51_552);
    const cheap = new SpinMargin({ ...OPTIONS, spinBudgetNs: 20_000 });
    noteAll(cheap, sleeps(1000, 30_000, 0, 0));
    expect(cheap.ns).toBe(36_000); // within the budget: unchanged
  });

  test("takes a new spin budget at its next update", () => {
    const m = new SpinMargin(OPTIONS);
    noteAll(m, sleeps(1000, 30_000, 50, 150_000));
    expect(m.ns).toBe(156_000); // no budget: q 0.99 + 5 µs
    m.setSpinBudgetNs(20_000);
    expect(m.ns).toBe(156_000);
    noteAll(m, sleeps(100, 30_000, 5, 150_000)); // the same mix: the window is unchanged, the budget is not
    expect(m.ns).toBe(51_552);
    m.setSpinBudgetNs(0);
    noteAll(m, sleeps(100, 30_000, 5, 150_000));
    expect(m.ns).toBe(30_500); // spins nothing on average: the usual overshoot, the middle of its bucket
    expect(() => m.setSpinBudgetNs(-1)).toThrow(RangeError);
    expect(() => m.setSpinBudgetNs(Number.NaN)).toThrow(RangeError);
  });

  test("a negative headroom accepts that much lateness past the percentile", () => {
    const m = new SpinMargin({ ...OPTIONS, headroomNs: -10_000 });
    noteAll(m, sleeps(1000, 60_000, 0, 0));
    expect(m.ns).toBe(51_000);
  });

  test("stays within its bounds", () => {
    const early = new SpinMargin(OPTIONS);
    noteAll(early, sleeps(1000, -3_000, 0, 0)); // a signal ended the sleeps early
    expect(early.ns).toBe(10_000);
    const late = new SpinMargin(OPTIONS);
    noteAll(late, sleeps(1000, 5_000_000, 0, 0));
    expect(late.ns).toBe(300_000);
  });

  test("forgets what fell out of the window", () => {
    const m = new SpinMargin(OPTIONS);
    noteAll(m, sleeps(1000, 150_000, 0, 0)); // a loaded spell
    expect(m.ns).toBe(156_000);
    noteAll(m, sleeps(1000, 20_000, 0, 0)); // quiet again
    expect(m.ns).toBe(26_000);
  });

  test("refuses a quantile outside (0, 1) and an empty window", () => {
    expect(() => new SpinMargin({ ...OPTIONS, quantile: 1 })).toThrow(RangeError);
    expect(() => new SpinMargin({ ...OPTIONS, fallbackQuantile: 0 })).toThrow(RangeError);
    expect(() => new SpinMargin({ ...OPTIONS, window: 0 })).toThrow(RangeError);
  });
});

describe("spinBudgetForShare", () => {
  test("gives the spin after sleeps what the share leaves after the rest of the engine's CPU, per sleep", () => {
    // 8.5 % of 1 s is 85 ms; 50 ms of CPU of which 20 ms spun after sleeps: 30 ms else, 55 ms left, 27.5 µs a sleep
    expect(spinBudgetForShare(0.085, 1e9, 50e6, 20e6, 2000)).toBe(27_500);
    // the motors alone wake 500 times a second: more spin per edge for the same share
    expect(spinBudgetForShare(0.085, 1e9, 10e6, 2e6, 500)).toBe(154_000);
  });

  test("never negative: sleeps that alone cost more than the share leave the spin nothing", () => {
    expect(spinBudgetForShare(0.085, 1e9, 120e6, 10e6, 2000)).toBe(0);
  });

  test("no budget from a second whose spin took more wall time than the thread had CPU (it was preempted)", () => {
    expect(spinBudgetForShare(0.085, 1e9, 5e6, 30e6, 2000)).toBeNull();
  });

  test("no budget from a second with too little timeline (a tone that began in its last milliseconds)", () => {
    expect(spinBudgetForShare(0.085, 10e6, 2e6, 0.5e6, 20)).toBeNull();
    expect(spinBudgetForShare(0.085, 0.25e9, 7.5e6, 2.5e6, 500)).toBe(32_500);
  });

  test("a second half idle gives its sleeps the share of its active half only", () => {
    // a tone that ended mid-second: 1,000 sleeps in the 0.5 s it played, 15 ms of CPU beside 10 ms of spin
    expect(spinBudgetForShare(0.085, 0.5e9, 25e6, 10e6, 1000)).toBe(27_500);
  });

  test("no budget from a second without sleeps", () => {
    expect(spinBudgetForShare(0.085, 1e9, 1e6, 0, 0)).toBeNull();
  });
});
