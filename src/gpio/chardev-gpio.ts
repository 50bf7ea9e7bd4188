/**
 * @module GPIO through the Linux GPIO character device, uAPI v2 (issue 7): works on any Linux board and needs no
 * memory mapping, only the `gpio` group's access to `/dev/gpiochipN`. The header's chip is found by its label
 * (never by number: on a Pi 5 it is gpiochip0 on new kernels, gpiochip4 on old ones). Each pin the firmware uses is
 * requested as its own line (one fd) the first time it is configured, and reconfigured with SET_CONFIG after.
 */
import { readdirSync } from "node:fs";
import {
  CHIPINFO_BYTES, decodeChipInfo, decodeLineInfo, encodeLineConfig, encodeLineInfoQuery, encodeLineRequest, encodeLineValues,
  GPIO_GET_CHIPINFO_IOCTL, GPIO_V2_GET_LINE_IOCTL, GPIO_V2_GET_LINEINFO_IOCTL, GPIO_V2_LINE_GET_VALUES_IOCTL,
  GPIO_V2_LINE_SET_CONFIG_IOCTL, GPIO_V2_LINE_SET_VALUES_IOCTL, LINE_FLAG, lineValuesBits, requestFd,
} from "./chardev-uapi.ts";
import { checkPin, type GpioBackend, type Level, type PinFunction, type PinMode, type Pull } from "./gpio-backend.ts";
import { closeFile, ioctl, openFile } from "./libc.ts";

/** Labels of the chips that carry the 40-pin header, by SoC (the kernel's pinctrl drivers name them so). */
export const HEADER_CHIP_LABELS = ["pinctrl-bcm2835", "pinctrl-bcm2711", "pinctrl-rp1"] as const;
const CONSUMER = "httap";

/** The system calls the backend makes; the real ones by default, a fake kernel in tests. */
export interface ChardevSystem {
  chips(): string[];
  open(path: string): number;
  ioctl(fd: number, request: number, arg: Uint8Array, what: string): void;
  close(fd: number): void;
}

export const realChardevSystem: ChardevSystem = {
  chips: () => {
    try {
      return readdirSync("/dev").filter((n) => /^gpiochip\d+$/.test(n)).sort((a, b) => Number(a.slice(8)) - Number(b.slice(8))).map((n) => `/dev/${n}`);
    } catch {
      return [];
    }
  },
  open: (path) => openFile(path),
  ioctl,
  close: closeFile,
};

interface Line {
  fd: number;
  mode: PinMode;
  pull: Pull;
  level: Level;
}

/** Opens the chip whose label is one of `labels`; throws naming what was found when none matches. */
export function openHeaderChip(system: ChardevSystem, labels: readonly string[] = HEADER_CHIP_LABELS): ChardevGpio {
  const seen: string[] = [];
  for (const path of system.chips()) {
    const fd = system.open(path);
    const info = new Uint8Array(CHIPINFO_BYTES);
    try {
      system.ioctl(fd, GPIO_GET_CHIPINFO_IOCTL, info, `GPIO_GET_CHIPINFO on ${path}`);
    } catch (error) {
      system.close(fd);
      throw error;
    }
    const chip = decodeChipInfo(info);
    if (labels.includes(chip.label)) return new ChardevGpio(system, fd, path, chip.label);
    seen.push(`${path} "${chip.label}"`);
    system.close(fd);
  }
  throw new Error(`no GPIO chip labelled ${labels.join(" or ")} (found: ${seen.length > 0 ? seen.join(", ") : "no /dev/gpiochip*"})`);
}

export class ChardevGpio implements GpioBackend {
  readonly kind = "chardev" as const;
  readonly description: string;
  readonly #system: ChardevSystem;
  readonly #chipFd: number;
  readonly #path: string;
  readonly #lines = new Map<number, Line>();
  /** Levels written to pins that are not outputs yet: the value they start with. */
  readonly #pending = new Map<number, Level>();

  constructor(system: ChardevSystem, chipFd: number, path: string, label: string) {
    this.#system = system;
    this.#chipFd = chipFd;
    this.#path = path;
    this.description = `Linux GPIO character device ${path} (${label})`;
  }

