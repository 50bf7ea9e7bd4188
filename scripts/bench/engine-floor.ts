/**
 * @module The engine's floor (issue 22): what the real-time engine's timing could be on this runtime and machine,
 * for the benchmark to print beside httap's. `engineFloor()` runs `engine-floor-worker.ts` (only sleeps to absolute
 * times, spins, toggles simulated pins, as the engine does but with nothing else) in a child process pinned to the
 * server's CPU, with or without SCHED_FIFO, and returns the same figures as `/?rt`: edge error, CPU use, plus each
 * sleep's overshoot (the wake-up latency a spin margin has to cover). Run it alone to explore:
 *
 *   bun scripts/bench/engine-floor.ts [--fifo] [--spin-us 0] [--slack-ns N] [--motors] [--ms 2000] [--trace] [--dir D]
 *     [--record overshoots.bin]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openSimBackend } from "../../src/gpio/sim-file.ts";
import { F, FLOOR_BUCKETS, FLOOR_MEMORY_WORDS, type FloorSetup, LATE_FIELDS, LATE_SLOTS } from "./engine-floor-memory.ts";
import { SERVER_CPU } from "./servers.ts";

export interface FloorOptions {
  /** Ask for SCHED_FIFO (granted to root or CAP_SYS_NICE; `fifo` in the figures says whether it was). */
  readonly fifo: boolean;
  /** Wake this long before each edge and spin the rest; 0 (the default) sleeps to the edge itself. */
  readonly spinUs?: number;
  /** PR_SET_TIMERSLACK, ns; default the thread's own (50 µs; none under SCHED_FIFO). */
  readonly slackNs?: number | null;
  /** The tone's frequency; edges come at twice this rate. Default 1000. */
  readonly toneHz?: number;
  /** Both motors at 250 Hz, half duty, too (the engine's CPU row). Default false. */
  readonly motors?: boolean;
  readonly durationMs?: number;
  /** Keep late edges with the faults, switches and CPU time around them. Default false. */
  readonly trace?: boolean;
  /** Where the simulator file goes (its file system decides the page faults of pin writes); default the temp dir. */
  readonly simDir?: string;
  /** Writes each sleep's overshoot (ns, little-endian i32, in order) to this file, for engine-margin-replay.ts. */
  readonly recordPath?: string;
}

export interface Percentiles {
  readonly count: number;
  readonly p50Us: number;
  readonly p90Us: number;
  readonly p99Us: number;
  readonly maxUs: number;
}

export interface LateEdge {
  readonly lateUs: number;
  readonly overshootUs: number;
  readonly faults: number;
  readonly switches: number;
  /** From going to sleep to the edge: wall time and the thread's CPU time. */
  readonly wallUs: number;
  readonly cpuUs: number;
}

export interface FloorFigures {
  readonly fifo: boolean;
  readonly edgeError: Percentiles;
  /** clock_nanosleep's lateness past the asked time. */
  readonly overshoot: Percentiles;
  /** The thread's CPU time over the run, % of one core, and the part of the run spent spinning. */
  readonly cpuPercent: number;
  readonly spinPercent: number;
  /** Page faults and involuntary context switches of the Worker's thread during the run. */
  readonly faults: number;
  readonly switches: number;
  /** Edges later than 100 µs (trace runs; at most 256) and how many there were. */
  readonly late: readonly LateEdge[];
  readonly lateCount: number;
}

const TASKSET = navigator.hardwareConcurrency >= 2 ? Bun.which("taskset") : null;

/**
 * Runs the floor for `durationMs` (2 s by default) in a child process on the server's CPU and returns its figures.
 * Start a load first to measure the floor under it (hardware-phases.ts does, with the same 8 connections).
 */
export async function engineFloor(options: FloorOptions): Promise<FloorFigures> {
  const cmd = [process.execPath, import.meta.path, "--child", JSON.stringify(options)];
  const proc = Bun.spawn(TASKSET !== null ? [TASKSET, "-c", SERVER_CPU, ...cmd] : cmd, {
    stdout: "pipe",
    stderr: "inherit",
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin" },
  });
  const [text, code] = await Promise.all([new Response(proc.stdout).text(), proc.exited]);
  if (code !== 0) throw new Error(`the engine floor exited with ${code}: ${text}`);
  return JSON.parse(text) as FloorFigures;
}

function percentiles(words: Int32Array, at: number, maxNs: number): Percentiles {
  let count = 0;
  for (let i = 0; i < FLOOR_BUCKETS; i++) count += words[at + i];
  const pick = (p: number) => {
    const rank = Math.ceil((p / 100) * count);
    let seen = 0;
    for (let i = 0; i < FLOOR_BUCKETS; i++) {
      seen += words[at + i];
      if (seen >= rank && rank > 0) return i;
    }
    return count === 0 ? 0 : FLOOR_BUCKETS - 1;
  };
  return { count, p50Us: pick(50), p90Us: pick(90), p99Us: pick(99), maxUs: Math.round(maxNs / 1000) };
}

