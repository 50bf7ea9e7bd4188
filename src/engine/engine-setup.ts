/** @module What the main thread hands the engine Worker at start (structured-cloned; the memory is shared). */
import type { BackendKind } from "../gpio/gpio-backend.ts";
import type { RegisterSource } from "../gpio/gpio-choice.ts";
import type { MotorPins } from "./channels.ts";

export interface EngineGpio {
  readonly kind: BackendKind;
  readonly simPath: string | null;
  readonly registers: RegisterSource | null;
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
