/**
 * @module The board as a service (issue 17): the commands every front end (HTTaP resources, SCPI) calls, and the
 * only place the board's rules live: "0, 0 is a stop", which pins a participant may set and in which order a pin
 * is written, LEDs all or nothing, what "quiet" means. The raw backend, the pins' roles and the profile stay
 * inside. Adapters parse, call, and map the typed refusals below to their own error codes.
 */
import type { Note } from "../engine/channels.ts";
import type { EngineFigures } from "../engine/rt-engine.ts";
import { HEADER_PINS, type Level, type PinFunction, type PinMode, type Pull } from "../gpio/gpio-backend.ts";
import type { EngineStatus, Hardware } from "./hardware.ts";
import { EngineUnavailable } from "./engine-unavailable.ts";
import type { StopReason } from "./motors.ts";
import type { SpeakerState } from "./speaker.ts";

/** A pin a board role or a peripheral owns: it cannot be set from outside (HTTaP 409, SCPI -221). */
export class PinOwned extends Error {
  override readonly name = "PinOwned";
}

/** A name the board does not have (an LED, a button) or a device it lacks (motors): HTTaP 400, SCPI -224/-241. */
export class NotOnThisBoard extends Error {
  override readonly name = "NotOnThisBoard";
  /** A name the board does not know, or a whole device it lacks. */
  readonly missing: "name" | "device";
  constructor(message: string, missing: "name" | "device" = "name") {
    super(message);
    this.missing = missing;
  }
}

export interface PinState {
  readonly pin: number;
  readonly mode: PinFunction;
  /** null where the level cannot be read without taking the pin (the character device reads only lines it holds). */
  readonly level: Level | null;
  readonly pull: Pull;
  /** The board role owning it ("left motor IN1", "status LED"), or null for a free pin. */
  readonly role: string | null;
}

export interface PinSetting {
  readonly mode: PinMode;
  readonly level?: Level;
  readonly pull?: Pull;
}

export interface MotorsState {
  readonly left: number;
  readonly right: number;
  readonly pwmHz: number;
  readonly deadmanMs: number;
  readonly lastStop: StopReason | null;
}

/** Why the board went quiet (for the log and tests). */
export type QuietReason = "session-end" | "reset";

export class Board {
  readonly #hw: Hardware;
  readonly name: string;
  readonly ledNames: readonly string[];
  readonly buttonNames: readonly string[];
  readonly hasMotors: boolean;

  constructor(hardware: Hardware) {
    this.#hw = hardware;
    this.name = hardware.profile.name;
    this.ledNames = Object.freeze(Object.keys(hardware.profile.leds));
    this.buttonNames = Object.freeze(Object.keys(hardware.profile.buttons));
    this.hasMotors = hardware.motors !== null;
  }

  /** What drives the pins ("BCM2711 registers via /dev/gpiomem"). */
  get backend(): string {
    return this.#hw.gpio.description;
  }

  /** How tones are made: the hardware PWM or the engine. */
  get toneMethod(): "pwm" | "engine" {
    return this.#hw.speaker.method;
  }

  // --- motors -------------------------------------------------------------------------------------------------

  /** Both speeds, -1..1; 0, 0 is a stop. Re-sent within the dead-man time or the motors coast. Throws
   * EngineUnavailable when the engine cannot carry it out (nothing changed then). */
  drive(left: number, right: number): void {
    const m = this.#motors();
    if (left === 0 && right === 0) m.stop("command");
    else m.drive(left, right);
  }

  motors(): MotorsState {
    const m = this.#motors();
    return { ...m.speeds, pwmHz: m.pwmHz, deadmanMs: m.deadmanMs, lastStop: m.lastStop };
  }

  // --- speaker ------------------------------------------------------------------------------------------------

  /** Plays notes ([Hz, ms], 0 Hz a rest), replacing what plays; [] is silence. Throws EngineUnavailable. */
  play(notes: readonly Note[]): void {
    if (notes.length === 0) this.#hw.speaker.stop();
    else this.#hw.speaker.play(notes);
  }

  speaker(): SpeakerState {
    return this.#hw.speaker.state();
  }

  // --- LEDs and buttons ---------------------------------------------------------------------------------------