  setMode(pin: number, mode: PinMode): void {
    checkPin(pin);
    this.#configure(pin, mode, this.#lines.get(pin)?.pull ?? "none");
  }

  setPull(pin: number, pull: Pull): void {
    checkPin(pin);
    this.#configure(pin, this.#lines.get(pin)?.mode ?? "in", pull);
  }

  write(pin: number, level: Level): void {
    checkPin(pin);
    const line = this.#lines.get(pin);
    if (line === undefined || line.mode !== "out") return void this.#pending.set(pin, level);
    this.#system.ioctl(line.fd, GPIO_V2_LINE_SET_VALUES_IOCTL, encodeLineValues(BigInt(level), 1n), `set GPIO ${pin}`);
    line.level = level;
  }

  read(pin: number): Level {
    checkPin(pin);
    const line = this.#lines.get(pin);
    if (line !== undefined) return this.#readLine(line.fd, pin);
    // Not ours: request it "as is" (no direction flag changes nothing electrically), read, and let it go.
    const request = encodeLineRequest(pin, CONSUMER, 0n, null);
    this.#system.ioctl(this.#chipFd, GPIO_V2_GET_LINE_IOCTL, request, `request GPIO ${pin} on ${this.#path}`);
    const fd = requestFd(request);
    try {
      return this.#readLine(fd, pin);
    } finally {
      this.#system.close(fd);
    }
  }

  functionOf(pin: number): PinFunction {
    checkPin(pin);
    const line = this.#lines.get(pin);
    if (line !== undefined) return line.mode;
    const info = encodeLineInfoQuery(pin);
    this.#system.ioctl(this.#chipFd, GPIO_V2_GET_LINEINFO_IOCTL, info, `line info of GPIO ${pin}`);
    const { flags } = decodeLineInfo(info);
    // A line the kernel uses (I2C, SPI, UART) is "used" and not ours to change: the nearest meaning is "alt".
    if ((flags & LINE_FLAG.USED) !== 0n) return "alt";
    return (flags & LINE_FLAG.OUTPUT) !== 0n ? "out" : "in";
  }

  pullOf(pin: number): Pull {
    checkPin(pin);
    return this.#lines.get(pin)?.pull ?? "none";
  }

  /** Closes the pin's line request (its level stays as driven until someone requests it again). */
  release(pin: number): void {
    const line = this.#lines.get(pin);
    if (line === undefined) return;
    this.#system.close(line.fd);
    this.#lines.delete(pin);
  }

  close(): void {
    for (const line of this.#lines.values()) this.#system.close(line.fd);
    this.#lines.clear();
    this.#system.close(this.#chipFd);
  }

  #configure(pin: number, mode: PinMode, pull: Pull): void {
    const line = this.#lines.get(pin);
    const level = this.#pending.get(pin) ?? line?.level ?? 0;
    const flags = (mode === "out" ? LINE_FLAG.OUTPUT : LINE_FLAG.INPUT)
      | (pull === "up" ? LINE_FLAG.BIAS_PULL_UP : pull === "down" ? LINE_FLAG.BIAS_PULL_DOWN : LINE_FLAG.BIAS_DISABLED);
    const outputValue = mode === "out" ? level : null;
    if (line === undefined) {
      const request = encodeLineRequest(pin, CONSUMER, flags, outputValue);
      this.#system.ioctl(this.#chipFd, GPIO_V2_GET_LINE_IOCTL, request, `request GPIO ${pin} on ${this.#path}`);
      this.#lines.set(pin, { fd: requestFd(request), mode, pull, level });
    } else {
      this.#system.ioctl(line.fd, GPIO_V2_LINE_SET_CONFIG_IOCTL, encodeLineConfig(flags, outputValue), `configure GPIO ${pin}`);
      line.mode = mode;
      line.pull = pull;
      line.level = level;
    }
    this.#pending.delete(pin);
  }

  #readLine(fd: number, pin: number): Level {
    const values = encodeLineValues(0n, 1n);
    this.#system.ioctl(fd, GPIO_V2_LINE_GET_VALUES_IOCTL, values, `read GPIO ${pin}`);
    return (lineValuesBits(values) & 1n) === 1n ? 1 : 0;
  }
}
