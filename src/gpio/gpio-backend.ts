/**
 * @module What every GPIO backend offers (issue 7): a pin's mode, pull, level, and a close. Pins are BCM numbers
 * of the 40-pin header (0-27), the same on every Pi. Backends are synchronous and cheap: a register access or one
 * ioctl, so the device layer may call them from a request routine or a timer without blocking the loop.
 */

/** The header's GPIO lines: BCM 0-27 on every 40-pin Pi (0 and 1 are the HAT EEPROM's I2C). */
export const HEADER_PINS = 28;

export type PinMode = "in" | "out";
/** What a pin reads as: "alt" when a peripheral function owns it (I2C, SPI, UART, PWM...). */
export type PinFunction = PinMode | "alt";
export type Pull = "up" | "down" | "none";
export type Level = 0 | 1;

export type BackendKind = "bcm2835" | "bcm2711" | "rp1" | "chardev" | "sim";

export interface GpioBackend {
  readonly kind: BackendKind;
  /** One line for logs and `/?gpio`: what drives the pins ("BCM2711 registers via /dev/gpiomem"). */
  readonly description: string;
  setMode(pin: number, mode: PinMode): void;
  setPull(pin: number, pull: Pull): void;
  /** Drives an output; on an input it sets the level the pin takes when it becomes an output. */
  write(pin: number, level: Level): void;
  read(pin: number): Level;
  functionOf(pin: number): PinFunction;
  /** The pull in force: read back where the hardware can (BCM2711, RP1), else the last one set ("none" before). */
  pullOf(pin: number): Pull;
  /** Lets go of a pin so another thread may take it (the chardev's line request; registers need nothing). */
  release(pin: number): void;
  close(): void;
}

/** A pin number the header has, or an error naming it. */
export function checkPin(pin: number): void {
  if (!Number.isInteger(pin) || pin < 0 || pin >= HEADER_PINS) throw new RangeError(`GPIO ${pin} is not a header pin (0-${HEADER_PINS - 1})`);
}

/** 32-bit register access: real memory-mapped I/O, the simulator, or a fake in tests. Word indices, not bytes. */
export interface RegisterBus {
  read(word: number): number;
  write(word: number, value: number): void;
}

/**
 * Registers behind a mapping. `Atomics` makes every access a real, ordered 32-bit load or store: the JIT may not
 * merge, drop or reorder them, which is what `volatile` gives C drivers.
 */
export class MappedRegisters implements RegisterBus {
  readonly #words: Uint32Array;
  constructor(buffer: ArrayBuffer, byteOffset = 0, byteLength = buffer.byteLength - byteOffset) {
    this.#words = new Uint32Array(buffer, byteOffset, byteLength / 4);
  }
  read(word: number): number {
    return Atomics.load(this.#words, word);
  }
  write(word: number, value: number): void {
    Atomics.store(this.#words, word, value >>> 0);
  }
}
