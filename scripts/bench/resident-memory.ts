/**
 * @module Resident memory for the benchmark: a server started cold (its binary evicted from the page cache), its RSS
 * idle, and its RSS after a few seconds of the traffic a device sees (the page with compression negotiated, and
 * HTTaP pings) on the same process; each the median of several cold starts.
 */
import { median } from "./load-generator.ts";
import { exercise, PARALLEL_CONNECTIONS, type TrafficStep } from "./load-phases.ts";
import { evictFromPageCache, type Eviction } from "./page-cache.ts";
import { rssBreakdown, rssMiB } from "./proc-stats.ts";
import { startServer, stop, type Server, type ServerSpec } from "./servers.ts";

/**
 * Wait after a server reports its port before idle RSS is read, so start-up work has finished: httap's RSS rose
 * 0.6-1.6 MiB between 0.3 and 3 s after it listened (runtime code paged in by its first timers and announcements),
 * then held still to 8 s.
 */
export const IDLE_SETTLE_MS = 3_000;
/**
 * Cold starts per server; a reading is their median. One binary's cold starts read two ways, ~2.5 MiB apart in the
 * file-backed pages (the same build: 35.5 or 38.2 MiB), so one start could decide a row by itself.
 */
export const COLD_STARTS = 3;

/** What a browser sends; lets httap pick its brotli or gzip variant of the page, as it does on a device. */
const BROWSER_ACCEPT_ENCODING = "Accept-Encoding: gzip, deflate, br\r\n";

export interface ResidentMemory {
  readonly idleMiB: number;
  readonly loadedMiB: number;
  /** Load errors during the traffic (non-2xx, lost connections). */
  readonly errors: number;
  readonly eviction: Eviction;
}

/** A server started right after its binary left the page cache; its RSS then reads as on a device that booted. */
export async function startCold(spec: ServerSpec, isPinned = true): Promise<{ server: Server; eviction: Eviction }> {
  const eviction = evictFromPageCache(spec.file);
  return { server: await startServer(spec, isPinned), eviction };
}

/**
 * Idle RSS and RSS after load of one server, each the median of COLD_STARTS cold starts, alone on the machine: no
 * other instance of its binary may run, or its mapped pages would stay cached (see `page-cache.ts`). `pingTarget` is
 * the server's dynamic JSON counterpart of HTTaP GET /?ping.
 */
export async function measureResidentMemory(spec: ServerSpec, pingTarget: string): Promise<ResidentMemory> {
  const idle: number[] = [];
  const loaded: number[] = [];
  let errors = 0;
  let eviction: Eviction | undefined; // the start that left the most of its binary cached
  for (let start = 0; start < COLD_STARTS; start++) {
    // Not pinned: a process confined to one CPU reads ~2.8 MiB higher (measured with taskset -c 1 on the same
    // binary), and a Pi runs it on all its cores.
    const cold = await startCold(spec, false);
    if (eviction === undefined || isWorse(cold.eviction, eviction)) eviction = cold.eviction;
    const { server } = cold;
    try {
      await Bun.sleep(IDLE_SETTLE_MS);
      idle.push(rssMiB(server.proc.pid));
      console.log(`bench: RSS idle on ${spec.name}: ${rssBreakdown(server.proc.pid)}`);
      errors += await exercise(server, deviceTraffic(pingTarget));
      loaded.push(rssMiB(server.proc.pid));
      console.log(`bench: RSS after load on ${spec.name}: ${rssBreakdown(server.proc.pid)}`);
    } finally {
      await stop(server.proc);
    }
  }
  return { idleMiB: median(idle), loadedMiB: median(loaded), errors, eviction: eviction! };
}

/** Whether eviction `a` did worse than `b`: it did not run where `b` did, or it left more of the binary cached. */
const isWorse = (a: Eviction, b: Eviction) => (a.evicted !== b.evicted ? !a.evicted : a.residentMiB > b.residentMiB);

/** Total time of the traffic between the idle and the loaded reading, for the output. */
export const DEVICE_TRAFFIC_MS = deviceTraffic("").reduce((sum, step) => sum + step.ms, 0);

/** A few seconds of lock-step and parallel traffic: GET / as a browser asks for it, then pings. */
function deviceTraffic(pingTarget: string): TrafficStep[] {
  return [
    { target: "/", headers: BROWSER_ACCEPT_ENCODING, connections: 1, ms: 1_000 },
    { target: "/", headers: BROWSER_ACCEPT_ENCODING, connections: PARALLEL_CONNECTIONS, ms: 1_000 },
    { target: pingTarget, headers: "", connections: 1, ms: 500 },
    { target: pingTarget, headers: "", connections: PARALLEL_CONNECTIONS, ms: 500 },
  ];
}

/** How long the long-idle reading waits: timers that run every 20 ms to 5 s have each run dozens of times by then. */
export const LONG_IDLE_MS = 60_000;

/**
 * RSS after a long idle: one cold start of each server, all idle at once for LONG_IDLE_MS. The idle rows read 3 s
 * after start; what an idle server's own timers page in later (JSC compiles a function its timer keeps calling, and
 * its first optimizing compile maps in some MiB of the runtime's compiler) only shows here. The binaries must
 * differ: a second instance of one would keep the other's pages cached.
 */
export async function measureLongIdle(specs: readonly ServerSpec[]): Promise<number[]> {
  if (new Set(specs.map((s) => s.file)).size !== specs.length) throw new Error("long idle: one server per binary");
  const servers: Server[] = [];
  try {
    for (const spec of specs) servers.push((await startCold(spec, false)).server);
    await Bun.sleep(LONG_IDLE_MS);
    return servers.map((s) => rssMiB(s.proc.pid));
  } finally {
    for (const s of servers) await stop(s.proc);
  }
}
