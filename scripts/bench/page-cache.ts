/**
 * @module Page-cache eviction for the benchmark: drops an executable's pages from the kernel's page cache before a
 * start whose RSS is measured, and says how well that worked.
 *
 * Why: a process's RSS counts the pages of its executable it has mapped, and how many pages a fault maps depends on
 * the cache. A binary that was just written (the build, or the baseline compiled moments ago) sits in the cache in
 * large, dirty folios, and a server started from it reads ~5 MiB higher than the same server on a device that
 * booted and reads the file from storage. Evicting first measures that cold-start state, and doing it to both
 * binaries keeps the comparison fair.
 */

/**
 * fsync first: dirty pages (a freshly written file) are not dropped by POSIX_FADV_DONTNEED. The eviction also
 * leaves pages alone that a running process has mapped, so no other instance of the binary may be running.
 */
const EVICT_SCRIPT = "import os,sys; fd=os.open(sys.argv[1], os.O_RDONLY); os.fsync(fd); os.posix_fadvise(fd,0,0,os.POSIX_FADV_DONTNEED)";

const PYTHON = Bun.which("python3");
const FINCORE = Bun.which("fincore");

/** What an eviction achieved: whether it ran, and the file's bytes still cached afterwards (NaN: unknown). */
export interface Eviction {
  readonly evicted: boolean;
  readonly residentMiB: number;
}

/** Evicts `file` from the page cache (needs python3; otherwise does nothing and reports `evicted: false`). */
export function evictFromPageCache(file: string): Eviction {
  if (PYTHON === null) return { evicted: false, residentMiB: residentMiB(file) };
  const r = Bun.spawnSync([PYTHON, "-c", EVICT_SCRIPT, file], { stdout: "ignore", stderr: "pipe" });
  if (r.exitCode !== 0) throw new Error(`evicting ${file} from the page cache failed:\n${r.stderr}`);
  return { evicted: true, residentMiB: residentMiB(file) };
}

/** The file's bytes in the page cache in MiB, from util-linux `fincore`; NaN without it. */
function residentMiB(file: string): number {
  if (FINCORE === null) return NaN;
  const r = Bun.spawnSync([FINCORE, "--bytes", "--noheadings", "--output", "RES", file], { stdout: "pipe", stderr: "ignore" });
  const bytes = Number(r.stdout.toString().trim());
  return r.exitCode === 0 && Number.isFinite(bytes) ? bytes / (1024 * 1024) : NaN;
}

/** One line for the output: how the binaries' page-cache state was set before the RSS starts. */
export function describeEvictions(evictions: readonly { name: string; eviction: Eviction }[]): string {
  if (PYTHON === null) return "page cache: python3 not found, binaries NOT evicted before the RSS starts (RSS may read ~5 MiB high)";
  const left = evictions.map(
    ({ name, eviction }) => `${name} ${Number.isFinite(eviction.residentMiB) ? `${eviction.residentMiB.toFixed(1)} MiB` : "unknown"}`,
  );
  return `page cache: binaries evicted before each RSS start (still cached after eviction: ${left.join(", ")})`;
}
