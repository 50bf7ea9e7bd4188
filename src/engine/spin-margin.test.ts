import { describe, expect, test } from "bun:test";
import { SpinMargin, type SpinMarginOptions } from "./spin-margin.ts";

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