  /** Sets LEDs by name, all or nothing: an unknown name changes none. */
  setLeds(levels: Readonly<Record<string, boolean>>): void {
    for (const name of Object.keys(levels)) this.#led(name);
    for (const [name, on] of Object.entries(levels)) this.#hw.setLed(name, on);
  }

  leds(): Record<string, boolean> {
    return Object.fromEntries(this.ledNames.map((n) => [n, this.#hw.led(n)]));
  }

  led(name: string): boolean {
    return this.#hw.led(this.#led(name));
  }

  /** Debounced: true while pressed. */
  buttons(): Record<string, boolean> {
    return this.#hw.buttons.state();
  }

  button(name: string): boolean {
    const state = this.buttons();
    if (!Object.hasOwn(state, name))
      throw new NotOnThisBoard(`no button "${name}" (${this.buttonNames.join(", ") || "this board has none"})`);
    return state[name];
  }

  /** Starts sampling the buttons; `onChange` runs after every debounced change. Called once, by the appliance. */
  watchButtons(onChange: () => void): void {
    this.#hw.buttons.start(onChange);
  }

  // --- pins ---------------------------------------------------------------------------------------------------

  pin(pin: number): PinState {
    const gpio = this.#hw.gpio;
    // read() never requests a line: on the character device a pin httap does not hold reads as null (unknown)
    return { pin, mode: gpio.functionOf(pin), level: gpio.read(pin), pull: gpio.pullOf(pin), role: this.#hw.roles.get(pin) ?? null };
  }

  pins(): PinState[] {
    return Array.from({ length: HEADER_PINS }, (_, pin) => this.pin(pin));
  }

  /**
   * Sets a free pin: the pull first, then the level, then the mode, so an output starts at the level asked for and
   * never glitches through the old one. A pin a board role or a peripheral owns is refused with PinOwned.
   */
  setPin(pin: number, setting: PinSetting): PinState {
    const role = this.#hw.roles.get(pin);
    if (role !== undefined) throw new PinOwned(`GPIO ${pin} is the board's ${role}; use its own command`);
    if (this.#hw.gpio.functionOf(pin) === "alt") throw new PinOwned(`GPIO ${pin} is held by a peripheral (I2C, SPI, UART, PWM...)`);
    const gpio = this.#hw.gpio;
    if (setting.pull !== undefined) gpio.setPull(pin, setting.pull);
    if (setting.level !== undefined) gpio.write(pin, setting.level);
    gpio.setMode(pin, setting.mode);
    return this.pin(pin);
  }

  // --- the whole board ----------------------------------------------------------------------------------------

  /** Motors coast, the speaker stops, every LED goes off: a session's end, an SCPI `*RST`. Never throws. */
  quiet(reason: QuietReason): void {
    // each part on its own: an engine that failed (its pins are driven low already) must not leave the LEDs lit
    whenEngineAnswers(() => this.#hw.motors?.stop(reason === "reset" ? "command" : "session-end"));
    whenEngineAnswers(() => this.#hw.speaker.stop());
    for (const name of this.ledNames) this.#hw.setLed(name, false);
  }

  /** The status LED shows whether someone owns the device. */
  showOwned(isOwned: boolean): void {
    if (Object.hasOwn(this.#hw.profile.leds, "status")) this.#hw.setLed("status", isOwned);
  }

  engineStatus(): EngineStatus {
    return this.#hw.engineStatus();
  }

  /** The engine's figures, or null before it ever ran. */
  engineFigures(): EngineFigures | null {
    return this.#hw.engine?.figures() ?? null;
  }

  /** Milliseconds until what plays is over (for SCPI `*OPC?`). */
  pendingMs(): number {
    return this.#hw.speaker.state().msLeft;
  }

  #motors() {
    const m = this.#hw.motors;
    if (m === null) throw new NotOnThisBoard("this board has no motors", "device");
    return m;
  }

  #led(name: string): string {
    if (!Object.hasOwn(this.#hw.profile.leds, name))
      throw new NotOnThisBoard(`no LED "${name}" on this board (${this.ledNames.join(", ")})`);
    return name;
  }
}

/** Runs `part`; an engine that is unavailable has nothing left to stop (its failure drove its pins low). */
function whenEngineAnswers(part: () => void): void {
  try {
    part();
  } catch (error) {
    if (!(error instanceof EngineUnavailable)) throw error;
  }
}
