import { expect, test } from "bun:test";
import { FSEL_ALT5, FSEL_OUTPUT, GpioSnapshot, parseMemoryDump } from "./gpio-registers.ts";

// What QEMU 7.2 answers to `xp /16wx 0x3f200000` on raspi3b after httap drove pin 5 high (UART on 14/15: ALT5).
const DUMP = [
  "000000003f200000: 0x00008000 0x00012040 0x00000000 0x00000000",
  "000000003f200010: 0x00000000 0x00000000 0x00000000 0x00000000",
  "000000003f200020: 0x00000000 0x00000000 0x00000000 0x00000000",
  "000000003f200030: 0x00000000 0x00000020 0x00000000 0x00000000",
  "",
].join("\r\n");

test("an xp dump parses into sixteen words, pins read their function and latch", () => {
  const words = parseMemoryDump(DUMP);
  expect(words).toHaveLength(16);
  const s = new GpioSnapshot(words);
  expect(s.fsel(5)).toBe(FSEL_OUTPUT);
  expect(s.level(5)).toBe(1);
  expect(s.fsel(14)).toBe(FSEL_ALT5);
  expect(s.fsel(15)).toBe(FSEL_ALT5);
  expect(s.isOutputAt(5, 1)).toBe(true);
  expect(s.pins([5, 6, 14])).toBe("5:out/1 6:in/0 14:alt5/0");
  expect(s.toString()).toBe("GPFSEL0=0x00008000 GPFSEL1=0x00012040 GPFSEL2=0x00000000 GPLEV0=0x00000020");
});

test("a short or garbled dump is refused, not read as zeros", () => {
  expect(() => new GpioSnapshot(parseMemoryDump("Cannot access memory\r\n"))).toThrow("expected 16 register words");
});
