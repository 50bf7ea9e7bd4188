/**
 * @module Spin margins compared on the same noise (issue 22). A live A/B of the engine on a shared VM compares two
 * different seconds of the host's noise; this replays one recorded sequence of sleep overshoots (engine-floor.ts
 * --record) through each margin rule, edge by edge at the tone's 2 kHz: an edge is late by what its wake-up overshot
 * the margin (and the edges due meanwhile by what is left), the spin is what the margin had to spare. It prints, per
 * rule, the median of the per-second p99, the share of seconds meeting the targets and the spin's share of a core.
 *
 *   bun scripts/bench/engine-floor.ts --fifo --spin-us 100 --ms 20000 --record /tmp/overshoots.bin
 *   bun scripts/bench/engine-margin-replay.ts /tmp/overshoots.bin [more.bin …]
 */
import { readFileSync } from "node:fs";
import { ENGINE_SPIN_MARGIN, SHARED_SPIN_MARGIN, SpinMargin } from "../../src/engine/spin-margin.ts";

const EDGE_NS = 500_000; // a 1 kHz tone
const EDGES_PER_SECOND = 2000;
const WRITE_NS = 1000; // an edge reached in time is still this late after its write

interface MarginRule {
  readonly ns: number;
  note(overshootNs: number): void;
}

/** The rule before issue 22: the worst of the last 64 sleeps plus 20 µs, within 20..300 µs. */
class WorstOf64 implements MarginRule {
  ns = 120_000;
  #worst = 0;
  #count = 0;
  note(overshootNs: number): void {
    this.#worst = Math.max(this.#worst, overshootNs);
    if (++this.#count < 64) return;
    this.ns = Math.min(300_000, Math.max(20_000, this.#worst + 20_000));
    this.#worst = 0;
    this.#count = 0;
  }
}

const quantileOf = (sorted: readonly number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];

function replay(overshoots: Int32Array, rule: MarginRule): string {
  const seconds: { p99: number; max: number; spinNs: number }[] = [];
  let late: number[] = [];
  let spinNs = 0;
  let marginSum = 0;
  for (let i = 0; i < overshoots.length; i++) {
    const x = overshoots[i];
    const m = rule.ns;
    marginSum += m;
    if (x <= m) {
      late.push(WRITE_NS);
      spinNs += m - x;
    } else {
      late.push(x - m + WRITE_NS);
      for (let k = 1; x - m - k * EDGE_NS > 0; k++) late.push(x - m - k * EDGE_NS); // edges due during the stall
    }
    rule.note(x);
    if ((i + 1) % EDGES_PER_SECOND === 0) {
      const sorted = late.sort((a, b) => a - b);
      seconds.push({ p99: quantileOf(sorted, 0.99), max: sorted[sorted.length - 1], spinNs });
      late = [];
      spinNs = 0;
    }
  }
  if (seconds.length === 0) return "shorter than a second";
  const p99s = seconds.map((s) => s.p99).sort((a, b) => a - b);
  const share = (ok: (s: (typeof seconds)[number]) => boolean) => `${Math.round((100 * seconds.filter(ok).length) / seconds.length)} %`;
  const spin = seconds.reduce((sum, s) => sum + s.spinNs, 0) / seconds.length / 1e7;
  const medianP99 = (quantileOf(p99s, 0.5) / 1000).toFixed(0).padStart(4);
  return (
    `median p99 ${medianP99} µs, p99 ≤ 20 µs in ${share((s) => s.p99 <= 20_000).padStart(5)} of seconds, ` +
    `max ≤ 500 µs in ${share((s) => s.max <= 500_000).padStart(5)}, spinning ${spin.toFixed(1).padStart(4)} % of a core, ` +
    `mean margin ${(marginSum / overshoots.length / 1000).toFixed(0)} µs`
  );
}

const variants: readonly [string, () => MarginRule][] = [
  ["worst of 64 + 20 µs", () => new WorstOf64()],
  ["engine: q .992+5, ≤ 40 µs", () => new SpinMargin(ENGINE_SPIN_MARGIN)],
  ["the same, no budget", () => new SpinMargin({ ...ENGINE_SPIN_MARGIN, spinBudgetNs: Infinity })],
  ["no budget, capped", () => new SpinMargin({ ...ENGINE_SPIN_MARGIN, spinBudgetNs: Infinity, fallbackQuantile: 0.999 })],
  ["without FIFO: q 0.5 + 5", () => new SpinMargin(SHARED_SPIN_MARGIN)],
  ["q 0.99 + 0 µs", () => new SpinMargin({ ...ENGINE_SPIN_MARGIN, quantile: 0.99, headroomNs: 0 })],
  ["q 0.99 - 10 µs", () => new SpinMargin({ ...ENGINE_SPIN_MARGIN, quantile: 0.99, headroomNs: -10_000 })],
  ["q 0.995 + 0 µs", () => new SpinMargin({ ...ENGINE_SPIN_MARGIN, quantile: 0.995, headroomNs: 0 })],
];

if (import.meta.main) {
  for (const path of process.argv.slice(2)) {
    const bytes = readFileSync(path);
    const overshoots = new Int32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
    const sorted = Array.from(overshoots).sort((a, b) => a - b);
    const us = (p: number) => (quantileOf(sorted, p) / 1000).toFixed(0);
    console.log(`${path}: ${overshoots.length} sleeps, overshoot p50 ${us(0.5)} p99 ${us(0.99)} max ${us(1)} µs`);
    for (const [name, make] of variants) console.log(`  ${name.padEnd(24)} ${replay(overshoots, make())}`);
  }
}
