/**
 * @module Test doubles for the GPIO backends: a bus that records every access over plain words, a fake RP1 that
 * honours the SET/CLR aliases and reflects OUT/OE/pads into SYNC_IN, and a fake kernel for the character device
 * that keeps each requested line's configuration. Only tests import this file.
 */
import type { ChardevSystem } from "./chardev-gpio.ts";
import {
  CHIPINFO_BYTES, GPIO_GET_CHIPINFO_IOCTL, GPIO_V2_GET_LINE_IOCTL, GPIO_V2_GET_LINEINFO_IOCTL, GPIO_V2_LINE_GET_VALUES_IOCTL,
  GPIO_V2_LINE_SET_CONFIG_IOCTL, GPIO_V2_LINE_SET_VALUES_IOCTL, LINE_FLAG,
} from "./chardev-uapi.ts";
import type { RegisterBus } from "./gpio-backend.ts";
import { FUNCSEL_MASK, FUNCSEL_SYS_RIO, PAD_PUE, RIO_OE, RIO_OUT, RIO_SYNC_IN, RP1_CLR_ALIAS, RP1_SET_ALIAS, RP1_SYS_RIO0, ctrlWord, padWord } from "./rp1-gpio.ts";

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

interface FakeLine { offset: number; flags: bigint; value: number }

/** A kernel with one GPIO chip: GET_CHIPINFO, GET_LINEINFO, GET_LINE, SET_CONFIG, GET/SET_VALUES over line fds. */
export class FakeKernel implements ChardevSystem {
  readonly requests: Uint8Array[] = [];
  readonly calls: [number, number][] = [];
  readonly #lines = new Map<number, FakeLine>();
  readonly #open = new Set<number>();
  #nextFd = 100;
  constructor(readonly label = "pinctrl-bcm2711", readonly busyLines: readonly number[] = []) {}

  get openFds(): number {
    return this.#open.size;
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
    this.#open.delete(fd);
    this.#lines.delete(fd);
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
        v.setBigUint64(72, this.busyLines.includes(offset) ? LINE_FLAG.USED : LINE_FLAG.INPUT, true);
        return;
      }
      case GPIO_V2_GET_LINE_IOCTL: {
        this.requests.push(Uint8Array.from(arg));
        const offset = v.getUint32(0, true);
        if (this.busyLines.includes(offset)) throw Object.assign(new Error(`${what}: in use (EBUSY)`), { errno: 16 });
        const flags = v.getBigUint64(288, true);
        const hasValue = v.getUint32(288 + 8, true) > 0;
        const lineFd = this.open("line");
        this.#lines.set(lineFd, { offset, flags, value: hasValue ? Number(v.getBigUint64(288 + 32 + 8, true) & 1n) : 0 });
        v.setInt32(588, lineFd, true);
        return;
      }
      case GPIO_V2_LINE_SET_CONFIG_IOCTL: {
        const line = this.#line(fd);
        line.flags = v.getBigUint64(0, true);
        if (v.getUint32(8, true) > 0) line.value = Number(v.getBigUint64(32 + 8, true) & 1n);
        return;
      }
      case GPIO_V2_LINE_SET_VALUES_IOCTL: {
        const line = this.#line(fd);
        if ((line.flags & LINE_FLAG.OUTPUT) === 0n) throw new Error("EPERM: set on an input");
        if ((v.getBigUint64(8, true) & 1n) === 1n) line.value = Number(v.getBigUint64(0, true) & 1n);
        return;
      }
      case GPIO_V2_LINE_GET_VALUES_IOCTL: {
        const line = this.#line(fd);
        const isOut = (line.flags & LINE_FLAG.OUTPUT) !== 0n;
        const level = isOut ? line.value : (line.flags & LINE_FLAG.BIAS_PULL_UP) !== 0n ? 1 : 0;
        v.setBigUint64(0, BigInt(level), true);
        return;
      }
      default:
        throw new Error(`ENOTTY: ioctl ${request.toString(16)}`);
    }
  }
  #line(fd: number): FakeLine {
    const line = this.#lines.get(fd);
    if (line === undefined) throw new Error(`EBADF: ${fd} is not a line fd`);
    return line;
  }
}
