import { describe, expect, test } from "bun:test";
import { waitFor } from "../../test/support/wait.ts";
import { mkdtempSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FakeRp1 } from "../gpio/fakes.test-support.ts";
import { Rp1Gpio } from "../gpio/rp1-gpio.ts";
import { Buttons } from "./buttons.ts";
import { Motors } from "./motors.ts";
import { SysfsPwm } from "./sysfs-pwm.ts";

describe("motors", () => {
  test("the dead-man stop: no drive for deadmanMs and both coast, once; a drive re-arms it", async () => {
    const sent: [number, number][] = [];
    // 1 s: a busy machine may stall this test for most of a second and the re-drive still comes in time
    const m = new Motors({ engine: () => ({ motors: (l, r) => void sent.push([l, r]) }), pwmHz: 250, deadmanMs: 1000 });
    m.drive(0.5, -0.5);
    await Bun.sleep(60);
    m.drive(0.5, -0.5); // within the time: re-armed
    await Bun.sleep(60);
    expect(m.speeds).toEqual({ left: 0.5, right: -0.5 });
    await waitFor(() => m.speeds.left === 0); // the dead-man stop, waited for rather than timed
    expect(m.speeds).toEqual({ left: 0, right: 0 });
    expect(m.lastStop).toBe("deadman");
    expect(sent).toEqual([
      [0.5, -0.5],
      [0.5, -0.5],
      [0, 0],
    ]);
    m.stop("session-end"); // already still: the engine is not bothered (nor started)
    expect(sent.length).toBe(3);
  });
});

describe("buttons", () => {
  test("pressed = low with a pull-up; a change counts after 20 ms of the same reading; bounces are ignored", () => {
    const bus = new FakeRp1();
    const gpio = new Rp1Gpio({ bus, description: "fake" });
    let now = 0;
    const b = new Buttons(gpio, { go: 4 }, () => now);
    let changes = 0;
    b.start(() => changes++);
    b.stop(); // sample by hand with our own clock
    expect(b.state()).toEqual({ go: false }); // pulled up: reads 1, not pressed
    const press = (down: boolean) => {
      const pad = (0x20000 + 4 + 4 * 4) / 4;
      bus.words[pad] = down ? bus.words[pad] & ~0b1000 : bus.words[pad] | 0b1000;
    };
    press(true);
    b.sample(); // t=0: new reading
    now = 5;
    press(false);
    b.sample(); // a bounce
    now = 10;
    press(true);
    b.sample();
    now = 25;
    b.sample(); // 15 ms stable: not yet
    expect(b.state().go).toBe(false);
    now = 30;
    b.sample(); // 20 ms stable
    expect(b.state().go).toBe(true);
    expect(changes).toBe(1);
  });
});

describe("sysfs PWM", () => {
  test("exports the channel, lowers the duty before the period, then enables; off writes enable 0", () => {
    const root = mkdtempSync(join(tmpdir(), "httap-pwm-"));
    try {
      mkdirSync(join(root, "pwmchip0"));
      writeFileSync(join(root, "pwmchip0", "export"), "");
      expect(SysfsPwm.open(root, 1, 0)).toBeNull(); // no such chip: the engine makes the tone
      expect(() => SysfsPwm.open(root, 0, 0)).toThrow(/did not create/); // a real kernel creates pwm0 on export
      expect(readFileSync(join(root, "pwmchip0", "export"), "utf8")).toBe("0");
      mkdirSync(join(root, "pwmchip0", "pwm0"));
      for (const f of ["period", "duty_cycle", "enable"]) writeFileSync(join(root, "pwmchip0", "pwm0", f), "0\n");
      const pwm = SysfsPwm.open(root, 0, 0)!;
      expect(pwm.read("enable")).toBe(0);
      pwm.tone(1000);
      expect([pwm.read("period"), pwm.read("duty_cycle"), pwm.read("enable")]).toEqual([1_000_000, 500_000, 1]);
      // the files stay open: once their paths are gone (as after the sandbox's chroot) the values still land
      const moved = `${root}-moved`;
      renameSync(root, moved);
      try {
        pwm.tone(2000); // a shorter value over a longer one: each write replaces the whole value
        expect(readFileSync(join(moved, "pwmchip0", "pwm0", "period"), "utf8")).toBe("500000");
        pwm.off();
        expect(readFileSync(join(moved, "pwmchip0", "pwm0", "enable"), "utf8")).toBe("0");
        pwm.close();
        pwm.tone(440); // closed: nothing is written any more
        expect(readFileSync(join(moved, "pwmchip0", "pwm0", "enable"), "utf8")).toBe("0");
      } finally {
        renameSync(moved, root);
      }
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
