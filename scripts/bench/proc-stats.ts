/** @module Process statistics for the benchmark: CPU time and resident memory of a running process, from /proc. */
import { readFileSync } from "node:fs";

const CLK_TCK = Number(Bun.spawnSync(["getconf", "CLK_TCK"]).stdout.toString().trim()) || 100;

/** User + system CPU time of a process in µs, from /proc/<pid>/stat (fields 14 and 15, clock ticks). */
export function cpuUs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // The command name (field 2) may contain spaces and parentheses; the fields after the last ")" do not.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return ((Number(fields[11]) + Number(fields[12])) * 1e6) / CLK_TCK;
}

/** Resident set size of a process in MiB (VmRSS: anonymous + file-backed + shared), NaN when unreadable. */
export function rssMiB(pid: number): number {
  return statusMiB(readFileSync(`/proc/${pid}/status`, "utf8"), "VmRSS");
}

/**
 * VmRSS split into anonymous memory (heaps, stacks), file-backed pages (mostly the executable,
 * which depend on the page cache; see `page-cache.ts`) and shared memory. Tells which kind a change moved.
 */
export function rssBreakdown(pid: number): string {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const mib = (field: string) => statusMiB(status, field).toFixed(1);
  return `${mib("VmRSS")} MiB (anon ${mib("RssAnon")}, file ${mib("RssFile")}, shmem ${mib("RssShmem")})`;
}

function statusMiB(status: string, field: string): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status);
  return m ? Number(m[1]) / 1024 : NaN;
}
