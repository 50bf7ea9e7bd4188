/**
 * @module Load phases for the benchmark: one kind of traffic run against each server in turn, with the load
 * generator on the CPU that kind needs (see `servers.ts`), reduced to the numbers the table shows.
 */
import { load, percentile } from "./load-generator.ts";
import { cpuUs } from "./proc-stats.ts";
import { OTHER_CPU, pinLoadGenerator, SERVER_CPU, type Server } from "./servers.ts";

/** Untimed traffic before each measured phase, so connection setup and JIT warm-up stay out of the numbers. */
const WARMUP_MS = 500;
/** Measured time per phase and server. */
export const LOAD_MS = 3_000;
const THROUGHPUT_MS = 2_000;
export const PARALLEL_CONNECTIONS = 8;
const ONE_MIB = 1024 * 1024;

export interface LockStepResult {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
}
export interface ParallelResult {
  rps: number;
  cpuPerReq: number;
  errors: number;
}

/** One connection, one request in flight: requests per second and latency percentiles (µs). */
export async function lockStep(
  name: string,
  servers: readonly Server[],
  targets: readonly string[],
  headers: readonly string[] = [],
): Promise<LockStepResult[]> {
  pinLoadGenerator(SERVER_CPU);
  const out: LockStepResult[] = [];
  for (const [i, s] of servers.entries()) {
    await load(s.port, targets[i], 1, WARMUP_MS, false, headers[i] ?? "");
    const r = await load(s.port, targets[i], 1, LOAD_MS, true, headers[i] ?? "");
    out.push({
      rps: (r.requests * 1000) / r.elapsedMs,
      p50: percentile(r.latencies!, r.requests, 50),
      p99: percentile(r.latencies!, r.requests, 99),
      errors: r.errors,
    });
    console.log(`bench: ${name} lock-step on ${s.name}: ${r.requests} requests, ${r.errors} errors`);
  }
  return out;
}

/** Several connections at once: requests per second and the server's CPU time per request (µs). */
export async function parallel(
  name: string,
  servers: readonly Server[],
  targets: readonly string[],
  headers: readonly string[] = [],
): Promise<ParallelResult[]> {
  pinLoadGenerator(OTHER_CPU);
  const out: ParallelResult[] = [];
  for (const [i, s] of servers.entries()) {
    await load(s.port, targets[i], PARALLEL_CONNECTIONS, WARMUP_MS, false, headers[i] ?? "");
    const cpu0 = cpuUs(s.proc.pid);
    const r = await load(s.port, targets[i], PARALLEL_CONNECTIONS, LOAD_MS, false, headers[i] ?? "");
    const cpu = cpuUs(s.proc.pid) - cpu0;
    out.push({ rps: (r.requests * 1000) / r.elapsedMs, cpuPerReq: cpu / r.requests, errors: r.errors });
    console.log(`bench: ${name} ${PARALLEL_CONNECTIONS} connections on ${s.name}: ${r.requests} requests, ${r.errors} errors`);
  }
  return out;
}

/** Bulk transfer of a 1 MiB file on one connection: MiB per second, and the errors summed over the servers. */
export async function throughput(servers: readonly Server[], target: string): Promise<{ mibPerS: number[]; errors: number }> {
  pinLoadGenerator(OTHER_CPU);
  const mibPerS: number[] = [];
  let errors = 0;
  for (const s of servers) {
    await load(s.port, target, 1, WARMUP_MS, false);
    const r = await load(s.port, target, 1, THROUGHPUT_MS, false);
    mibPerS.push((r.requests * ONE_MIB) / 1048576 / (r.elapsedMs / 1000));
    errors += r.errors;
    console.log(`bench: 1 MiB on ${s.name}: ${r.requests} requests, ${r.errors} errors`);
  }
  return { mibPerS, errors };
}

/** One step of unmeasured traffic, run to bring a server to its loaded state. */
export interface TrafficStep {
  readonly target: string;
  readonly headers: string;
  readonly connections: number;
  readonly ms: number;
}

/** Runs the steps in order against one server (generator placed as for the measured rows); returns the errors. */
export async function exercise(server: Server, steps: readonly TrafficStep[]): Promise<number> {
  let errors = 0;
  for (const step of steps) {
    pinLoadGenerator(step.connections === 1 ? SERVER_CPU : OTHER_CPU);
    const r = await load(server.port, step.target, step.connections, step.ms, false, step.headers);
    errors += r.errors;
    console.log(`bench: RSS load ${step.target}, ${step.connections} conn on ${server.name}: ${r.requests} requests, ${r.errors} errors`);
  }
  return errors;
}
