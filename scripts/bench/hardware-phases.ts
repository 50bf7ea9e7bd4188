/**
 * @module Hardware rows for the benchmark (issue 7), on the simulator of the compiled binary: the engine's edge
 * error for a 1 kHz tone idle and while 8 connections saturate the HTTP server; command-to-pin latency from sending
 * `POST /?motors` to the edge in the simulator's log (both CLOCK_MONOTONIC) beside the `/?ping` round trip of the
 * same moment; the engine's CPU use with a tone and both motors at half speed. Beside them, the same figures for the
 * engine's floor (engine-floor.ts: a Worker that only sleeps to each edge and writes the pin), in the same places.
 */
import { dirname } from "node:path";
import { monotonicNs } from "../../src/os/libc.ts";
import { attachSimFile } from "../../src/gpio/sim-file.ts";
import { readEdges } from "../../src/gpio/sim-layout.ts";
import { ClientConnection } from "../stress/http-client.ts";
import { engineFloor, type FloorFigures, type Percentiles } from "./engine-floor.ts";
import { load, median } from "./load-generator.ts";
import { OTHER_CPU, pinLoadGenerator, type Server } from "./servers.ts";

const COMMANDS = 100;
const COMMAND_GAP_MS = 15;
const LEFT_IN1 = 5; // rc-car
const JSON_TYPE = "Content-Type: application/json\r\n";

export interface EdgeError {
  p50Us: number;
  p99Us: number;
  maxUs: number;
  count: number;
}
export interface Latency {
  p50Us: number;
  p99Us: number;
}
export interface HardwareFigures {
  readonly realtime: boolean;
  readonly toneIdle: ToneFigures;
  readonly toneLoaded: ToneFigures;
  readonly commandIdle: Latency;
  readonly commandLoaded: Latency;
  readonly pingIdle: Latency;
  readonly pingLoaded: Latency;
  readonly cpuPercent: number;
  /** The share of a core the engine spun over about the same seconds (1 to 4 s; wall time): its CPU less this is the rest. */
  readonly spinPercent: number;
  /** The edge error over those seconds (`acrossSeconds`): the accuracy that CPU bought. */
  readonly cpuEdgeError: EdgeError;
  /** The floor's figures for the same rows, with the same priority (see `floorPhases`). */
  readonly floor: FloorRows;
}

/**
 * The floor (engine-floor.ts) in the hardware rows' places. Its tone rows spin the last 200 µs to each edge, more than
 * the engine's margin ever is: the accuracy this runtime and machine allow, late only when a wake-up or the thread
 * itself is held up longer (their `overshoot` is the wake-up latency, what a sleep alone would give). Its CPU row only
 * sleeps: the least CPU those edges cost. Between the two, `covered` is the floor's price of accuracy: the same edges
 * with the least spin that covers this host's p99 wake-up lateness (the sleeping run's overshoot p99), so edges come
 * on time but for 1 % of wake-ups; its CPU is what a tone this accurate costs any engine on this runtime and machine.
 */
export interface FloorRows {
  readonly fifo: boolean;
  /** Edge error of a 1 kHz tone (an edge every 500 µs), idle and under the same 8-connection load. */
  readonly toneIdle: FloorFigures;
  readonly toneLoaded: FloorFigures;
  /** CPU use for a tone and both motors at half speed, sleeping to each edge, and the edge error that gives. */
  readonly cpuPercent: number;
  readonly sleepingEdgeError: Percentiles;
  /** The same edges spinning `spinUs`, the sleeping run's overshoot p99: their edge error and CPU. */
  readonly covered: { readonly spinUs: number; readonly edgeError: Percentiles; readonly cpuPercent: number };
}

const quantile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
};

/** A tone row's edge error (`acrossSeconds`) and the engine's CPU over the same seconds, % of a core. */
export interface ToneFigures extends EdgeError {
  readonly cpuPercent: number;
  /** Over the same seconds: the engine's latest wake-up past its time (µs), and the edge error of the edges it had in
   * hand (not due before the thread was back from a late wake-up; edge-origins.ts). The rest were the host's. */
  readonly wakeLateMaxUs: number;
  readonly own: EdgeError;
}

interface RtFigures {
  readonly edgeErrorUs: { readonly lastSecond: EdgeError; readonly lastSecondOwn: EdgeError };
  readonly realtimePriority: boolean;
  readonly engineCpuPercent: number;
  readonly engineSleeps: number;
  readonly engineSpinMicros: number;
  readonly engineSpinMarginUs: number;
  readonly engineWakeLateMaxUs: number;
}

async function rt(port: number): Promise<RtFigures> {
  return (await fetch(`http://127.0.0.1:${port}/?rt`)).json() as never;
}

