/**
 * @module What every check works with: the guest (commands), the machine (registers), the report, the backend under
 * test, and the rc-car profile's pins as `src/devices/board-profile.ts` defines them. Register waits poll until a
 * condition holds or a generous bound passes; they never judge how long it took.
 */
import { loadProfile, outputPins } from "../../src/devices/board-profile.ts";
import type { GpioSnapshot } from "./gpio-registers.ts";
import type { Guest } from "./guest.ts";
import type { Machine } from "./machine.ts";
import type { Report } from "./report.ts";

/** The backends the twin runs its checks with. */
export type TwinBackend = "chardev" | "bcm";

/** Bound on waiting for the registers to show a state, in emulator time (see emulator-clock.ts). */
export const REGISTER_WAIT_MS = 20_000;
/** Register reads per sampling check. */
export const SAMPLES = 40;
/** Emulator time between two reads of a sampling: random in this range. */
const MIN_GAP_MS = 1;
const MAX_GAP_MS = 10;

const RC_CAR = loadProfile("rc-car");
if (RC_CAR.motors === null) throw new Error("the rc-car profile has no motors");

export const PINS = {
  left: RC_CAR.motors.left,
  right: RC_CAR.motors.right,
  motors: [RC_CAR.motors.left.in1, RC_CAR.motors.left.in2, RC_CAR.motors.right.in1, RC_CAR.motors.right.in2],
  speaker: RC_CAR.speaker,
  status: RC_CAR.leds.status,
  outputs: outputPins(RC_CAR).sort((a, b) => a - b),
  /** The serial console's pins (TXD1/RXD1 of the mini UART: ALT5); httap must leave them alone. */
  uart: [14, 15],
} as const;

export interface Waited {
  readonly met: boolean;
  /** The last read: the state the condition held in, or the one it was still missing in. */
  readonly last: GpioSnapshot;
  /** Emulator milliseconds (emulator-clock.ts) from the start of the wait to the last read. */
  readonly emulatorMs: number;
  /** How long that was, for a report line ("20 s", or with the wall time when QEMU was starved). */
  readonly waited: string;
}

export class TwinContext {
  readonly guest: Guest;
  readonly machine: Machine;
  readonly report: Report;
  readonly backend: TwinBackend;

  constructor(guest: Guest, machine: Machine, report: Report, backend: TwinBackend) {
    this.guest = guest;
    this.machine = machine;
    this.report = report;
    this.backend = backend;
  }

  /** "chardev: motors full" */
  name(check: string): string {
    return `${this.backend}: ${check}`;
  }

  /** Reads the registers until `condition` holds or `timeoutMs` of emulator time passes. */
  async waitFor(condition: (s: GpioSnapshot) => boolean, timeoutMs = REGISTER_WAIT_MS): Promise<Waited> {
    const watch = this.machine.clock.start();
    for (;;) {
      const last = await this.machine.readGpio();
      const emulatorMs = watch.emulatorMs;
      if (condition(last)) return { met: true, last, emulatorMs, waited: watch.describe() };
      if (watch.isPast(timeoutMs)) return { met: false, last, emulatorMs, waited: watch.describe() };
      await Bun.sleep(20);
    }
  }

  /**
   * `n` reads, each after QEMU ran a few random milliseconds more (random: a periodic signal is not read at one phase;
   * on the emulator's clock: a starved QEMU shows a frozen latch, not a steady pin). Stops early, `cutShort`, after
   * `wallLimitMs` of wall time: a tone plays for its time on the guest's clock, which goes on while QEMU waits.
   */
  async sample(n = SAMPLES, wallLimitMs = Infinity): Promise<Sampling> {
    const watch = this.machine.clock.start();
    const samples: GpioSnapshot[] = [];
    const result = (cutShort: boolean): Sampling => ({ samples, cutShort, span: watch.describe() });
    while (samples.length < n) {
      if (watch.wallMs > wallLimitMs) return result(true);
      samples.push(await this.machine.readGpio());
      const next = watch.emulatorMs + MIN_GAP_MS + Math.random() * (MAX_GAP_MS - MIN_GAP_MS);
      while (watch.emulatorMs < next && watch.wallMs <= wallLimitMs && !watch.isPast(REGISTER_WAIT_MS)) await Bun.sleep(2);
    }
    return result(false);
  }
}

export interface Sampling {
  readonly samples: readonly GpioSnapshot[];
  /** Cut short by the wall-time limit: QEMU was starved, the signal may have ended before it was seen. */
  readonly cutShort: boolean;
  /** How long the reads took ("1 s", or with the wall time when QEMU was starved). */
  readonly span: string;
}

/** "12: 17 high / 23 low" over the samples. */
export function levelCounts(samples: readonly GpioSnapshot[], pin: number): { high: number; low: number; text: string } {
  const high = samples.filter((s) => s.level(pin) === 1).length;
  const low = samples.length - high;
  return { high, low, text: `${pin}: ${high} high / ${low} low` };
}

/** Every profile output is an output at 0. */
export function outputsLow(s: GpioSnapshot, pins: readonly number[] = PINS.outputs): boolean {
  return pins.every((p) => s.isOutputAt(p, 0));
}

/** No output drives high: each is an output at 0 or released (input). */
export function notDrivenHigh(s: GpioSnapshot, pins: readonly number[] = PINS.outputs): boolean {
  return pins.every((p) => s.isOutputAt(p, 0) || s.fsel(p) === 0);
}
