import { describe, expect, test } from "bun:test";
import { BcmGpio, BCM_GPIO_BLOCK_BYTES } from "./bcm-gpio.ts";
import { RecordingBus } from "./fakes.test-support.ts";

function make(soc: "bcm2835" | "bcm2711") {
  const bus = new RecordingBus(BCM_GPIO_BLOCK_BYTES + 12);
  const waits: number[] = [];
  const gpio = new BcmGpio({
    soc,
    bus,
    description: "test",
    waitMicros: (us) => {
      waits.push(us);
      bus.log.push(["w", -1, us]);
    },
  });
  return { bus, gpio, waits };
}

describe("BCM GPIO registers", () => {
  test("GPFSEL: 3 bits a pin, 10 pins a word, other pins untouched", () => {
    const { bus, gpio } = make("bcm2711");
    bus.words[0x08 / 4] = 0b100_100; // GPFSEL2: pins 20 and 21 in alternate function 0
    gpio.setMode(23, "out");
    expect(bus.words[0x08 / 4]).toBe(0b001_000_100_100); // pin 23 = bits 9-11
    gpio.setMode(23, "in");
    expect(bus.words[0x08 / 4]).toBe(0b100_100);
    gpio.setMode(9, "out");
    expect(bus.words[0]).toBe(0b001 << 27);
    gpio.setMode(27, "out");
    expect(bus.words[0x08 / 4]).toBe((0b001 << 21) | 0b100_100);
    expect(gpio.functionOf(27)).toBe("out");
    expect(gpio.functionOf(20)).toBe("alt");
    expect(gpio.functionOf(5)).toBe("in");
  });

  test("write goes to GPSET0 (0x1c) or GPCLR0 (0x28) as one bit; read is GPLEV0 (0x34)", () => {
    const { bus, gpio } = make("bcm2835");
    gpio.write(17, 1);
    gpio.write(17, 0);
    gpio.write(0, 1);
    expect(bus.writes()).toEqual([
      ["w", 0x1c, 1 << 17],
      ["w", 0x28, 1 << 17],
      ["w", 0x1c, 1],
    ]);
    bus.words[0x34 / 4] = (1 << 27) | 1;
    expect([gpio.read(27), gpio.read(0), gpio.read(1)]).toEqual([1, 1, 0]);
  });

  test("BCM2835 pull: GPPUD (0x94) 10 = up, 01 = down, clocked by GPPUDCLK0 (0x98) with the waits between", () => {
    const { bus, gpio } = make("bcm2835");
    gpio.setPull(4, "up");
    expect(bus.log).toEqual([
      ["w", 0x94, 0b10],
      ["w", -1, 10],
      ["w", 0x98, 1 << 4],
      ["w", -1, 10],
      ["w", 0x94, 0],
      ["w", 0x98, 0],
    ]);
    bus.log.length = 0;
    gpio.setPull(26, "down");
    expect(bus.writes()[0]).toEqual(["w", 0x94, 0b01]);
    expect(bus.writes()[2]).toEqual(["w", 0x98, 1 << 26]);
    bus.log.length = 0;
    gpio.setPull(5, "none");
    expect(bus.writes()[0]).toEqual(["w", 0x94, 0b00]);
    // write-only on this SoC: what was set is what is reported
    expect([gpio.pullOf(4), gpio.pullOf(26), gpio.pullOf(5), gpio.pullOf(6)]).toEqual(["up", "down", "none", "none"]);
    expect(bus.words[0xe4 / 4]).toBe(0); // the 2711 registers are not touched
  });

  test("BCM2711 pull: GPIO_PUP_PDN_CNTRL_REG0-1 (0xe4/0xe8), 2 bits a pin, 01 = up, 10 = down, read back", () => {
    const { bus, gpio } = make("bcm2711");
    gpio.setPull(4, "up");
    expect(bus.words[0xe4 / 4]).toBe(0b01 << 8);
    gpio.setPull(5, "down");
    expect(bus.words[0xe4 / 4]).toBe((0b01 << 8) | (0b10 << 10));
    gpio.setPull(17, "up");
    expect(bus.words[0xe8 / 4]).toBe(0b01 << 2);
    gpio.setPull(4, "none");
    expect(bus.words[0xe4 / 4]).toBe(0b10 << 10);
    expect(bus.writes().every(([, offset]) => offset !== 0x94 && offset !== 0x98)).toBe(true); // no GPPUD on 2711
    bus.words[0xe8 / 4] |= 0b10 << 22; // pin 27 pulled down by someone else: read from the register
    expect([gpio.pullOf(5), gpio.pullOf(17), gpio.pullOf(27), gpio.pullOf(4)]).toEqual(["down", "up", "down", "none"]);
  });

  test("pins outside the header are refused before any register is touched", () => {
    const { bus, gpio } = make("bcm2711");
    for (const pin of [-1, 28, 1.5, Number.NaN]) expect(() => gpio.write(pin, 1)).toThrow(/not a header pin/);
    expect(bus.log).toEqual([]);
  });
});
