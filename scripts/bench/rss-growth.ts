/**
 * @module RSS growth over connections for the benchmark (issue 22): one server started cold and alone, its RSS idle,
 * then the peak while 16, 256 and 1024 clients load it (keep-alive through Debian's `h2load --h1`, then a new
 * connection per request through `ab`), and the RSS once the load is over and the server had time to settle.
 * Above httap's connection limit (`MAX_CONNECTIONS_DEFAULT`, 256) the extra clients wait up to `SLOT_WAIT_MS` for a
 * slot and are then refused with 503: the 1024 step measures a server that holds 256 connections and turns the
 * rest away, and its refusals are counted, not hidden. Standalone (no timing is measured, but the load takes both
 * CPUs, so run it under the shared timing lock):
 *
 *   flock /tmp/httap-timing.lock bun scripts/bench/rss-growth.ts [httap|directory|Bun.serve|floor]...
 */
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { churn } from "../stress/load-tools.ts";
import { IDLE_SETTLE_MS, startCold } from "./resident-memory.ts";
import { rssBreakdown, rssMiB } from "./proc-stats.ts";
import { stop, stopAll, type ServerSpec } from "./servers.ts";

/** A few browsers, a full room at the default connection limit, and four times that limit. */
export const GROWTH_CONNECTIONS: readonly number[] = [16, 256, 1024];
/** Keep-alive requests per client in a step (h2load spreads `-n` over the clients), and at least this many in all. */
const KEEPALIVE_REQUESTS_PER_CLIENT = 20;
const MIN_KEEPALIVE_REQUESTS = 5_000;
/** New-connection requests per client in a step (ab). */
const CHURN_REQUESTS_PER_CLIENT = 4;
/** How often RSS is read during a step; the peak is the highest reading (VmHWM would include start-up). */
const SAMPLE_MS = 20;
/**
 * Wait after the last step before the settled reading: longer than the linger of refused clients (2 s) and the
 * engine's deadline tick, shorter than the keep-alive timeout, which no client is left to reach (the tools close
 * their connections when they finish).
 */
export const GROWTH_SETTLE_MS = 3_000;
/** A tool still running this long is killed and its step counted as failed. */
const TOOL_TIMEOUT_MS = 60_000;
/** What a browser sends, so httap answers the page as a device does (brotli); Bun.serve and the floor ignore it. */
const ACCEPT_ENCODING = "Accept-Encoding: gzip, deflate, br";

/** What one tool's requests came to. */
export interface RequestCount {
  readonly requests: number;
  /** 2xx answers. */
  readonly ok: number;
  /** 503 (or other 5xx) answers: clients beyond the connection limit, refused. */
  readonly refused: number;
  /** Requests neither answered 2xx nor refused: lost connections, timeouts, other statuses. */
  readonly failed: number;
}

/** One connection count: the peak RSS while each tool ran, and their requests. */
export interface GrowthStep {
  readonly connections: number;
  /** The higher of the two peaks. */
  readonly peakMiB: number;
  readonly keepAlivePeakMiB: number;
  readonly churnPeakMiB: number;
  readonly keepAlive: RequestCount;
  readonly churn: RequestCount;
}

/** One server's growth: idle → each step's peak → settled, in MiB. */
export interface RssGrowth {
  readonly name: string;
  readonly idleMiB: number;
  readonly steps: readonly GrowthStep[];
  /** The highest of the steps' peaks. */
  readonly peakMiB: number;
  /** After the last step and `GROWTH_SETTLE_MS`. */
  readonly settledMiB: number;
  /** `peakMiB - idleMiB`: what the connections cost at most. */
  readonly growthMiB: number;
  /** `settledMiB - idleMiB`: what the load left behind. */
  readonly keptMiB: number;
  /**
   * The growth at the highest peak split into anonymous memory (heaps, JIT code, sockets) and file-backed pages (the
   * executable's pages first touched under load, such as the optimizing JIT's own code), over the idle reading.
   */
  readonly growthAnonMiB: number;
  readonly growthFileMiB: number;
}

/**
 * Runs the steps against one server started cold (alone: see `page-cache.ts`) and unpinned, as a device runs it.
 * `target` is what every request asks for (default "/", the page).
 */
export async function measureRssGrowth(spec: ServerSpec, target = "/"): Promise<RssGrowth> {
  const { server } = await startCold(spec, false);
  const pid = server.proc.pid;
  try {
    await Bun.sleep(IDLE_SETTLE_MS);
    const idleMiB = rssMiB(pid);
    const idle = rssParts(pid);
    let peakParts = idle;
    console.log(`bench: growth idle on ${spec.name}: ${rssBreakdown(pid)}`);
    const steps: GrowthStep[] = [];
    for (const connections of GROWTH_CONNECTIONS) {
      const keepAliveSampler = new PeakSampler(pid);
      const keepAlive = await h2load(server.port, target, connections);
      const keepAlivePeakMiB = keepAliveSampler.stop();
      if (keepAliveSampler.peakParts.rss > peakParts.rss) peakParts = keepAliveSampler.peakParts;
      const churnSampler = new PeakSampler(pid);
      const c = await churn(server.port, target, connections * CHURN_REQUESTS_PER_CLIENT, connections);
      const churnPeakMiB = churnSampler.stop();
      if (churnSampler.peakParts.rss > peakParts.rss) peakParts = churnSampler.peakParts;
      const peakMiB = Math.max(keepAlivePeakMiB, churnPeakMiB);
      const churned: RequestCount = {
        requests: connections * CHURN_REQUESTS_PER_CLIENT,
        ok: c.complete - c.failed,
        refused: 0, // ab does not say which failures were 503s: they count as failed
        failed: c.failed + connections * CHURN_REQUESTS_PER_CLIENT - c.complete,
      };
      steps.push({ connections, peakMiB, keepAlivePeakMiB, churnPeakMiB, keepAlive, churn: churned });
      console.log(
        `bench: growth ${connections} clients on ${spec.name}: keep-alive peak ${keepAlivePeakMiB.toFixed(1)} MiB, ` +
          `${describe(keepAlive)}; churn peak ${churnPeakMiB.toFixed(1)} MiB, ${describe(churned)}; now ${rssBreakdown(pid)}`,
      );
    }
    await Bun.sleep(GROWTH_SETTLE_MS);
    const settledMiB = rssMiB(pid);
    console.log(`bench: growth settled on ${spec.name}: ${rssBreakdown(pid)}`);
    const peakMiB = Math.max(...steps.map((s) => s.peakMiB));
    const growthAnonMiB = peakParts.anon - idle.anon;
    const growthFileMiB = peakParts.file - idle.file;
    const growthMiB = peakMiB - idleMiB;
    return { name: spec.name, idleMiB, steps, peakMiB, settledMiB, growthMiB, keptMiB: settledMiB - idleMiB, growthAnonMiB, growthFileMiB };
  } finally {
    await stop(server.proc);
  }
}

