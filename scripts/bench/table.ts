/** @module Result table for the benchmark: one row per metric, httap against the baseline, the ratio and the target. */

interface Row {
  metric: string;
  httap: string;
  base: string;
  ratio: string;
  target: string;
}

const HEAD: Row = { metric: "metric", httap: "httap", base: "Bun.serve", ratio: "ratio", target: "target" };
const COLUMNS = ["metric", "httap", "base", "ratio", "target"] as const;

const fmt = (v: number, digits: number) => (Number.isFinite(v) ? v.toFixed(digits) : "n/a");
const verdict = (ok: boolean) => (ok ? "ok" : "MISS");

export class Table {
  readonly #rows: Row[] = [];

  /** A measured row; `target` "" means informational (no target, no verdict), `ok` null means not decidable. */
  add(metric: string, httap: number, base: number, digits: number, target = "", ok: boolean | null = null): void {
    const ratio = Number.isFinite(httap) && Number.isFinite(base) && base !== 0 ? `${(httap / base).toFixed(2)}×` : "n/a";
    this.#rows.push({
      metric,
      httap: fmt(httap, digits),
      base: fmt(base, digits),
      ratio,
      target: target === "" ? "" : `${target} (${ok === null ? "n/a" : verdict(ok)})`,
    });
  }

  /** A row that could not be measured this run. */
  addUnavailable(metric: string, target = ""): void {
    this.#rows.push({ metric, httap: "n/a", base: "n/a", ratio: "n/a", target: target === "" ? "" : `${target} (n/a)` });
  }

  /** Prints a Markdown table, text left-aligned and numbers right-aligned. */
  print(): void {
    const all = [HEAD, ...this.#rows];
    const w = (k: keyof Row) => Math.max(...all.map((r) => r[k].length));
    const line = (r: Row) =>
      `| ${r.metric.padEnd(w("metric"))} | ${r.httap.padStart(w("httap"))} | ${r.base.padStart(w("base"))} | ` +
      `${r.ratio.padStart(w("ratio"))} | ${r.target.padEnd(w("target"))} |`;
    console.log(line(HEAD));
    console.log(`|${COLUMNS.map((k) => "-".repeat(w(k) + 2)).join("|")}|`);
    for (const r of this.#rows) console.log(line(r));
  }
}
