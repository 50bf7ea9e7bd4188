/**
 * @module Resident memory for the benchmark: a server started cold (its binary evicted from the page cache), its RSS
 * idle, and its RSS after a few seconds of the traffic a device sees (the page with compression negotiated, and
 * HTTaP pings), all on the same process.
 */
import { exercise, PARALLEL_CONNECTIONS, type TrafficStep } from "./load-phases.ts";
import { evictFromPageCache, type Eviction } from "./page-cache.ts";
import { rssBreakdown, rssMiB } from "./proc-stats.ts";
import { startServer, stop, type Server, type ServerSpec } from "./servers.ts";

/** Wait after a server reports its port before idle RSS is read, so start-up work has finished. */
export const IDLE_SETTLE_MS = 300;

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
 * Idle RSS and RSS after load of one server, alone on the machine: no other instance of its binary may run, or its
 * mapped pages would stay cached (see `page-cache.ts`). `pingTarget` is the server's dynamic JSON counterpart of
 * HTTaP GET /?ping.
 */
export async function measureResidentMemory(spec: ServerSpec, pingTarget: string): Promise<ResidentMemory> {
  // Not pinned: a process confined to one CPU reads ~2.8 MiB higher (measured with taskset -c 1 on the same
  // binary), and a Pi runs it on all its cores.
  const { server, eviction } = await startCold(spec, false);
  try {
    await Bun.sleep(IDLE_SETTLE_MS);
    const idleMiB = rssMiB(server.proc.pid);
    console.log(`bench: RSS idle on ${spec.name}: ${rssBreakdown(server.proc.pid)}`);
    const errors = await exercise(server, deviceTraffic(pingTarget));
    const loadedMiB = rssMiB(server.proc.pid);
    console.log(`bench: RSS after load on ${spec.name}: ${rssBreakdown(server.proc.pid)}`);
    return { idleMiB, loadedMiB, errors, eviction };
  } finally {
    await stop(server.proc);
  }
}

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
