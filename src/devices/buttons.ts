/**
 * @module Buttons (issue 7): inputs with pull-ups, pressed = low (a button to ground). Sampled every 5 ms and
 * debounced: a new state counts once the pin has read the same for 20 ms. A change is reported (the HTTaP adapter
 * marks the resource changed, so `/?changes` shows it).
 */
import type { GpioBackend } from "../gpio/gpio-backend.ts";

export const SAMPLE_MS = 5;
export const DEBOUNCE_MS = 20;

interface ButtonState {
  readonly pin: number;
  pressed: boolean;
  candidate: boolean;
  since: number;
}

export class Buttons {
  readonly #gpio: GpioBackend;
  readonly #buttons = new Map<string, ButtonState>();
  readonly #now: () => number;
  #timer: ReturnType<typeof setInterval> | null = null;
  #onChange: () => void = () => {};

  constructor(gpio: GpioBackend, pins: Readonly<Record<string, number>>, now: () => number = () => performance.now()) {
    this.#gpio = gpio;
    this.#now = now;
    for (const [name, pin] of Object.entries(pins)) {
      gpio.setPull(pin, "up"); // first: on the character device, one request with the bias (never floating between)
      gpio.setMode(pin, "in");
      const pressed = gpio.read(pin) === 0;
      this.#buttons.set(name, { pin, pressed, candidate: pressed, since: now() });
    }
  }

  get names(): string[] {
    return [...this.#buttons.keys()];
  }

  /** Starts sampling; `onChange` runs after any debounced change. */
  start(onChange: () => void): void {
    this.#onChange = onChange;
    if (this.#buttons.size === 0 || this.#timer !== null) return;
    this.#timer = setInterval(() => this.sample(), SAMPLE_MS);
    this.#timer.unref();
  }

  /** One sampling pass (the timer calls it; tests call it with their own clock). */
  sample(): void {
    const now = this.#now();
    let changed = false;
    for (const b of this.#buttons.values()) {
      const reading = this.#gpio.read(b.pin) === 0;
      if (reading !== b.candidate) {
        b.candidate = reading;
        b.since = now;
        continue;
      }
      if (reading !== b.pressed && now - b.since >= DEBOUNCE_MS) {
        b.pressed = reading;
        changed = true;
      }
    }
    if (changed) this.#onChange();
  }

  state(): Record<string, boolean> {
    return Object.fromEntries([...this.#buttons].map(([name, b]) => [name, b.pressed]));
  }

  stop(): void {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
  }
}