/** The child: one Worker, one run, the figures as JSON on stdout. */
async function child(options: FloorOptions): Promise<FloorFigures> {
  const dir = mkdtempSync(join(options.simDir ?? tmpdir(), "httap-floor-"));
  const simPath = join(dir, "sim.bin");
  const sim = openSimBackend(simPath, { create: true, removeOnClose: false });
  const memory = new SharedArrayBuffer(FLOOR_MEMORY_WORDS * 4);
  const setup: FloorSetup = {
    memory,
    simPath,
    fifo: options.fifo,
    slackNs: options.slackNs ?? null,
    spinNs: (options.spinUs ?? 0) * 1000,
    toneHz: options.toneHz ?? 1000,
    motors: options.motors ?? false,
    durationMs: options.durationMs ?? 2000,
    trace: options.trace ?? false,
    // room for every sleep: at most one per edge, 2 per ms for the tone and 0.5 for the motors
    overshoots: options.recordPath === undefined ? null : new SharedArrayBuffer(4 * 3 * (options.durationMs ?? 2000)),
  };
  const worker = new Worker(new URL("./engine-floor-worker.ts", import.meta.url).href);
  try {
    await new Promise<void>((resolve, reject) => {
      worker.onmessage = () => resolve();
      worker.onerror = (e) => reject(new Error(e.message));
      worker.postMessage(setup);
    });
  } finally {
    worker.terminate();
    sim.backend.close();
    rmSync(dir, { recursive: true, force: true });
  }
  const w = new Int32Array(memory);
  if (options.recordPath !== undefined && setup.overshoots !== null) {
    const count = Math.min(w[F.sleeps], setup.overshoots.byteLength / 4);
    await Bun.write(options.recordPath, new Int32Array(setup.overshoots, 0, count).slice()); // a copy: not shared memory
  }
  const lateCount = w[F.lateCount];
  const late: LateEdge[] = [];
  for (let i = 0; i < Math.min(lateCount, LATE_SLOTS); i++) {
    const at = F.late + i * LATE_FIELDS;
    late.push({
      lateUs: Math.round(w[at] / 1000),
      overshootUs: Math.round(w[at + 1] / 1000),
      faults: w[at + 2],
      switches: w[at + 3],
      wallUs: Math.round(w[at + 4] / 1000),
      cpuUs: Math.round(w[at + 5] / 1000),
    });
  }
  return {
    fifo: w[F.fifo] === 1,
    edgeError: percentiles(w, F.edges, w[F.maxEdgeNs]),
    overshoot: percentiles(w, F.overshoot, w[F.maxOvershootNs]),
    cpuPercent: w[F.cpuPermille] / 10,
    spinPercent: w[F.spinPermille] / 10,
    faults: w[F.faults],
    switches: w[F.switches],
    late,
    lateCount,
  };
}

function flag(args: readonly string[], name: string): string | null {
  const i = args.indexOf(name);
  return i < 0 ? null : (args[i + 1] ?? "");
}

if (import.meta.main) {
  const args = process.argv.slice(2);
  const childOptions = flag(args, "--child");
  if (childOptions !== null) {
    console.log(JSON.stringify(await child(JSON.parse(childOptions) as FloorOptions)));
  } else {
    const number = (name: string) => (flag(args, name) === null ? undefined : Number(flag(args, name)));
    const f = await engineFloor({
      fifo: args.includes("--fifo"),
      spinUs: number("--spin-us"),
      slackNs: number("--slack-ns") ?? null,
      toneHz: number("--tone-hz"),
      motors: args.includes("--motors"),
      durationMs: number("--ms"),
      trace: args.includes("--trace"),
      simDir: flag(args, "--dir") ?? undefined,
      recordPath: flag(args, "--record") ?? undefined,
    });
    const p = (x: Percentiles) => `p50 ${x.p50Us} p90 ${x.p90Us} p99 ${x.p99Us} max ${x.maxUs} µs (${x.count})`;
    console.log(`fifo ${f.fifo}; CPU ${f.cpuPercent} % (spinning ${f.spinPercent} %); faults ${f.faults}, switches ${f.switches}`);
    console.log(`edge error: ${p(f.edgeError)}`);
    console.log(`overshoot:  ${p(f.overshoot)}`);
    if (f.lateCount > 0) {
      console.log(`${f.lateCount} edges later than 100 µs; late, overshoot, faults, switches, wall, cpu (µs):`);
      for (const e of f.late.slice(0, 40)) console.log(`  ${e.lateUs} ${e.overshootUs} ${e.faults} ${e.switches} ${e.wallUs} ${e.cpuUs}`);
    }
  }
}
