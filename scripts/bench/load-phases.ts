/**
 * @module Load phases for the benchmark: one kind of traffic run against each server in turn, with the load
 * generator on the CPU that kind needs (see `servers.ts`), reduced to the numbers the table shows.
 */
import { room, type RoomResult } from "../stress/room.ts";
import { load, type LoadResult, median, percentile } from "./load-generator.ts";
import { cpuUs } from "./proc-stats.ts";
import { OTHER_CPU, pinLoadGenerator, SERVER_CPU, type Server } from "./servers.ts";

/**
 * Untimed traffic before a server's measured rounds, in windows of WARMUP_MS (`warmUntilSteady`). A fixed half second was
 * too short under qemu-user, where the JIT's output is translated again: an arm64 httap read 3,084 req/s in its
 * first 3 s, 8,484 in the next and 10,000-10,400 from 6 s on, the floor 4,077, 9,692, then 9,100-11,200.
 */
const WARMUP_MS = 500;
const WARMUP_MAX_WINDOWS = 30;
/** A window counts as faster only by more than this share, so noise alone does not prolong the warm-up. */
const WARMUP_GAIN = 1.03;
/**
 * Measured rounds per row, the servers taking turns, each round LOAD_MS long; a row reads the median round. One long
 * phase per server let a few slow seconds of the machine land on one server only (/?ping lock-step read 1.06× and
 * then 0.98× Bun.serve in two stops' benches).
 */
export const ROUNDS = 3;
export const LOAD_MS = 2_000;
const THROUGHPUT_MS = 1_000;
export const PARALLEL_CONNECTIONS = 8;

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

/**
 * Runs untimed windows of some traffic, each returning its rate, until two windows in a row were no faster than the
 * best before them by WARMUP_GAIN (JIT tiers at work until then; one slow window alone is noise), at most
 * WARMUP_MAX_WINDOWS.
 */
export async function warmUntilSteady(window: () => Promise<number>): Promise<void> {
  let best = 0;
  let steady = 0;
  for (let i = 0; i < WARMUP_MAX_WINDOWS && steady < 2; i++) {
    const rate = await window();
    steady = rate > best * WARMUP_GAIN ? 0 : steady + 1;
    best = Math.max(best, rate);
  }
}

/** Warms one server up with windows of WARMUP_MS of the row's own traffic. */
async function warmUp(server: Server, target: string, connections: number, headers: string): Promise<void> {
  await warmUntilSteady(async () => {
    const r = await load(server.port, target, connections, WARMUP_MS, false, headers);
    return r.requests / r.elapsedMs;
  });
}

/**
 * Warms every server up (`warm`), then measures each ROUNDS times, the servers taking turns: each server's rounds, in
 * the servers' order.
 */
export async function inRounds<T>(
  servers: readonly Server[],
  warm: (server: Server, i: number) => Promise<void>,
  measure: (server: Server, i: number) => Promise<T>,
  count = ROUNDS,
): Promise<T[][]> {
  for (const [i, s] of servers.entries()) await warm(s, i);
  const rounds = servers.map(() => [] as T[]);
  for (let round = 0; round < count; round++) {
    for (const [i, s] of servers.entries()) rounds[i].push(await measure(s, i));
  }
  return rounds;
}

const errorsIn = (rounds: readonly { errors: number }[]) => rounds.reduce((n, r) => n + r.errors, 0);

/**
 * A lock-step round is made of slices this long, the servers taking turns slice by slice, so that a slow spell of the
 * machine falls on every server alike. A lock-step rate is all round trips through the kernel (each server's CPU per
 * request was 9.2-10.9 µs, httap's, the floor's and Bun.serve's alike), and whole 2 s turns read one server at 45,786
 * and 52,261 req/s a minute apart. Measured, httap's /?ping over Bun.serve's /ping in four 6 s runs of each: 0.998-1.017
 * in 250 ms slices, 0.964-1.018 in 2 s turns; the floor over Bun.serve 1.028-1.034 against 1.000-1.040.
 */
export const LOCK_STEP_SLICE_MS = 250;

/**
 * One connection, one request in flight: requests per second and latency percentiles (µs), each the median of ROUNDS
 * rounds, a round being slices of LOCK_STEP_SLICE_MS of every server in turn, LOAD_MS of each in all.
 */
export async function lockStep(
  name: string,
  servers: readonly Server[],
  targets: readonly string[],
  headers: readonly string[] = [],
): Promise<LockStepResult[]> {
  pinLoadGenerator(SERVER_CPU);
  for (const [i, s] of servers.entries()) await warmUp(s, targets[i], 1, headers[i] ?? "");
  const slicesPerRound = Math.round(LOAD_MS / LOCK_STEP_SLICE_MS);
  const rounds = servers.map(() => [] as LockStepResult[]);
  for (let round = 0; round < ROUNDS; round++) {
    const slices = servers.map(() => [] as LoadResult[]);
    for (let k = 0; k < slicesPerRound; k++) {
      for (const [i, s] of servers.entries()) slices[i].push(await load(s.port, targets[i], 1, LOCK_STEP_SLICE_MS, true, headers[i] ?? ""));
    }
    for (const [i, parts] of slices.entries()) rounds[i].push(lockStepRound(parts));
  }
  return servers.map((s, i) => {
    const errors = errorsIn(rounds[i]);
    console.log(`bench: ${name} lock-step on ${s.name}: ${ROUNDS} rounds of ${slicesPerRound} slices, ${errors} errors`);
    const of = (pick: (r: LockStepResult) => number) => median(rounds[i].map(pick));
    return { rps: of((r) => r.rps), p50: of((r) => r.p50), p99: of((r) => r.p99), errors };
  });
}

