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

/**
 * A line request this process holds (the character device): its fd and its configuration, as plain data, so the
 * main thread can pass it to the engine Worker. A file descriptor belongs to the process, not to a thread: the
 * Worker issues its ioctls on the same fd, and the line is never released between the two.
 */
export interface HeldLine {
  readonly pin: number;
  readonly fd: number;
  readonly mode: PinMode;
  readonly pull: Pull;
  readonly level: Level;
}

export interface GpioBackend {
  readonly kind: BackendKind;
  /** One line for logs and `/?gpio`: what drives the pins ("BCM2711 registers via /dev/gpiomem"). */
  readonly description: string;
  setMode(pin: number, mode: PinMode): void;
  /** The character device applies it to a line it does not hold yet with the next setMode (a bias needs a direction). */
  setPull(pin: number, pull: Pull): void;
  /** Drives an output; on an input it sets the level the pin takes when it becomes an output. */
  write(pin: number, level: Level): void;
  /** The pin's level, or null when it cannot be known without taking the pin (a line the chardev does not hold). */
  read(pin: number): Level | null;
  functionOf(pin: number): PinFunction;
  /** The pull in force: read back where the hardware can (BCM2711, RP1), else the last one set ("none" before). */
  pullOf(pin: number): Pull;
  /**
   * Hands a pin this backend drives to another thread of the process (the engine Worker). Nothing is released or
   * changed: the pin stays driven as it is, and the caller stops writing it until that thread has stopped. Returns
   * the line request the other thread adopts (chardev), or null where it reaches the pin on its own (registers).
   */
  handOver(pin: number): HeldLine | null;
  close(): void;
}

/** A pin number the header has, or an error naming it. */
export function checkPin(pin: number): void {
  if (!Number.isInteger(pin) || pin < 0 || pin >= HEADER_PINS)
    throw new RangeError(`GPIO ${pin} is not a header pin (0-${HEADER_PINS - 1})`);
}

/** 32-bit register access: real memory-mapped I/O, the simulator, or a fake in tests. Word indices, not bytes. */
export interface RegisterBus {
  read(word: number): number;
  write(word: number, value: number): void;
}

/**
 * The bus a register backend has once closed: its mapping is gone, so any access would touch unmapped memory and
 * kill the process (a segfault, with no safe state). Every access throws a clear error instead.
 */
export const CLOSED_BUS: RegisterBus = {
  read: () => {
    throw new Error("the GPIO registers are closed (unmapped)");
  },
  write: () => {
    throw new Error("the GPIO registers are closed (unmapped)");
  },
};

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
