/**
 * @module The engine Worker's side of the character device (issue 7): the line requests the main thread handed
 * over, used by their fds. A file descriptor belongs to the process, so the Worker's ioctls act on the main thread's
 * own requests: nothing is requested here, nothing is closed, and no line is ever released between the two threads
 * (released, pinctrl-bcm2835 would make it a floating input). The main thread owns the requests and closes them at exit.
 */
import { ChardevLine, type LineSystem } from "./chardev-line.ts";
import { checkPin, type GpioBackend, type HeldLine, type Level, type PinFunction, type PinMode, type Pull } from "./gpio-backend.ts";

export class AdoptedChardevGpio implements GpioBackend {
  readonly kind = "chardev" as const;
  readonly description: string;
  readonly #lines = new Map<number, ChardevLine>();

  constructor(system: LineSystem, lines: readonly HeldLine[]) {
    for (const held of lines) this.#lines.set(held.pin, ChardevLine.adopt(system, held));
    this.description = `Linux GPIO character device, lines of the main thread (GPIO ${lines.map((l) => l.pin).join(", ")})`;
  }

  /** An adopted line already has its direction: setting the same one (the engine does, at start) costs no ioctl. */
  setMode(pin: number, mode: PinMode): void {
    const line = this.#line(pin);
    line.configure(mode, line.pull);
  }

  setPull(pin: number, pull: Pull): void {
    const line = this.#line(pin);
    line.configure(line.mode, pull);
  }

  write(pin: number, level: Level): void {
    this.#line(pin).write(level);
  }

  read(pin: number): Level {
    return this.#line(pin).read();
  }

  functionOf(pin: number): PinFunction {
    return this.#line(pin).mode;
  }

  pullOf(pin: number): Pull {
    return this.#line(pin).pull;
  }

  handOver(pin: number): HeldLine {
    return this.#line(pin).held();
  }

  /** Closes nothing: the lines are the main thread's, which drives them to the safe state after the engine stopped. */
  close(): void {
    this.#lines.clear();
  }

  #line(pin: number): ChardevLine {
    checkPin(pin);
    const line = this.#lines.get(pin);
    if (line === undefined) {
      throw new Error(`GPIO ${pin} was not handed to this thread (it has ${[...this.#lines.keys()].join(", ") || "none"})`);
    }
    return line;
  }
}