/** The engine's spin between two readings of /?rt, as % of a core, and its sleeps a second. */
function spinBetween(a: RtFigures, b: RtFigures, wallMs: number): { spinPercent: number; sleepsPerS: number } {
  return {
    spinPercent: ((b.engineSpinMicros - a.engineSpinMicros) / (wallMs * 1000)) * 100,
    sleepsPerS: ((b.engineSleeps - a.engineSleeps) * 1000) / wallMs,
  };
}

/** Runs `during` while 8 lock-step connections of GET / keep the server's thread busy. */
async function underLoad<T>(server: Server, ms: number, during: () => Promise<T>): Promise<T> {
  pinLoadGenerator(OTHER_CPU);
  const traffic = load(server.port, "/", 8, ms, false);
  try {
    return await during();
  } finally {
    await traffic;
  }
}

/** `POST /?motors` left 1 / stop, alternately: time from the send to the first edge of IN1 after it; and `/?ping`. */
async function commandLatency(server: Server, simFile: string): Promise<{ command: Latency; ping: Latency }> {
  const map = attachSimFile(simFile);
  const c = await ClientConnection.open(server.port);
  const command: number[] = [];
  const ping: number[] = [];
  try {
    for (let i = 0; i < COMMANDS; i++) {
      const from = readEdges(map.buffer).count;
      const sent = monotonicNs();
      const body = i % 2 === 0 ? '{"left":1,"right":0}' : '{"stop":true}';
      await c.request("POST", "/?motors", JSON_TYPE, body);
      const until = performance.now() + 200;
      let edge: bigint | null = null;
      while (edge === null && performance.now() < until) {
        edge = readEdges(map.buffer, from).edges.find((e) => e.pin === LEFT_IN1 && e.ns >= sent)?.ns ?? null;
        if (edge === null) await Bun.sleep(0);
      }
      if (edge !== null) command.push(Number(edge - sent) / 1000);
      const t0 = performance.now();
      await c.request("GET", "/?ping");
      ping.push((performance.now() - t0) * 1000);
      await Bun.sleep(COMMAND_GAP_MS);
    }
  } finally {
    c.close();
    map.close();
  }
  return {
    command: { p50Us: quantile(command, 50), p99Us: quantile(command, 99) },
    ping: { p50Us: quantile(ping, 50), p99Us: quantile(ping, 99) },
  };
}

/** Seconds of each tone row, httap's and the floor's alike, so a host's hiccup has the same chance to land in both. */
const TONE_SECONDS = 3;

/**
 * A 1 kHz tone's edge error over TONE_SECONDS whole seconds from its second on (the engine reports each second
 * whole): the median second's p99, the worst second's max (`acrossSeconds`).
 */
async function tone(server: Server, loaded: boolean): Promise<ToneFigures> {
  const toneMs = (TONE_SECONDS + 2) * 1000;
  await fetch(`http://127.0.0.1:${server.port}/?speaker`, { method: "POST", body: `{"freq":1000,"ms":${toneMs}}` });
  const measure = async () => {
    const seconds: RtFigures[] = [];
    for (let i = 0; i < TONE_SECONDS; i++) {
      await Bun.sleep(i === 0 ? 2200 : 1000);
      seconds.push(await rt(server.port));
    }
    return {
      ...acrossSeconds(seconds.map((x) => x.edgeErrorUs.lastSecond)),
      cpuPercent: seconds.reduce((sum, x) => sum + x.engineCpuPercent, 0) / seconds.length,
      wakeLateMaxUs: Math.max(...seconds.map((x) => x.engineWakeLateMaxUs)),
      own: acrossSeconds(seconds.map((x) => x.edgeErrorUs.lastSecondOwn)),
    };
  };
  const e = loaded ? await underLoad(server, TONE_SECONDS * 1000 + 1500, measure) : await measure();
  await Bun.sleep(1200); // the tone's last 0.8 s, and the engine idle again
  return e;
}

const FLOOR_MS = 2000;
/** The floor's tone rows wake this long before each edge (the engine's margin is at most 200 µs). */
const FLOOR_SPIN_US = 200;

/**
 * The floor's rows (see FloorRows): its Worker in a process on the server's CPU, SCHED_FIFO when `fifo`, the simulator
 * file beside `simFile` (the file system decides what a pin write costs in page faults); loaded by the same 8
 * connections to `server` as httap's row. About 12 s.
 */
