/**
 * The engine's start as the board's commands see it, on the simulator with a real Worker. The times are shortened
 * through the options, never measured: a wait of 0 ms makes "the start took longer than the wait" certain on any
 * machine, which is what a loaded board does to the real 3 s.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GPLEV0 } from "../gpio/bcm-gpio.ts";
import { attachSimFile, openSimBackend } from "../gpio/sim-file.ts";
import { WAIT_MS, waitFor } from "../../test/support/wait.ts";
import { loadProfile } from "./board-profile.ts";
import { EngineUnavailable } from "./engine-unavailable.ts";
import { type EngineStartTimes, Hardware } from "./hardware.ts";

const dir = mkdtempSync(join(tmpdir(), "httap-engine-start-"));
const boards: Hardware[] = [];
afterAll(async () => {
  for (const h of boards) await h.close();
  rmSync(dir, { recursive: true, force: true });
});

function carBoard(engineStart: EngineStartTimes) {
  const path = join(dir, `car-${boards.length}.bin`);
  const sim = openSimBackend(path, { create: true, removeOnClose: true });
  const gpio = { backend: sim.backend, simPath: path, notices: [], unavailable: null, soc: sim.soc, registers: null };
  const log: string[] = [];
  const hw = new Hardware(sim.backend, {
    profile: loadProfile("rc-car"),
    gpio,
    pwmSysfs: join(dir, "no-pwm"),
    motorPwmHz: 250,
    deadmanMs: 500,
    realtime: false,
    log: (line) => log.push(line),
    engineStart,
  });
  boards.push(hw);
  return { hw, motors: hw.motors!, backend: sim.backend, log, path };
}

/** The error a command threw, or null. */
function refusal(command: () => void): EngineUnavailable | null {
  try {
    command();
    return null;
  } catch (error) {
    if (error instanceof EngineUnavailable) return error;
    throw error;
  }
}

describe("a slow engine start", () => {
  test(
    "is kept alive: commands are refused as still starting, nothing is stopped or restarted, and once it runs they drive",
    async () => {
      const { hw, motors, backend, log } = carBoard({ waitMs: 0, limitMs: 60_000 });
      const first = refusal(() => motors.drive(1, 1));
      expect(first?.message).toContain("still starting");
      const starting = hw.engine;
      expect(starting).not.toBeNull();
      expect(hw.engineStatus()).toEqual({ state: "starting", failure: null });
      expect(refusal(() => motors.drive(1, 1))?.message).toContain("still starting"); // no second wait, no new Worker
      expect(hw.engine).toBe(starting);

      expect(await waitFor(() => hw.engineStatus().state === "running")).toBe(true);
      expect(hw.engine).toBe(starting); // the same Worker: it was never given up
      expect(refusal(() => motors.drive(1, 1))).toBeNull();
      expect(await waitFor(() => backend.read(5) === 1 || backend.read(23) === 1)).toBe(true); // a motor pin moves
      motors.stop("command");
      expect(log.filter((line) => line.includes("failed"))).toEqual([]);
    },
    WAIT_MS * 2 + 5_000,
  );

  test("is given up once it has taken longer than the limit: the command says why, and the engine is reported failed", () => {
    const { hw, motors } = carBoard({ waitMs: 0, limitMs: 0 });
    const refused = refusal(() => motors.drive(1, 1));
    expect(refused?.message).toContain("did not start within 0 s");
    expect(hw.engine).toBeNull();
    expect(hw.engineStatus()).toMatchObject({ state: "failed", failure: expect.stringContaining("did not start") });
    expect(motorInputs(hw)).toEqual([0, 0, 0, 0]);
  });
});

/** The four motor inputs of the rc-car board, as the main thread reads them. */
function motorInputs(hw: Hardware): (number | null)[] {
  return [5, 6, 23, 24].map((pin) => hw.gpio.read(pin));
}

describe("a stop cut short", () => {
  test(
    "closeNow while close still waits for the engine: every output low when it returns, the GPIO given back once",
    async () => {
      const { hw, motors, backend, path } = carBoard({ waitMs: WAIT_MS, limitMs: 60_000 });
      motors.drive(1, 1); // the first command waits for the engine's start
      expect(await waitFor(() => backend.read(5) === 1 && backend.read(23) === 1)).toBe(true);
      const levels = new Uint32Array(attachSimFile(path).buffer); // read as a tool would, after the board let go
      let closes = 0;
      const close = backend.close.bind(backend);
      backend.close = () => {
        closes++;
        close();
      };
      const level = (pin: number) => (Atomics.load(levels, GPLEV0) >>> pin) & 1;
      const closing = hw.close(); // asks the engine to quit, and waits for it
      hw.closeNow(); // a second stop signal, or the exit, meanwhile
      for (const pin of [5, 6, 12, 23, 24, 26]) expect(level(pin)).toBe(0);
      expect(existsSync(path)).toBe(false); // the default file's removal: the GPIO was closed
      await closing; // and the first close ends without closing anything twice
      expect(closes).toBe(1);
      expect(motors.isArmed).toBe(false); // the dead-man cannot ask the engine that is gone
      expect(motors.lastStop).toBe("shutdown");
    },
    WAIT_MS * 2 + 5_000,
  );
});
