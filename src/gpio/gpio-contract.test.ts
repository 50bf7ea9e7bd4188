/** The one contract every backend keeps (issue 7), run against each: the simulator over a real mapped file, the
 * BCM2711 code over that simulator, RP1 over a fake with its layout, and the character device over a fake kernel. */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openHeaderChip } from "./chardev-gpio.ts";
import { FakeKernel, FakeRp1 } from "./fakes.test-support.ts";
import type { GpioBackend } from "./gpio-backend.ts";
import { Rp1Gpio } from "./rp1-gpio.ts";
import { openSimBackend } from "./sim-file.ts";

const dir = mkdtempSync(join(tmpdir(), "httap-gpio-contract-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const backends: [string, () => GpioBackend][] = [
  ["sim", () => openSimBackend(join(dir, `sim-${Math.random()}.bin`), { create: true, removeOnClose: true }).backend],
  ["rp1", () => new Rp1Gpio({ bus: new FakeRp1(), description: "fake RP1" })],
  ["chardev", () => openHeaderChip(new FakeKernel())],
];

for (const [name, make] of backends) {
  describe(`GpioBackend contract: ${name}`, () => {
    test("once closed, nothing is written through it (a clear error, never unmapped memory); closing twice is harmless", () => {
      const g = make();
      g.setMode(17, "out");
      g.close();
      expect(() => g.write(17, 1)).toThrow();
      g.close();
    });

    test("an output reads back what was written", () => {
      const g = make();
      g.setMode(17, "out");
      g.write(17, 1);
      expect(g.read(17)).toBe(1);
      expect(g.functionOf(17)).toBe("out");
      g.write(17, 0);
      expect(g.read(17)).toBe(0);
      g.close();
    });

    test("a level written before the pin is an output is the level it starts with", () => {
      const g = make();
      g.write(5, 1);
      g.setMode(5, "out");
      expect(g.read(5)).toBe(1);
      g.close();
    });

    test("an input follows its pull: up reads 1, down reads 0, and the pull reads back", () => {
      const g = make();
      g.setMode(22, "in");
      g.setPull(22, "up");
      expect(g.read(22)).toBe(1);
      expect(g.pullOf(22)).toBe("up");
      g.setPull(22, "down");
      expect(g.read(22)).toBe(0);
      expect(g.pullOf(22)).toBe("down");
      expect(g.functionOf(22)).toBe("in");
      g.close();
    });

    test("a pull set before the mode is in force once the pin has its direction (the safe state's order)", () => {
      const g = make();
      g.write(9, 0);
      g.setPull(9, "down");
      g.setMode(9, "out");
      expect(g.pullOf(9)).toBe("down");
      expect(g.read(9)).toBe(0);
      expect(g.functionOf(9)).toBe("out");
      g.close();
    });

    test("handing a pin over changes nothing: it stays driven, at its level, and this side can still read it", () => {
      const g = make();
      g.write(6, 1);
      g.setMode(6, "out");
      const held = g.handOver(6);
      if (held !== null) expect(held).toMatchObject({ pin: 6, mode: "out", level: 1 }); // chardev: the request itself
      expect(g.functionOf(6)).toBe("out");
      expect(g.read(6)).toBe(1);
      g.close();
    });

    test("pins 0-27 only", () => {
      const g = make();
      expect(() => g.setMode(28, "out")).toThrow(/not a header pin/);
      expect(() => g.read(-1)).toThrow(/not a header pin/);
      expect(() => g.write(2.5, 1)).toThrow(/not a header pin/);
      g.close();
    });
  });
}