/**
 * One line of a growth result: "httap: idle 35.1 → 16: 36.0, 256: 40.2, 1024: 41.0 → settled 37.2 MiB (peak +5.9: anon
 * +4.1, file +1.8; kept +2.1)".
 */
export function describeGrowth(g: RssGrowth): string {
  const steps = g.steps.map((s) => `${s.connections}: ${s.peakMiB.toFixed(1)}`).join(", ");
  return (
    `${g.name}: idle ${g.idleMiB.toFixed(1)} → ${steps} → settled ${g.settledMiB.toFixed(1)} MiB ` +
    `(peak +${g.growthMiB.toFixed(1)}: anon +${g.growthAnonMiB.toFixed(1)}, file +${g.growthFileMiB.toFixed(1)}; ` +
    `kept +${g.keptMiB.toFixed(1)})`
  );
}

/** VmRSS and its anonymous and file-backed parts, in MiB, from one read of /proc/<pid>/status (NaN when unreadable). */
interface RssParts {
  readonly rss: number;
  readonly anon: number;
  readonly file: number;
}

function rssParts(pid: number): RssParts {
  let status = "";
  try {
    status = readFileSync(`/proc/${pid}/status`, "utf8");
  } catch {
    // the process is gone: NaN below
  }
  const mib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? Number.NaN) / 1024;
  return { rss: mib("VmRSS"), anon: mib("RssAnon"), file: mib("RssFile") };
}

function describe(c: RequestCount): string {
  return `${c.ok}/${c.requests} ok, ${c.refused} refused, ${c.failed} failed`;
}

/** Reads a process's RSS every `SAMPLE_MS` until stopped; the highest reading, and its anon and file parts. */
class PeakSampler {
  peakParts: RssParts;
  readonly #timer: Timer;

  constructor(pid: number) {
    this.peakParts = rssParts(pid);
    this.#timer = setInterval(() => {
      const now = rssParts(pid);
      if (now.rss > this.peakParts.rss) this.peakParts = now;
    }, SAMPLE_MS);
  }

  stop(): number {
    clearInterval(this.#timer);
    return this.peakParts.rss;
  }
}

/** `h2load --h1`: `clients` keep-alive HTTP/1.1 connections, one request in flight on each. */
async function h2load(port: number, target: string, clients: number): Promise<RequestCount> {
  const requests = Math.max(MIN_KEEPALIVE_REQUESTS, clients * KEEPALIVE_REQUESTS_PER_CLIENT);
  const cmd = ["h2load", "--h1", "-t", "2", "-c", String(clients), "-n", String(requests), "-H", ACCEPT_ENCODING];
  const p = Bun.spawn([...cmd, `http://127.0.0.1:${port}${target}`], { stdout: "pipe", stderr: "pipe", timeout: TOOL_TIMEOUT_MS });
  const [out, err] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  return parseH2load(`${out}\n${err}`, requests);
}

/** h2load's summary: "requests: N total, … N succeeded, …" and "status codes: N 2xx, N 3xx, N 4xx, N 5xx". */
export function parseH2load(text: string, requests: number): RequestCount {
  const codes = /status codes: (\d+) 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx/.exec(text);
  if (codes === null) {
    console.log(`bench: h2load printed no summary:\n${text}`);
    return { requests, ok: 0, refused: 0, failed: requests };
  }
  const ok = Number(codes[1]);
  const refused = Number(codes[4]);
  return { requests, ok, refused, failed: requests - ok - refused };
}

async function main(): Promise<void> {
  const { createWorkspace, ensureHttapBinary } = await import("./workspace.ts");
  const { defaultSpecs } = await import("./servers.ts");
  const root = resolve(import.meta.dir, "../..");
  const binary = ensureHttapBinary(root);
  const ws = createWorkspace(root);
  try {
    const { httap, base, floor } = defaultSpecs(binary, ws.baselineBinary, ws.floorBinary, ws.webRoot, ws.emptyDir);
    const specs: ServerSpec[] = [httap, { ...httap, name: "directory", env: { HTTAP_STATICPATH: ws.webRoot } }, base, floor];
    const wanted = process.argv.slice(2);
    const results: RssGrowth[] = [];
    for (const spec of specs) if (wanted.length === 0 || wanted.includes(spec.name)) results.push(await measureRssGrowth(spec));
    for (const g of results) console.log(describeGrowth(g));
  } finally {
    await stopAll();
    ws.remove();
  }
}

if (import.meta.main) await main();
