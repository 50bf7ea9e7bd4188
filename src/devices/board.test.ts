import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openSimBackend } from "../gpio/sim-file.ts";
import { Board, NotOnThisBoard, PinOwned } from "./board.ts";
import { loadProfile } from "./board-profile.ts";
import { EngineUnavailable } from "./engine-unavailable.ts";
import { Hardware } from "./hardware.ts";

const dir = mkdtempSync(join(tmpdir(), "httap-board-"));
const boards: Hardware[] = [];
afterAll(async () => {
  for (const h of boards) await h.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A board on the simulator (no engine is started by these tests: they make no tone and drive no motor). */
function board(profile: string) {
  const path = join(dir, `${profile}-${boards.length}.bin`);
  const sim = openSimBackend(path, { create: true, removeOnClose: true });
  const gpio = { backend: sim.backend, simPath: path, notices: [], unavailable: null, soc: sim.soc, registers: null };
  const hw = new Hardware(sim.backend, {
    profile: loadProfile(profile),
    gpio,
    pwmSysfs: join(dir, "no-pwm"),
    motorPwmHz: 250,
    deadmanMs: 500,
    realtime: false,
    log: () => {},
  });
  boards.push(hw);
  return { board: new Board(hw), soc: sim.soc, gpio: sim.backend, hw };
}

describe("the board's rules live in the board", () => {
  test("a pin a role owns is refused with PinOwned and left as it was; a free pin is set pull, level, then mode", () => {
    const { board: b, gpio } = board("rc-car");
    expect(() => b.setPin(5, { mode: "out", level: 1 })).toThrow(PinOwned);
    expect(b.pin(5)).toMatchObject({ mode: "out", level: 0, role: expect.stringContaining("motor") });
    const calls: string[] = [];
    const spy = gpio as unknown as Record<string, (...a: unknown[]) => unknown>;
    for (const m of ["setPull", "write", "setMode"]) {
      const real = spy[m].bind(gpio);
      spy[m] = (...a: unknown[]) => {
        calls.push(m);
        return real(...a);
      };
    }
    expect(b.setPin(17, { mode: "out", level: 1, pull: "down" })).toMatchObject({
      pin: 17,
      mode: "out",
      level: 1,
      pull: "down",
      role: null,
    });
    expect(calls).toEqual(["setPull", "write", "setMode"]); // an output starts at its level, never at the old one
  });

  test("LEDs all or nothing: an unknown name changes none", () => {
    const { board: b } = board("simon");
    expect(() => b.setLeds({ red: true, purple: true })).toThrow(NotOnThisBoard);
    expect(b.leds().red).toBe(false);
    b.setLeds({ red: true, green: true });
    expect(b.leds()).toMatchObject({ red: true, green: true, blue: false });
  });

  test("quiet: every LED off (a player who left leaves no lit LED); the status LED follows the owner", () => {
    const { board: b } = board("simon");
    b.showOwned(true);
    b.setLeds({ red: true, yellow: true });
    b.quiet("session-end");
    expect(Object.values(b.leds()).every((on) => !on)).toBe(true);
  });

  test("quiet with a failed engine: the motors and speaker have nothing to stop, the LEDs still go off, nothing throws", () => {
    const { board: b, hw } = board("simon");
    b.setLeds({ red: true });
    const unavailable = () => {
      throw new EngineUnavailable("the real-time engine failed (test)");
    };
    (hw.speaker as unknown as { stop: () => void }).stop = unavailable;
    expect(() => b.quiet("session-end")).not.toThrow();
    expect(Object.values(b.leds()).every((on) => !on)).toBe(true);
  });

  test("a board without motors says so as a missing device; a missing button as a missing name", () => {
    const { board: b } = board("simon");
    expect(b.hasMotors).toBe(false);
    try {
      b.drive(1, 1);
      throw new Error("drove");
    } catch (e) {
      expect((e as NotOnThisBoard).missing).toBe("device");
    }
    try {
      b.button("purple");
      throw new Error("read");
    } catch (e) {
      expect((e as NotOnThisBoard).missing).toBe("name");
    }
  });
});
