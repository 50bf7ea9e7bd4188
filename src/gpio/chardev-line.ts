/**
 * @module One requested line of the GPIO character device (issue 7): the fd of a one-line gpio_v2_line_request, the
 * configuration last given to it, and the ioctls on that fd. Whoever requested it closes it; a thread that adopted it
 * (the engine Worker) only uses it.
 */
import {
  encodeLineConfig,
  encodeLineRequest,
  encodeLineValues,
  GPIO_V2_GET_LINE_IOCTL,
  GPIO_V2_LINE_GET_VALUES_IOCTL,
  GPIO_V2_LINE_SET_CONFIG_IOCTL,
  GPIO_V2_LINE_SET_VALUES_IOCTL,
  LINE_FLAG,
  lineValuesBits,
  requestFd,
} from "./chardev-uapi.ts";
import type { HeldLine, Level, PinMode, Pull } from "./gpio-backend.ts";

/** The consumer name the kernel shows for our lines (gpioinfo, GET_LINEINFO). */
const CONSUMER = "httap";

/** gpio_v2_line_values for a one-line request: line 0 (mask bit 0) high or low. */
const SET_HIGH = encodeLineValues(1n, 1n);
const SET_LOW = encodeLineValues(0n, 1n);

/** The system calls a line needs; the real ones (libc.ts), or a fake kernel in tests. */
export interface LineSystem {
  ioctl(fd: number, request: number, arg: Uint8Array, what: string): void;
  close(fd: number): void;
}

/**
 * gpio_v2_line_flag bits for a direction and a pull. The kernel takes a bias only with an explicit direction
 * (gpiolib-cdev.c gpio_v2_line_flags_validate), OUTPUT included: an output keeps its pull when the kernel later
 * returns the line to input.
 */
export function lineFlags(mode: PinMode, pull: Pull): bigint {
  const direction = mode === "out" ? LINE_FLAG.OUTPUT : LINE_FLAG.INPUT;
  return direction | (pull === "up" ? LINE_FLAG.BIAS_PULL_UP : pull === "down" ? LINE_FLAG.BIAS_PULL_DOWN : LINE_FLAG.BIAS_DISABLED);
}

export class ChardevLine {
  readonly pin: number;
  readonly fd: number;
  readonly #system: LineSystem;
  #mode: PinMode;
  #pull: Pull;
  /** The level this thread last drove (another thread sharing the fd may have driven it since: `read` asks). */
  #level: Level;
  readonly #setWhat: string;

  private constructor(system: LineSystem, held: HeldLine) {
    this.#system = system;
    this.pin = held.pin;
    this.fd = held.fd;
    this.#mode = held.mode;
    this.#pull = held.pull;
    this.#level = held.level;
    this.#setWhat = `set GPIO ${held.pin}`;
  }

  /** Requests line `pin` of the chip open as `chipFd`, configured in the same ioctl (an output starts at `level`). */
  static request(system: LineSystem, chipFd: number, chipPath: string, pin: number, mode: PinMode, pull: Pull, level: Level): ChardevLine {
    const request = encodeLineRequest(pin, CONSUMER, lineFlags(mode, pull), mode === "out" ? level : null);
    system.ioctl(chipFd, GPIO_V2_GET_LINE_IOCTL, request, `request GPIO ${pin} on ${chipPath}`);
    return new ChardevLine(system, { pin, fd: requestFd(request), mode, pull, level });
  }

  /** A line another thread of this process requested: no system call, and it is never closed from here. */
  static adopt(system: LineSystem, held: HeldLine): ChardevLine {
    return new ChardevLine(system, held);
  }

  get mode(): PinMode {
    return this.#mode;
  }

  get pull(): Pull {
    return this.#pull;
  }

  /** Direction and pull; an output takes `level` (default: the last one driven). Nothing to do: no ioctl. */
  configure(mode: PinMode, pull: Pull, level?: Level): void {
    if (mode === this.#mode && pull === this.#pull) {
      if (mode === "out" && level !== undefined) this.write(level);
      return;
    }
    const outputValue = mode === "out" ? (level ?? this.#level) : null;
    const config = encodeLineConfig(lineFlags(mode, pull), outputValue);
    this.#system.ioctl(this.fd, GPIO_V2_LINE_SET_CONFIG_IOCTL, config, `configure GPIO ${this.pin}`);
    this.#mode = mode;
    this.#pull = pull;
    if (outputValue !== null) this.#level = outputValue;
  }

  /** Always an ioctl, even for the level last written here: the engine may have driven the line since. */
  write(level: Level): void {
    // prebuilt arguments (SET_VALUES only reads them): the engine writes on every edge, and its loop must not allocate
    this.#system.ioctl(this.fd, GPIO_V2_LINE_SET_VALUES_IOCTL, level === 1 ? SET_HIGH : SET_LOW, this.#setWhat);
    this.#level = level;
  }

  read(): Level {
    const values = encodeLineValues(0n, 1n);
    this.#system.ioctl(this.fd, GPIO_V2_LINE_GET_VALUES_IOCTL, values, `read GPIO ${this.pin}`);
    return (lineValuesBits(values) & 1n) === 1n ? 1 : 0;
  }

  /** The request as plain data, for another thread to adopt. */
  held(): HeldLine {
    return { pin: this.pin, fd: this.fd, mode: this.#mode, pull: this.#pull, level: this.#level };
  }

  /** Releases the request: pinctrl-bcm2835 then makes the pin an input (its pull stays). Only the requester calls it. */
  close(): void {
    this.#system.close(this.fd);
  }
}
