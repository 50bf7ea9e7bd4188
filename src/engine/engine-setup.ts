/** @module What the main thread hands the engine Worker at start (structured-cloned; the memory is shared). */
import type { BackendKind, HeldLine } from "../gpio/gpio-backend.ts";
import type { RegisterSource } from "../gpio/gpio-choice.ts";
import type { MotorPins } from "./channels.ts";

export interface EngineGpio {
  readonly kind: BackendKind;
  readonly simPath: string | null;
  readonly registers: RegisterSource | null;
  /**
   * The character device's line requests for the engine's pins, held by the main thread (GpioBackend.handOver): the
   * Worker drives them through the same fds and never closes them. Empty for the registers and the simulator.
   */
  readonly lines: readonly HeldLine[];
}

export interface EngineSetup {
  readonly memory: SharedArrayBuffer;
  /** How the main thread reached the pins, for the Worker to reach them the same way (open-backend.ts attachGpio). */
  readonly gpio: EngineGpio;
  readonly pins: {
    /** null when the speaker uses hardware PWM (then the engine does not touch it). */
    readonly speaker: number | null;
    readonly motors: { readonly left: MotorPins; readonly right: MotorPins } | null;
  };
}
