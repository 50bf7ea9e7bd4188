/**
 * @module Test support: the pins of a simulated board, read from the simulator file the server writes (issue 8). A
 * level is the level register's bit now; an edge is a line of the edge log (never missed, however late this process
 * looks). "Quiet" is all low with no edge for 60 ms (15 PWM periods at 250 Hz), waited for up to WAIT_MS. Used by the
 * page tests and by `npm run bench`.
 */
import { attachSimFile } from "../../src/gpio/sim-file.ts";
import { readEdges, type SimEdge } from "../../src/gpio/sim-layout.ts";
import type { Mapping } from "../../src/os/libc.ts";
import { WAIT_MS } from "./wait.ts";

/** The car's four motor pins (left and right, each forward and back). */
export const MOTOR_PINS: readonly number[] = [5, 6, 23, 24];
/** The level register GPLEV0, as an index into the file's 32-bit words. */
const GPLEV0 = 0x34 / 4;
/** How long pins must show no edge to count as still (ms): 15 PWM periods at 250 Hz. */
const STILL_MS = 60;

/** Motor edges logged since edge index `from` (`count` is where the log stands now). */
export function motorEdges(buffer: ArrayBuffer, from: number): { edges: SimEdge[]; count: number } {
  const log = readEdges(buffer, from);
  return { edges: log.edges.filter((e) => MOTOR_PINS.includes(e.pin)), count: log.count };
}

/** The simulator file of a running server, attached; `close()` when done. */
export class SimPins {
  readonly #map: Mapping;

  constructor(simFile: string) {
    this.#map = attachSimFile(simFile);
  }

  get buffer(): ArrayBuffer {
    return this.#map.buffer;
  }

  /** The level of `pin` now (0 or 1). An arrow, as the checks below are: they can be handed to `waitFor`. */
  readonly level = (pin: number): number => (Atomics.load(new Uint32Array(this.#map.buffer), GPLEV0) >>> pin) & 1;

  /** The motor pins' levels now, in MOTOR_PINS order. */
  readonly motorLevels = (): number[] => MOTOR_PINS.map(this.level);

  /** Whether a motor pin is high now. */
  readonly motorsHigh = (): boolean => MOTOR_PINS.some((p) => this.level(p) === 1);

  /** Where the edge log stands now: pass it to `edgesSince` later. */
  readonly edgeCount = (): number => readEdges(this.#map.buffer).count;

  /** The edges logged since edge index `from`. */
  edgesSince(from: number): SimEdge[] {
    return readEdges(this.#map.buffer, from).edges;
  }

  /** `pins` with no edge for 60 ms and, unless `low` is false, all low; waits up to WAIT_MS. */
  async pinsStill(pins: readonly number[], low = true): Promise<boolean> {
    const end = performance.now() + WAIT_MS;
    while (performance.now() < end) {
      const count = this.edgeCount();
      await Bun.sleep(STILL_MS);
      const still = this.edgesSince(count).every((e) => !pins.includes(e.pin));
      if (still && (!low || pins.every((p) => this.level(p) === 0))) return true;
    }
    return false;
  }

  /** The motor pins all low and still for 60 ms; waits up to WAIT_MS. */
  readonly motorsStopped = (): Promise<boolean> => this.pinsStill(MOTOR_PINS);

  close(): void {
    this.#map.close();
  }
}
