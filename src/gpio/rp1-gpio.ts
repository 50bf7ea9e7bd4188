/**
 * @module The Raspberry Pi 5's GPIO, in the RP1 south bridge, through `/dev/gpiomem0` (which maps RP1's io_bank0
 * at offset 0, through pads_bank2). Layout from the RP1 peripherals document (GPIO chapter) and raspberrypi/utils
 * `pinctrl/gpiochip_rp1.c`; the header's pins 0-27 are all in bank 0:
 *
 *   io_bank0   0x00000  per pin n: STATUS at 8n, CTRL at 8n + 4; CTRL bits 4:0 FUNCSEL (5 = SYS_RIO: software GPIO)
 *   sys_rio0   0x10000  OUT +0x0, OE +0x4, SYNC_IN +0x8 (the levels, synchronised)
 *   pads_bank0 0x20000  word 0 is VOLTAGE_SELECT, pad n at 4 + 4n: OD bit 7 (output disable), IE bit 6 (input
 *                       enable), PUE bit 3 (pull-up enable), PDE bit 2 (pull-down enable)
 *
 * Every RP1 register has atomic aliases: +0x1000 XOR, +0x2000 SET (bits written as 1 are set), +0x3000 CLR.
 * OUT and OE are only ever written through SET and CLR, so the engine Worker and the main thread never lose each
 * other's bits in a read-modify-write.
 */
import {
  checkPin,
  CLOSED_BUS,
  type GpioBackend,
  type Level,
  type PinFunction,
  type PinMode,
  type Pull,
  type RegisterBus,
} from "./gpio-backend.ts";

export const RP1_IO_BANK0 = 0x00000;
export const RP1_SYS_RIO0 = 0x10000;
export const RP1_PADS_BANK0 = 0x20000;
export const RP1_SET_ALIAS = 0x2000;
export const RP1_CLR_ALIAS = 0x3000;
export const RIO_OUT = 0x0;
export const RIO_OE = 0x4;
export const RIO_SYNC_IN = 0x8;
/** Bytes `/dev/gpiomem0` gives: io_bank0 through pads_bank2. */
export const RP1_GPIO_BLOCK_BYTES = 0x30000;

export const FUNCSEL_MASK = 0x1f;
export const FUNCSEL_SYS_RIO = 5;
export const PAD_OD = 1 << 7;
export const PAD_IE = 1 << 6;
export const PAD_PUE = 1 << 3;
export const PAD_PDE = 1 << 2;

const word = (byteOffset: number) => byteOffset / 4;
export const ctrlWord = (pin: number) => word(RP1_IO_BANK0 + 8 * pin + 4);
export const padWord = (pin: number) => word(RP1_PADS_BANK0 + 4 + 4 * pin);

export interface Rp1GpioOptions {
  readonly bus: RegisterBus;
  readonly description: string;
  readonly onClose?: () => void;
}

export class Rp1Gpio implements GpioBackend {
  readonly kind = "rp1" as const;
  readonly description: string;
  #bus: RegisterBus; // CLOSED_BUS once closed
  readonly #onClose: () => void;

  constructor(o: Rp1GpioOptions) {
    this.description = o.description;
    this.#bus = o.bus;
    this.#onClose = o.onClose ?? (() => {});
  }

  setMode(pin: number, mode: PinMode): void {
    checkPin(pin);
    const bit = 1 << pin;
    // Direction first, then hand the pin to SYS_RIO, then open the pad: no glitch through another function.
    this.#bus.write(word(RP1_SYS_RIO0 + RIO_OE + (mode === "out" ? RP1_SET_ALIAS : RP1_CLR_ALIAS)), bit);
    const ctrl = this.#bus.read(ctrlWord(pin));
    if ((ctrl & FUNCSEL_MASK) !== FUNCSEL_SYS_RIO) this.#bus.write(ctrlWord(pin), (ctrl & ~FUNCSEL_MASK) | FUNCSEL_SYS_RIO);
    const pad = this.#bus.read(padWord(pin));
    const open = (pad | PAD_IE) & ~PAD_OD; // input enabled (levels readable), output not disabled
    if (open !== pad) this.#bus.write(padWord(pin), open);
  }

  setPull(pin: number, pull: Pull): void {
    checkPin(pin);
    const pad = this.#bus.read(padWord(pin)) & ~(PAD_PUE | PAD_PDE);
    this.#bus.write(padWord(pin), pad | (pull === "up" ? PAD_PUE : pull === "down" ? PAD_PDE : 0));
  }

  write(pin: number, level: Level): void {
    checkPin(pin);
    this.#bus.write(word(RP1_SYS_RIO0 + RIO_OUT + (level === 1 ? RP1_SET_ALIAS : RP1_CLR_ALIAS)), 1 << pin);
  }

  read(pin: number): Level {
    checkPin(pin);
    return ((this.#bus.read(word(RP1_SYS_RIO0 + RIO_SYNC_IN)) >>> pin) & 1) as Level;
  }

  functionOf(pin: number): PinFunction {
    checkPin(pin);
    if ((this.#bus.read(ctrlWord(pin)) & FUNCSEL_MASK) !== FUNCSEL_SYS_RIO) return "alt";
    return (this.#bus.read(word(RP1_SYS_RIO0 + RIO_OE)) >>> pin) & 1 ? "out" : "in";
  }

  pullOf(pin: number): Pull {
    checkPin(pin);
    const pad = this.#bus.read(padWord(pin));
    return pad & PAD_PUE ? "up" : pad & PAD_PDE ? "down" : "none";
  }

  handOver(_pin: number): null {
    return null; // registers are shared by every thread: the engine maps them again
  }

  close(): void {
    if (this.#bus === CLOSED_BUS) return;
    this.#bus = CLOSED_BUS; // first: nothing can write through the mapping once it is unmapped
    this.#onClose();
  }
}
