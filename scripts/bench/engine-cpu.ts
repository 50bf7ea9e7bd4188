/**
 * @module Where the engine's CPU goes (issue 22): the real engine Worker (src/engine, from source) on a simulated
 * board, in a child process pinned to the server's CPU, playing a 1 kHz tone and, unless `--tone-only`, both motors
 * at half speed (the bench's CPU row), the drive re-sent every 200 ms as the bench does. After a settling second it
 * reads the engine's counters over `--ms` and prints its CPU use beside what explains it: sleeps a second, the CPU
 * each costs, the spin's share of a core, the margin, and the edge error read each second. `--hog` runs a busy
 * process on the same CPU meanwhile (a harsher neighbour than the bench's HTTP load).
 *
 *   bun scripts/bench/engine-cpu.ts [--no-rt] [--tone-only] [--hog] [--ms 5000]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openSimBackend } from "../../src/gpio/sim-file.ts";
import { RtEngine } from "../../src/engine/rt-engine.ts";
import { median } from "./load-generator.ts";
import { SERVER_CPU } from "./servers.ts";

const PINS = { speaker: 12, motors: { left: { in1: 5, in2: 6, enable: null }, right: { in1: 23, in2: 24, enable: null } } };
const SETTLE_MS = 1500;
const TASKSET = navigator.hardwareConcurrency >= 2 ? Bun.which("taskset") : null;

export interface EngineCpu {
  readonly fifo: boolean;
  readonly cpuPercent: number;
  readonly sleepsPerSecond: number;
  /** CPU per sleep, everything but the spin (µs; the spin is wall time, so a host that holds the vCPU shifts some here). */
  readonly cpuPerSleepUs: number;
  readonly spinPercent: number;
  readonly marginUs: number;
  /** The edge error read once a second over `--ms`: the median second's p99, the share of seconds with p99 ≤ 20 µs, the worst max. */
  readonly p99Us: number;
  readonly secondsP99Within20: number;
  readonly maxUs: number;
}

async function child(realtime: boolean, motors: boolean, ms: number): Promise<EngineCpu> {
  const dir = mkdtempSync(join(tmpdir(), "httap-engine-cpu-"));
  const simPath = join(dir, "sim.bin");
  const sim = openSimBackend(simPath, { create: true, removeOnClose: false });
  const engine = RtEngine.start({ kind: "sim", simPath, registers: null, lines: [] }, PINS, (l) => console.error(l), realtime);
  try {
    await engine.ready();
    const drive = () => (motors ? engine.motors(0.5, 0.5, 250, 20) : undefined);
    engine.play([[1000, SETTLE_MS + ms + 1000]]);
    drive();
    const driving = setInterval(drive, 200);
    await Bun.sleep(SETTLE_MS);
    const a = engine.figures();
    const t0 = performance.now();
    // read once a second on this clock, the engine's seconds on its own: now and then one is read twice or skipped
    const seconds: { p99Us: number; maxUs: number }[] = [];
    for (let i = 0; i < Math.max(1, Math.round(ms / 1000)); i++) {
      await Bun.sleep(1000);
      seconds.push(engine.figures().edgeError.lastSecond);
    }
    const b = engine.figures();
    const s = (performance.now() - t0) / 1000;
    clearInterval(driving);
    const cpuUs = b.cpuMicros - a.cpuMicros;
    const sleeps = b.sleeps - a.sleeps;
    const spinUs = b.spinMicros - a.spinMicros;
    return {
      fifo: b.realtimePriority,
      cpuPercent: cpuUs / s / 1e4,
      sleepsPerSecond: sleeps / s,
      cpuPerSleepUs: (cpuUs - spinUs) / sleeps,
      spinPercent: spinUs / s / 1e4,
      marginUs: b.marginMicros,
      p99Us: median(seconds.map((x) => x.p99Us)),
      secondsP99Within20: seconds.filter((x) => x.p99Us <= 20).length / seconds.length,
      maxUs: Math.max(...seconds.map((x) => x.maxUs)),
    };
  } finally {
    await engine.stop();
    sim.backend.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs the engine in a child process on the server's CPU; `hog` keeps a busy process on that CPU meanwhile. */
export async function engineCpu(options: { realtime: boolean; motors: boolean; ms: number; hog: boolean }): Promise<EngineCpu> {
  const pin = (cmd: string[]) => (TASKSET !== null ? [TASKSET, "-c", SERVER_CPU, ...cmd] : cmd);
  const hog = options.hog ? Bun.spawn(pin([process.execPath, "-e", "for(;;){}"]), { stdout: "ignore" }) : null;
  try {
    const proc = Bun.spawn(pin([process.execPath, import.meta.path, "--child", JSON.stringify(options)]), {
      stdout: "pipe",
      stderr: "inherit",
    });
    const [text, code] = await Promise.all([new Response(proc.stdout).text(), proc.exited]);
    if (code !== 0) throw new Error(`engine-cpu exited with ${code}: ${text}`);
    return JSON.parse(text) as EngineCpu;
  } finally {
    hog?.kill();
  }
}

if (import.meta.main) {
  const args = process.argv.slice(2);
  const at = args.indexOf("--child");
  if (at >= 0) {
    const o = JSON.parse(args[at + 1]) as { realtime: boolean; motors: boolean; ms: number };
    console.log(JSON.stringify(await child(o.realtime, o.motors, o.ms)));
  } else {
    const msAt = args.indexOf("--ms");
    const r = await engineCpu({
      realtime: !args.includes("--no-rt"),
      motors: !args.includes("--tone-only"),
      ms: msAt >= 0 ? Number(args[msAt + 1]) : 5000,
      hog: args.includes("--hog"),
    });
    const f = (x: number) => x.toFixed(1);
    console.log(
      `fifo ${r.fifo}: CPU ${f(r.cpuPercent)} % = spin ${f(r.spinPercent)} % + ${f(r.sleepsPerSecond)} sleeps/s × ` +
        `${f(r.cpuPerSleepUs)} µs; margin ${r.marginUs} µs; edge error p99 ${r.p99Us} µs (median second; ≤ 20 µs in ` +
        `${Math.round(r.secondsP99Within20 * 100)} % of seconds), max ${r.maxUs} µs`,
    );
  }
}