/** One round of a server from its slices: their requests over their time, percentiles over all their latencies. */
function lockStepRound(slices: readonly LoadResult[]): LockStepResult {
  const requests = slices.reduce((n, r) => n + r.requests, 0);
  const latencies = new Float64Array(requests);
  let at = 0;
  for (const r of slices) {
    const own = r.latencies!.subarray(0, r.requests);
    latencies.set(own, at);
    at += own.length;
  }
  return {
    rps: (requests * 1000) / slices.reduce((ms, r) => ms + r.elapsedMs, 0),
    p50: percentile(latencies, at, 50),
    p99: percentile(latencies, at, 99),
    errors: errorsIn(slices),
  };
}

/** Several connections at once: requests per second and the server's CPU time per request (µs), each the median round. */
export async function parallel(
  name: string,
  servers: readonly Server[],
  targets: readonly string[],
  headers: readonly string[] = [],
): Promise<ParallelResult[]> {
  pinLoadGenerator(OTHER_CPU);
  const rounds = await inRounds(
    servers,
    (s, i) => warmUp(s, targets[i], PARALLEL_CONNECTIONS, headers[i] ?? ""),
    async (s, i): Promise<ParallelResult> => {
      const cpu0 = cpuUs(s.proc.pid);
      const r = await load(s.port, targets[i], PARALLEL_CONNECTIONS, LOAD_MS, false, headers[i] ?? "");
      const cpu = cpuUs(s.proc.pid) - cpu0;
      return { rps: (r.requests * 1000) / r.elapsedMs, cpuPerReq: cpu / r.requests, errors: r.errors };
    },
  );
  return servers.map((s, i) => {
    const errors = errorsIn(rounds[i]);
    console.log(`bench: ${name} ${PARALLEL_CONNECTIONS} connections on ${s.name}: ${ROUNDS} rounds, ${errors} errors`);
    return { rps: median(rounds[i].map((r) => r.rps)), cpuPerReq: median(rounds[i].map((r) => r.cpuPerReq)), errors };
  });
}

/** Bulk transfer of a 1 MiB file on one connection: MiB per second (the median round), and the errors summed over the servers. */
export async function throughput(servers: readonly Server[], target: string): Promise<{ mibPerS: number[]; errors: number }> {
  pinLoadGenerator(OTHER_CPU);
  const rounds = await inRounds(
    servers,
    (s) => warmUp(s, target, 1, ""),
    async (s) => {
      const r = await load(s.port, target, 1, THROUGHPUT_MS, false);
      return { mibPerS: (r.requests * 1000) / r.elapsedMs, errors: r.errors }; // each answer is 1 MiB
    },
  );
  for (const s of servers) console.log(`bench: 1 MiB on ${s.name}: ${ROUNDS} rounds`);
  return { mibPerS: rounds.map((r) => median(r.map((x) => x.mibPerS))), errors: rounds.reduce((n, r) => n + errorsIn(r), 0) };
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

/**
 * How many timed passes of the room each server gets. A pass's p99 is the second-slowest of its 100 loads, a draw of
 * the 2-core machine's scheduling: over four benches of 3 passes each, the median p99 ranged 7.5-11.3 ms for httap,
 * 7.1-10.3 for Bun.serve and 6.9-10.1 for the floor, whose p50 stayed within 4.8-6.3. A pass takes well under a second.
 */
export const ROOM_PASSES = 9;

/**
 * The room (`stress/room.ts`: `browsers` load the dashboard at once, `passRounds` times) on each server: one untimed
 * pass first, then ROOM_PASSES passes with the servers taking turns. p50 and p99 are each the median of the passes'
 * (perhaps of two different passes), the loads summed. One pass alone put a p99, the second-slowest of 100 loads,
 * at 1.30× Bun.serve in one bench and at 1.75× in the next, with httap's p50 ahead in both.
 */
export async function roomInRounds(servers: readonly Server[], browsers: number, passRounds: number): Promise<RoomResult[]> {
  pinLoadGenerator(OTHER_CPU);
  const passes = await inRounds(
    servers,
    async (s) => {
      await room(s.port, browsers, 1);
    },
    (s) => room(s.port, browsers, passRounds),
    ROOM_PASSES,
  );
  return passes.map((p) => ({
    loads: p.reduce((n, r) => n + r.loads, 0),
    complete: p.reduce((n, r) => n + r.complete, 0),
    requestsPerLoad: median(p.map((r) => r.requestsPerLoad)),
    p50Ms: median(p.map((r) => r.p50Ms)),
    p99Ms: median(p.map((r) => r.p99Ms)),
    maxMs: Math.max(...p.map((r) => r.maxMs)),
    failures: p.flatMap((r) => r.failures),
  }));
}