export async function floorPhases(server: Server, simFile: string, fifo: boolean): Promise<FloorRows> {
  // without SCHED_FIFO, the least timer slack (1 ns), as the engine takes: the best the runtime can do either way
  const base = { fifo, slackNs: fifo ? null : 1, simDir: dirname(simFile), durationMs: FLOOR_MS };
  const toneBase = { ...base, spinUs: FLOOR_SPIN_US, durationMs: TONE_SECONDS * 1000 };
  const toneIdle = await engineFloor(toneBase);
  const toneLoaded = await underLoad(server, toneBase.durationMs + 1500, () => engineFloor(toneBase));
  const both = await engineFloor({ ...base, motors: true });
  const spinUs = Math.max(1, Math.ceil(both.overshoot.p99Us));
  const covered = await engineFloor({ ...base, motors: true, spinUs });
  return {
    fifo: toneIdle.fifo,
    toneIdle,
    toneLoaded,
    cpuPercent: both.cpuPercent,
    sleepingEdgeError: both.edgeError,
    covered: { spinUs, edgeError: covered.edgeError, cpuPercent: covered.cpuPercent },
  };
}

/**
 * The edge error over several seconds, each as the engine reports it: the median second's p50 and p99, the worst
 * second's max. One second alone read p99 791 µs in a bench run, where a probe of the same build read 95-104 µs over
 * three; the idle tone 80 µs in one second, 8 µs in the run before.
 */
function acrossSeconds(seconds: readonly EdgeError[]): EdgeError {
  return {
    p50Us: median(seconds.map((e) => e.p50Us)),
    p99Us: median(seconds.map((e) => e.p99Us)),
    maxUs: Math.max(...seconds.map((e) => e.maxUs)),
    count: seconds.reduce((n, e) => n + e.count, 0),
  };
}

export async function hardwarePhases(server: Server, simFile: string): Promise<HardwareFigures> {
  // Warm the engine (it starts with the first timed command) and its JIT.
  await fetch(`http://127.0.0.1:${server.port}/?speaker`, { method: "POST", body: '{"freq":2000,"ms":500}' });
  await Bun.sleep(700);
  const toneIdle = await tone(server, false);
  const toneLoaded = await tone(server, true);
  const idle = await commandLatency(server, simFile);
  const loaded = await underLoad(server, COMMANDS * (COMMAND_GAP_MS + 3) + 500, () => commandLatency(server, simFile));
  // CPU: a tone and both motors at half speed, the drive re-sent well inside the dead-man time.
  // The engine's own CPU figure covers its last whole second and swings with the host: three seconds are averaged,
  // read from 2 s on, so the first is not a second that began before the tone and the motors did.
  await fetch(`http://127.0.0.1:${server.port}/?speaker`, { method: "POST", body: '{"freq":1000,"ms":5000}' });
  // The spin is a running counter: read from 1 s on as well, so it covers the seconds the three CPU figures do.
  const readings: { at: number; rt: RtFigures }[] = [];
  let spinFrom: { at: number; rt: RtFigures } | null = null;
  for (let i = 0; i < 22; i++) {
    await fetch(`http://127.0.0.1:${server.port}/?motors`, { method: "POST", body: '{"left":0.5,"right":0.5}' });
    if (i === 5) spinFrom = { at: performance.now(), rt: await rt(server.port) }; // 1 s
    if (i === 10 || i === 15 || i === 20) readings.push({ at: performance.now(), rt: await rt(server.port) }); // 2, 3, 4 s
    await Bun.sleep(200);
  }
  const last = readings[readings.length - 1];
  const r = last.rt;
  const cpuPercent = readings.reduce((sum, x) => sum + x.rt.engineCpuPercent, 0) / readings.length;
  const from = spinFrom!; // read at i === 5 above
  const spin = spinBetween(from.rt, r, last.at - from.at);
  console.log(
    `bench: engine CPU ${cpuPercent.toFixed(1)} % of a core (${readings.map((x) => x.rt.engineCpuPercent).join(", ")}): ` +
      `spin ${spin.spinPercent.toFixed(1)} %, ${spin.sleepsPerS.toFixed(0)} sleeps a second, margin now ${r.engineSpinMarginUs} µs`,
  );
  await fetch(`http://127.0.0.1:${server.port}/?motors`, { method: "POST", body: '{"stop":true}' });
  await Bun.sleep(800);
  const floor = await floorPhases(server, simFile, r.realtimePriority);
  return {
    realtime: r.realtimePriority,
    toneIdle,
    toneLoaded,
    commandIdle: idle.command,
    commandLoaded: loaded.command,
    pingIdle: idle.ping,
    pingLoaded: loaded.ping,
    cpuPercent,
    spinPercent: spin.spinPercent,
    cpuEdgeError: acrossSeconds(readings.map((x) => x.rt.edgeErrorUs.lastSecond)),
    floor,
  };
}
