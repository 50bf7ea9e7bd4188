/**
 * @module The car's two motors (issue 7): speeds -1..1 sent to the engine, and the dead-man stop. Both coast when no
 * drive command came for HTTAP_DEADMAN_MS, when the owner's session ends, when the heartbeat is lost (the engine
 * does that itself) and at shutdown. A browser that dies mid-drive therefore stops the car within the dead-man time.
 */

/** A reversal coasts this long first: the H-bridge never shorts, the gearbox is not slammed. */
export const REVERSAL_COAST_MS = 20;

export interface MotorOutput {
  motors(left: number, right: number, pwmHz: number, deadMs: number): void;
}

export type StopReason = "deadman" | "session-end" | "command" | "shutdown" | "engine-failure";

export class Motors {
  readonly pwmHz: number;
  readonly deadmanMs: number;
  readonly #engine: () => MotorOutput;
  #left = 0;
  #right = 0;
  #deadman: ReturnType<typeof setTimeout> | null = null;
  /** Why the motors last stopped (for `GET /?motors`). */
  lastStop: StopReason | null = null;

  constructor(o: { engine: () => MotorOutput; pwmHz: number; deadmanMs: number }) {
    this.#engine = o.engine;
    this.pwmHz = o.pwmHz;
    this.deadmanMs = o.deadmanMs;
  }

  /** Whether the dead-man stop is armed: a drive is on, and no stop came since. */
  get isArmed(): boolean {
    return this.#deadman !== null;
  }

  get speeds(): { left: number; right: number } {
    return { left: this.#left, right: this.#right };
  }

  /** Sets both speeds and re-arms the dead-man stop (a drive of 0, 0 disarms it). */
  drive(left: number, right: number): void {
    this.#engine().motors(left, right, this.pwmHz, REVERSAL_COAST_MS); // first: when the engine is not there, nothing changed
    this.#left = left;
    this.#right = right;
    if (left === 0 && right === 0) {
      this.#disarm();
      this.lastStop = "command";
      return;
    }
    this.lastStop = null;
    if (this.#deadman === null)
      this.#deadman = setTimeout(() => {
        this.#deadman = null;
        this.stop("deadman");
      }, this.deadmanMs);
    else this.#deadman.refresh();
  }

  stop(reason: StopReason): void {
    this.#disarm();
    if (this.#left === 0 && this.#right === 0) return; // standing still: nothing to tell the engine (nor to start it)
    this.#left = 0;
    this.#right = 0;
    this.lastStop = reason;
    this.#engine().motors(0, 0, this.pwmHz, REVERSAL_COAST_MS);
  }

  /** The engine that drove them is gone (its pins were driven low by the board): standing still, for `reason`. */
  forget(reason: StopReason): void {
    this.#disarm();
    if (this.#left !== 0 || this.#right !== 0) this.lastStop = reason;
    this.#left = 0;
    this.#right = 0;
  }

  #disarm(): void {
    if (this.#deadman !== null) clearTimeout(this.#deadman);
    this.#deadman = null;
  }
}
