/** @module What the main thread hands the engine Worker at start (structured-cloned; the memory is shared). */
import type { BackendKind } from "../gpio/gpio-backend.ts";
import type { MotorPins } from "./channels.ts";

export interface EngineSetup {
  readonly memory: SharedArrayBuffer;
  readonly gpio: { readonly kind: BackendKind; readonly simPath: string | null };
  readonly pins: {
    /** null when the speaker uses hardware PWM (then the engine does not touch it). */
    readonly speaker: number | null;
    readonly motors: { readonly left: MotorPins; readonly right: MotorPins } | null;
  };
}
