/**
 * @module The BCM2837 GPIO block as QEMU's raspi3b models it, read from outside the guest (`xp /16wx 0x3f200000`
 * through the monitor): GPFSEL0-5, GPSET0/1, GPCLR0/1, GPLEV0/1. QEMU's GPLEV is the output latch that GPSET/GPCLR
 * wrote, not an electrical level (it models no pulls and no input drive); a released line shows its function.
 */

/** Physical address of the GPIO block on the BCM2837 (the ARM's view; the bus address is 0x7e200000). */
export const GPIO_BLOCK = 0x3f200000;
/** The monitor command that reads the first 16 words of the block. */
export const READ_GPIO_BLOCK = `xp /16wx 0x${GPIO_BLOCK.toString(16)}`;

const GPFSEL0 = 0;
const GPLEV0 = 13; // word index: 0x34 / 4
const WORDS = 16;

/** GPFSEL function codes (BCM2835 ARM Peripherals, 6.1). */
export const FSEL_INPUT = 0b000;
export const FSEL_OUTPUT = 0b001;
export const FSEL_ALT5 = 0b010;

const FUNCTION_NAMES = ["in", "out", "alt5", "alt4", "alt0", "alt1", "alt2", "alt3"];

export class GpioSnapshot {
  readonly words: readonly number[];

  constructor(words: readonly number[]) {
    if (words.length < WORDS) throw new Error(`expected ${WORDS} register words, got ${words.length}`);
    this.words = words;
  }

  /** The 3-bit function of a pin (0-53). */
  fsel(pin: number): number {
    return (this.words[GPFSEL0 + Math.floor(pin / 10)] >>> (3 * (pin % 10))) & 7;
  }

  /** The latch bit of a pin 0-31. */
  level(pin: number): 0 | 1 {
    return ((this.words[GPLEV0] >>> pin) & 1) as 0 | 1;
  }

  isOutputAt(pin: number, level: 0 | 1): boolean {
    return this.fsel(pin) === FSEL_OUTPUT && this.level(pin) === level;
  }

  /** "5:out/1" for each pin: the function and the latch. */
  pins(pins: readonly number[]): string {
    return pins.map((p) => `${p}:${FUNCTION_NAMES[this.fsel(p)]}/${this.level(p)}`).join(" ");
  }

  /** The words a check prints: GPFSEL0-2 (pins 0-29) and GPLEV0. */
  toString(): string {
    const hex = (w: number) => `0x${w.toString(16).padStart(8, "0")}`;
    return `GPFSEL0=${hex(this.words[0])} GPFSEL1=${hex(this.words[1])} GPFSEL2=${hex(this.words[2])} GPLEV0=${hex(this.words[GPLEV0])}`;
  }
}

/** The words of an `xp /Nwx` answer: lines of "000000003f200000: 0x00000000 0x00000000 …". */
export function parseMemoryDump(text: string): number[] {
  const words: number[] = [];
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*[0-9a-f]+:((?:\s+0x[0-9a-f]+)+)\s*$/i.exec(line);
    if (m !== null) for (const w of m[1].trim().split(/\s+/)) words.push(Number.parseInt(w, 16));
  }
  return words;
}
