/**
 * @module Time as the emulator gets it: wall time minus the time QEMU's busiest thread waited for a CPU while it could
 * have run (`run_delay`, the second field of /proc/<pid>/task/<tid>/schedstat). QEMU runs under `nice -n 19` on a
 * shared host, so a loaded machine can stall the guest for minutes; bounds measured on this clock stay short for a
 * broken build and never expire merely because others took the CPU. Where schedstat is missing it is wall time.
 */
import { readdirSync, readFileSync } from "node:fs";

/** However starved, no wait lasts longer than this in wall time. */
export const WALL_CAP_MS = 30 * 60_000;

export class EmulatorClock {
  readonly #pid: number;

  constructor(pid: number) {
    this.#pid = pid;
  }

  /** A stopwatch started now. */
  start(): Stopwatch {
    return new Stopwatch(this, performance.now(), this.runDelays());
  }

  /** Nanoseconds each thread of QEMU has waited on a run queue, by thread id. */
  runDelays(): Map<string, number> {
    const out = new Map<string, number>();
    let tids: string[];
    try {
      tids = readdirSync(`/proc/${this.#pid}/task`);
    } catch {
      return out;
    }
    for (const tid of tids) {
      try {
        const fields = readFileSync(`/proc/${this.#pid}/task/${tid}/schedstat`, "latin1").trim().split(/\s+/);
        out.set(tid, Number(fields[1]));
      } catch {
        // the thread ended meanwhile
      }
    }
    return out;
  }
}

export class Stopwatch {
  readonly #clock: EmulatorClock;
  readonly #wallStart: number; // performance.now() at start
  readonly #delaysAtStart: Map<string, number>; // run_delay per thread at start

  constructor(clock: EmulatorClock, wallStart: number, delays: Map<string, number>) {
    this.#clock = clock;
    this.#wallStart = wallStart;
    this.#delaysAtStart = delays;
  }

  get wallMs(): number {
    return performance.now() - this.#wallStart;
  }

  /** Milliseconds since start that QEMU was not kept from running. */
  get emulatorMs(): number {
    let starved = 0;
    for (const [tid, ns] of this.#clock.runDelays()) starved = Math.max(starved, ns - (this.#delaysAtStart.get(tid) ?? 0));
    return Math.max(0, this.wallMs - starved / 1e6);
  }

  /** True once `ms` of emulator time (or the wall cap) has passed. */
  isPast(ms: number): boolean {
    return this.emulatorMs > ms || this.wallMs > WALL_CAP_MS;
  }

  /** "20 s", or "320 ms of emulator time (1.4 s wall)" when QEMU was kept waiting for a tenth of it or more. */
  describe(): string {
    const emulator = this.emulatorMs;
    const wall = this.wallMs;
    const say = (ms: number) =>
      ms < 1000 ? `${Math.round(ms)} ms` : ms < 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 1000)} s`;
    return emulator >= 0.9 * wall ? say(wall) : `${say(emulator)} of emulator time (${say(wall)} wall)`;
  }
}
