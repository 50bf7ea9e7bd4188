/**
 * @module Test doubles for the GPIO backends: a bus that records every access over plain words, a fake RP1 that
 * honours the SET/CLR aliases and reflects OUT/OE/pads into SYNC_IN, and a fake kernel for the character device
 * that keeps each pin's direction, pull and holder as pinctrl-bcm2835 does. Only tests import this file.
 */
import type { ChardevSystem } from "./chardev-gpio.ts";
import {
  CHIPINFO_BYTES,
  GPIO_GET_CHIPINFO_IOCTL,
  GPIO_V2_GET_LINE_IOCTL,
  GPIO_V2_GET_LINEINFO_IOCTL,
  GPIO_V2_LINE_GET_VALUES_IOCTL,
  GPIO_V2_LINE_SET_CONFIG_IOCTL,
  GPIO_V2_LINE_SET_VALUES_IOCTL,
  LINE_FLAG,
} from "./chardev-uapi.ts";
import type { Level, PinMode, Pull, RegisterBus } from "./gpio-backend.ts";
import {
  FUNCSEL_MASK,
  FUNCSEL_SYS_RIO,
  PAD_PUE,
  RIO_OE,
  RIO_OUT,
  RIO_SYNC_IN,
  RP1_CLR_ALIAS,
  RP1_SET_ALIAS,
  RP1_SYS_RIO0,
  ctrlWord,
  padWord,
} from "./rp1-gpio.ts";

export type Access = readonly ["r" | "w", number, number];

/** Plain words; every write (and, when asked, read) is recorded as [kind, byte offset, value]. */
export class RecordingBus implements RegisterBus {
  readonly words: Uint32Array;
  readonly log: Access[] = [];
  constructor(bytes: number) {
    this.words = new Uint32Array(bytes / 4);
  }
  read(word: number): number {
    return this.words[word];
  }
  write(word: number, value: number): void {
    this.log.push(["w", word * 4, value >>> 0]);
    this.words[word] = value >>> 0;
  }
  writes(): Access[] {
    return this.log.filter((a) => a[0] === "w");
  }
}

const RIO = RP1_SYS_RIO0 / 4;

/** RP1 as the GPIO block behaves: aliases set and clear bits of the register below them; SYNC_IN is the pin. */
export class FakeRp1 extends RecordingBus {
  constructor() {
    super(0x30000);
  }
  override write(word: number, value: number): void {
    const byte = word * 4;
    this.log.push(["w", byte, value >>> 0]);
    const base = byte & ~0x3000;
    const alias = byte & 0x3000;
    if (alias === RP1_SET_ALIAS) this.words[base / 4] |= value;
    else if (alias === RP1_CLR_ALIAS) this.words[base / 4] &= ~value;
    else this.words[word] = value >>> 0;
  }
  override read(word: number): number {
    if (word * 4 === RP1_SYS_RIO0 + RIO_SYNC_IN) {
      let level = 0;
      for (let pin = 0; pin < 28; pin++) {
        const isRio = (this.words[ctrlWord(pin)] & FUNCSEL_MASK) === FUNCSEL_SYS_RIO;
        const isOut = isRio && ((this.words[RIO + RIO_OE / 4] >>> pin) & 1) === 1;
        const bit = isOut ? (this.words[RIO + RIO_OUT / 4] >>> pin) & 1 : (this.words[padWord(pin)] & PAD_PUE) !== 0 ? 1 : 0;
        level |= bit << pin;
      }
      return level >>> 0;
    }
    return this.words[word];
  }
}

/**
 * Fake line fds start far above any real descriptor: a fake fd that reaches a real ioctl (the engine Worker uses
 * libc's) fails with EBADF instead of acting on a file of the test process.
 */
export const FAKE_FD_BASE = 1 << 30;

/** One pin as the hardware and gpiolib keep it: direction, the pull in the pad, and whether a request holds it. */
interface FakePin {
  isOutput: boolean;
  pull: Pull;
  value: Level;
  heldBy: number | null;
  requestedFlags: bigint;
}

/**
 * A kernel with one GPIO chip and pinctrl-bcm2835's manners: GET_CHIPINFO, GET_LINEINFO, GET_LINE (EBUSY on a line
 * already requested, EINVAL on flags gpiolib-cdev rejects), SET_CONFIG, GET/SET_VALUES over line fds. Closing a line
 * fd makes the pin an input (bcm2835_pmx_gpio_disable_free) whose pull stays in the pad, while gpiolib forgets the
 * bias it reported. Every call, request and close is recorded.
 */
export class FakeKernel implements ChardevSystem {
  readonly requests: Uint8Array[] = [];
  readonly calls: [number, number][] = [];
  readonly closed: number[] = [];
  readonly #pins = new Map<number, FakePin>();
  readonly #lineFds = new Map<number, number>();
  readonly #open = new Set<number>();
  #nextFd = FAKE_FD_BASE;
  constructor(
    readonly label = "pinctrl-bcm2711",
    readonly busyLines: readonly number[] = [],
  ) {}

