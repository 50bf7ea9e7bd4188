/**
 * @module GPIO through the Linux GPIO character device, uAPI v2 (issue 7): works on any Linux board and needs no
 * memory mapping, only the `gpio` group's access to `/dev/gpiochipN`. The header's chip is found by its label
 * (never by number: on a Pi 5 it is gpiochip0 on new kernels, gpiochip4 on old ones). A line is requested when the
 * firmware first sets its direction and held until the process exits: the kernel's pinctrl-bcm2835 makes a released
 * line an input (bcm2835_pmx_gpio_disable_free), so a released output floats. Reading never requests a line: a pin
 * not held is known only through GET_LINEINFO (direction, bias, used), and its level is unknown (null).
 */
import { nodeFs } from "../os/node-builtins.ts";
import {
  CHIPINFO_BYTES,
  decodeChipInfo,
  decodeLineInfo,
  encodeLineInfoQuery,
  GPIO_GET_CHIPINFO_IOCTL,
  GPIO_V2_GET_LINEINFO_IOCTL,
  LINE_FLAG,
} from "./chardev-uapi.ts";
import { ChardevLine, type LineSystem } from "./chardev-line.ts";
import { checkPin, type GpioBackend, type HeldLine, type Level, type PinFunction, type PinMode, type Pull } from "./gpio-backend.ts";
import { closeFile, ioctl, openFile } from "../os/libc.ts";

/** Labels of the chips that carry the 40-pin header, by SoC (the kernel's pinctrl drivers name them so). */
export const HEADER_CHIP_LABELS = ["pinctrl-bcm2835", "pinctrl-bcm2711", "pinctrl-rp1"] as const;

/** The system calls the backend makes; the real ones by default, a fake kernel in tests. */
export interface ChardevSystem extends LineSystem {
  chips(): string[];
  open(path: string): number;
}

export const realChardevSystem: ChardevSystem = {
  chips: () => {
    try {
      return nodeFs()
        .readdirSync("/dev")
        .filter((n) => /^gpiochip\d+$/.test(n))
        .sort((a, b) => Number(a.slice(8)) - Number(b.slice(8)))
        .map((n) => `/dev/${n}`);
    } catch {
      return [];
    }
  },
  open: (path) => openFile(path),
  ioctl,
  close: closeFile,
};

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
  #isClosed = false;
  readonly #path: string;
  /** The lines this process holds, until close(): never released earlier (see the module comment). */
  readonly #lines = new Map<number, ChardevLine>();
  /** Levels written to pins that are not outputs yet: the value they start with. */
  readonly #pendingLevels = new Map<number, Level>();
  /** Pulls set on pins not held yet: the kernel takes a bias only with a direction, so they go into the request. */
  readonly #pendingPulls = new Map<number, Pull>();

  constructor(system: ChardevSystem, chipFd: number, path: string, label: string) {
    this.#system = system;
    this.#chipFd = chipFd;
    this.#path = path;
    this.description = `Linux GPIO character device ${path} (${label})`;
  }

  /** Requests the line the first time (with the pull and level set before), else reconfigures it. */
  setMode(pin: number, mode: PinMode): void {
    this.#checkOpen(pin);
    const line = this.#lines.get(pin);
    const level = this.#pendingLevels.get(pin);
    if (line === undefined) {
      const pull = this.#pendingPulls.get(pin) ?? "none";
      this.#lines.set(pin, ChardevLine.request(this.#system, this.#chipFd, this.#path, pin, mode, pull, level ?? 0));
    } else {
      line.configure(mode, line.pull, level);
    }
    this.#pendingPulls.delete(pin);
    if (mode === "out") this.#pendingLevels.delete(pin); // an input keeps it for when it becomes an output
  }

  /** On a line not held yet the pull waits for setMode: requesting it now would also make it an input. */
  setPull(pin: number, pull: Pull): void {
    this.#checkOpen(pin);
    const line = this.#lines.get(pin);
    if (line === undefined) this.#pendingPulls.set(pin, pull);
    else line.configure(line.mode, pull);
  }

  write(pin: number, level: Level): void {
    this.#checkOpen(pin);
    const line = this.#lines.get(pin);
    if (line === undefined || line.mode !== "out") this.#pendingLevels.set(pin, level);
    else line.write(level);
  }

  /** A held line's level; null for any other: a level cannot be read without requesting the line. */
  read(pin: number): Level | null {
    checkPin(pin);
    return this.#lines.get(pin)?.read() ?? null;
  }

  functionOf(pin: number): PinFunction {
    checkPin(pin);
    const line = this.#lines.get(pin);
    if (line !== undefined) return line.mode;
    const flags = this.#lineInfoFlags(pin);
    // A line another consumer holds (I2C, SPI, UART, another program) is not ours to touch: the nearest meaning is "alt".
    if ((flags & LINE_FLAG.USED) !== 0n) return "alt";
    return (flags & LINE_FLAG.OUTPUT) !== 0n ? "out" : "in";
  }

  /** A held line's pull; else one set but not applied yet; else the bias the kernel reports (it forgets one at release). */
  pullOf(pin: number): Pull {
    checkPin(pin);
    const known = this.#lines.get(pin)?.pull ?? this.#pendingPulls.get(pin);
    if (known !== undefined) return known;
    const flags = this.#lineInfoFlags(pin);
    return (flags & LINE_FLAG.BIAS_PULL_UP) !== 0n ? "up" : (flags & LINE_FLAG.BIAS_PULL_DOWN) !== 0n ? "down" : "none";
  }

  /** The line request itself, still held here: the engine adopts the fd, and this backend closes it at exit. */
  handOver(pin: number): HeldLine {
    checkPin(pin);
    const line = this.#lines.get(pin);
    if (line === undefined) throw new Error(`GPIO ${pin} is not held: set it as an output before handing it over`);
    return line.held();
  }

  /** Releases every line (the kernel makes each an input; a pull-down requested with it keeps it low) and the chip. */
  close(): void {
    if (this.#isClosed) return; // a second close(fd) could close a file the number was reused for
    this.#isClosed = true;
    for (const line of this.#lines.values()) line.close();
    this.#lines.clear();
    this.#system.close(this.#chipFd);
  }

  #checkOpen(pin: number): void {
    if (this.#isClosed) throw new Error(`GPIO ${pin}: the GPIO character device is closed`);
    checkPin(pin);
  }

  #lineInfoFlags(pin: number): bigint {
    const info = encodeLineInfoQuery(pin);
    this.#system.ioctl(this.#chipFd, GPIO_V2_GET_LINEINFO_IOCTL, info, `line info of GPIO ${pin}`);
    return decodeLineInfo(info).flags;
  }
}
