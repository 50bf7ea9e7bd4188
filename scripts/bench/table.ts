/**
 * @module Result table for the benchmark: one row per metric, httap against the `Bun.serve` baseline and against the
 * floor (the least the runtime can do: a trivial `Bun.listen` server, a Worker that only sleeps and toggles), the
 * ratios, and the target with its verdict.
 */

/** One row's figures; a figure not measured for that row is NaN. */
export interface Figures {
  readonly httap: number;
  readonly base?: number;
  readonly floor?: number;
}

/** How a target is judged: `ok` true/false, or null when it cannot be decided this run. */
export interface Target {
  readonly text: string;
  readonly ok: boolean | null;
  /** Why a miss is not httap's to close (a floor measured in the same run, or what a feature costs), printed after the verdict. */
  readonly floorNote?: string;
}

interface Row {
  metric: string;
  httap: string;
  base: string;
  floor: string;
  vsBase: string;
  vsFloor: string;
  target: string;
}

const HEAD: Row = {
  metric: "metric",
  httap: "httap",
  base: "Bun.serve",
  floor: "floor",
  vsBase: "÷ Bun.serve",
  vsFloor: "÷ floor",
  target: "target",
};
const COLUMNS = ["metric", "httap", "base", "floor", "vsBase", "vsFloor", "target"] as const;
const NUMERIC = new Set<keyof Row>(["httap", "base", "floor", "vsBase", "vsFloor"]);

const fmt = (v: number | undefined, digits: number) => (v !== undefined && Number.isFinite(v) ? v.toFixed(digits) : "");
const ratio = (a: number, b: number | undefined) =>
  b !== undefined && Number.isFinite(a) && Number.isFinite(b) && b !== 0 ? `${(a / b).toFixed(2)}×` : "";

/** The verdict text of a target: "≥ 0.95× (ok)", "≤ 500 µs (MISS; floor …)", "(n/a)" when undecidable. */
export function verdictText(target: Target): string {
  const verdict = target.ok === null ? "n/a" : target.ok ? "ok" : "MISS";
  const note = target.ok === false && target.floorNote !== undefined ? `; ${target.floorNote}` : "";
  return `${target.text} (${verdict}${note})`;
}

export class Table {
  readonly #rows: Row[] = [];

  /** A measured row; without `target` it is informational (no verdict). */
  add(metric: string, figures: Figures, digits: number, target?: Target): void {
    this.#rows.push({
      metric,
      httap: fmt(figures.httap, digits) || "n/a",
      base: fmt(figures.base, digits),
      floor: fmt(figures.floor, digits),
      vsBase: ratio(figures.httap, figures.base),
      vsFloor: ratio(figures.httap, figures.floor),
      target: target === undefined ? "" : verdictText(target),
    });
  }

  /** A row that could not be measured this run, with why. */
  addUnavailable(metric: string, why: string, target?: string): void {
    this.#rows.push({
      metric,
      httap: "n/a",
      base: "",
      floor: "",
      vsBase: "",
      vsFloor: "",
      target: target === undefined ? why : `${target} (n/a: ${why})`,
    });
  }

  /** Verdicts counted: how many rows met their target, missed it, or could not be judged. */
  get verdicts(): { ok: number; miss: number; missExplained: number; undecided: number } {
    const count = (s: string) => this.#rows.filter((r) => r.target.includes(s)).length;
    return { ok: count("(ok"), miss: count("(MISS"), missExplained: count("(MISS;"), undecided: count("(n/a") };
  }

  /** Prints a Markdown table, text left-aligned and numbers right-aligned. */
  print(): void {
    const all = [HEAD, ...this.#rows];
    const w = (k: keyof Row) => Math.max(...all.map((r) => r[k].length));
    const cell = (r: Row, k: keyof Row) => (NUMERIC.has(k) ? r[k].padStart(w(k)) : r[k].padEnd(w(k)));
    const line = (r: Row) => `| ${COLUMNS.map((k) => cell(r, k)).join(" | ")} |`;
    console.log(line(HEAD));
    console.log(`|${COLUMNS.map((k) => "-".repeat(w(k) + 2)).join("|")}|`);
    for (const r of this.#rows) console.log(line(r));
  }
}