  get openFds(): number {
    return this.#open.size;
  }
  /** How many times `request` was issued. */
  count(request: number): number {
    return this.calls.filter(([, r]) => r === request).length;
  }
  /** What a meter on the pin would see: its direction, its pad's pull, and its level (null: floating). */
  electrical(offset: number): { direction: PinMode; pull: Pull; level: Level | null } {
    const pin = this.#pin(offset);
    const level = pin.isOutput ? pin.value : pin.pull === "up" ? 1 : pin.pull === "down" ? 0 : null;
    return { direction: pin.isOutput ? "out" : "in", pull: pin.pull, level };
  }
  chips(): string[] {
    return ["/dev/gpiochip0"];
  }
  open(_path: string): number {
    const fd = this.#nextFd++;
    this.#open.add(fd);
    return fd;
  }
  close(fd: number): void {
    this.closed.push(fd);
    this.#open.delete(fd);
    const offset = this.#lineFds.get(fd);
    if (offset === undefined) return;
    this.#lineFds.delete(fd);
    const pin = this.#pin(offset);
    Object.assign(pin, { isOutput: false, heldBy: null, requestedFlags: 0n });
  }
  ioctl(fd: number, request: number, arg: Uint8Array, what: string): void {
    this.calls.push([fd, request]);
    const v = new DataView(arg.buffer, arg.byteOffset, arg.byteLength);
    switch (request) {
      case GPIO_GET_CHIPINFO_IOCTL: {
        if (arg.byteLength !== CHIPINFO_BYTES) throw new Error("bad chipinfo size");
        arg.set(Buffer.from("gpiochip0"), 0);
        arg.set(Buffer.from(this.label), 32);
        v.setUint32(64, 58, true);
        return;
      }
      case GPIO_V2_GET_LINEINFO_IOCTL: {
        const offset = v.getUint32(64, true);
        const pin = this.#pin(offset);
        const direction = pin.isOutput ? LINE_FLAG.OUTPUT : LINE_FLAG.INPUT;
        if (this.busyLines.includes(offset)) v.setBigUint64(72, LINE_FLAG.USED | direction, true);
        else if (pin.heldBy !== null) v.setBigUint64(72, LINE_FLAG.USED | pin.requestedFlags, true);
        else v.setBigUint64(72, direction, true); // a free line: no bias reported, whatever the pad has
        return;
      }
      case GPIO_V2_GET_LINE_IOCTL: {
        this.requests.push(Uint8Array.from(arg));
        const offset = v.getUint32(0, true);
        const pin = this.#pin(offset);
        const isBusy = this.busyLines.includes(offset) || pin.heldBy !== null;
        if (isBusy) throw Object.assign(new Error(`${what}: in use (EBUSY)`), { errno: 16 });
        const flags = v.getBigUint64(288, true);
        const value = v.getUint32(288 + 8, true) > 0 ? Number(v.getBigUint64(288 + 32 + 8, true) & 1n) : null;
        this.#apply(pin, flags, value, what);
        const lineFd = this.open("line");
        pin.heldBy = lineFd;
        this.#lineFds.set(lineFd, offset);
        v.setInt32(588, lineFd, true);
        return;
      }
      case GPIO_V2_LINE_SET_CONFIG_IOCTL: {
        const value = v.getUint32(8, true) > 0 ? Number(v.getBigUint64(32 + 8, true) & 1n) : null;
        this.#apply(this.#line(fd), v.getBigUint64(0, true), value, what);
        return;
      }
      case GPIO_V2_LINE_SET_VALUES_IOCTL: {
        const pin = this.#line(fd);
        if (!pin.isOutput) throw new Error("EPERM: set on an input");
        if ((v.getBigUint64(8, true) & 1n) === 1n) pin.value = Number(v.getBigUint64(0, true) & 1n) as Level;
        return;
      }
      case GPIO_V2_LINE_GET_VALUES_IOCTL: {
        const pin = this.#line(fd);
        const level = pin.isOutput ? pin.value : pin.pull === "up" ? 1 : 0;
        v.setBigUint64(0, BigInt(level), true);
        return;
      }
      default:
        throw new Error(`ENOTTY: ioctl ${request.toString(16)}`);
    }
  }
  /** gpio_v2_line_flags_validate's rules, then the flags into the pin. */
  #apply(pin: FakePin, flags: bigint, value: number | null, what: string): void {
    const bias = flags & (LINE_FLAG.BIAS_PULL_UP | LINE_FLAG.BIAS_PULL_DOWN | LINE_FLAG.BIAS_DISABLED);
    const direction = flags & (LINE_FLAG.INPUT | LINE_FLAG.OUTPUT);
    const isBothDirections = direction === (LINE_FLAG.INPUT | LINE_FLAG.OUTPUT);
    // a bias needs a direction, and only one bias at a time
    const isInvalid = isBothDirections || (bias !== 0n && direction === 0n) || (bias & (bias - 1n)) !== 0n;
    if (isInvalid) throw Object.assign(new Error(`${what}: flags ${flags.toString(16)} (EINVAL)`), { errno: 22 });
    if (direction !== 0n) pin.isOutput = direction === LINE_FLAG.OUTPUT;
    if (bias !== 0n) pin.pull = bias === LINE_FLAG.BIAS_PULL_UP ? "up" : bias === LINE_FLAG.BIAS_PULL_DOWN ? "down" : "none";
    if (pin.isOutput && value !== null) pin.value = value as Level;
    pin.requestedFlags = flags;
  }
  #pin(offset: number): FakePin {
    let pin = this.#pins.get(offset);
    if (pin === undefined) {
      pin = { isOutput: false, pull: "none", value: 0, heldBy: null, requestedFlags: 0n };
      this.#pins.set(offset, pin);
    }
    return pin;
  }
  #line(fd: number): FakePin {
    const offset = this.#lineFds.get(fd);
    if (offset === undefined) throw new Error(`EBADF: ${fd} is not a line fd`);
    return this.#pin(offset);
  }
}
