import { describe, expect, test } from "bun:test";
import { FakeRp1 } from "./fakes.test-support.ts";
import { Rp1Gpio } from "./rp1-gpio.ts";

describe("RP1 GPIO registers (Pi 5)", () => {
  test("output: OE set through the SET alias (0x12004), FUNCSEL 5 in CTRL (8n + 4), pad IE on and OD off", () => {
    const bus = new FakeRp1();
    bus.words[(0x20000 + 4 + 4 * 17) / 4] = 0x96; // reset value: OD (bit 7) set, IE (bit 6) clear, PDE, schmitt
    bus.words[(8 * 17 + 4) / 4] = 0x1f; // FUNCSEL null
    const gpio = new Rp1Gpio({ bus, description: "test" });
    gpio.setMode(17, "out");
    expect(bus.writes()).toEqual([
      ["w", 0x10000 + 0x4 + 0x2000, 1 << 17],
      ["w", 8 * 17 + 4, 5],
      ["w", 0x20000 + 4 + 4 * 17, (0x96 | 0x40) & ~0x80],
    ]);
    expect(gpio.functionOf(17)).toBe("out");
  });

  test("levels only through the SET (+0x2000) and CLR (+0x3000) aliases of OUT, never a plain write", () => {
    const bus = new FakeRp1();
    const gpio = new Rp1Gpio({ bus, description: "test" });
    gpio.setMode(4, "out");
    bus.log.length = 0;
    gpio.write(4, 1);
    gpio.write(4, 0);
    expect(bus.writes()).toEqual([
      ["w", 0x12000, 1 << 4],
      ["w", 0x13000, 1 << 4],
    ]);
    expect(bus.writes().some(([, at]) => at === 0x10000)).toBe(false);
  });

  test("input: OE cleared through CLR; pulls are PUE (bit 3) / PDE (bit 2) of the pad; levels from SYNC_IN (0x10008)", () => {
    const bus = new FakeRp1();
    const gpio = new Rp1Gpio({ bus, description: "test" });
    gpio.setMode(22, "in");
    expect(bus.writes()[0]).toEqual(["w", 0x13004, 1 << 22]);
    gpio.setPull(22, "up");
    expect(bus.words[(0x20000 + 4 + 4 * 22) / 4] & 0b1100).toBe(0b1000);
    expect(gpio.read(22)).toBe(1);
    gpio.setPull(22, "down");
    expect(bus.words[(0x20000 + 4 + 4 * 22) / 4] & 0b1100).toBe(0b0100);
    expect(gpio.read(22)).toBe(0);
    expect(gpio.pullOf(22)).toBe("down");
    expect(gpio.functionOf(22)).toBe("in");
    expect(gpio.functionOf(2)).toBe("alt"); // FUNCSEL 0 is ALT0 (here: SDA1), not software GPIO
  });
});
