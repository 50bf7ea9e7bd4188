/**
 * @module The speaker (issue 7): notes played by hardware PWM where the board has it, else by the engine Worker.
 * Either way this object knows what plays and until when, for `GET /?speaker`. A new tone replaces the one playing.
 */
import type { Note } from "../engine/channels.ts";
import { MAX_NOTES as ENGINE_MAX_NOTES } from "../engine/engine-memory.ts";
import type { SysfsPwm } from "./sysfs-pwm.ts";

/** What the speaker plays: every front end (HTTaP, SCPI) checks requests against these. */
export const MIN_HZ = 20;
export const MAX_HZ = 20000;
export const MAX_NOTE_MS = 10000;
/** As many as the engine's command block holds. */
export const MAX_NOTES = ENGINE_MAX_NOTES;
export const MAX_TOTAL_MS = 60000;

export interface SpeakerState {
  readonly playing: boolean;
  readonly frequency: number;
  readonly msLeft: number;
  readonly method: "pwm" | "engine";
}

export interface SpeakerOutput {
  /** The engine plays the sequence itself. */
  play(notes: readonly Note[]): void;
}

export class Speaker {
  readonly method: "pwm" | "engine";
  readonly #pwm: SysfsPwm | null;
  readonly #engine: () => SpeakerOutput;
  readonly #now: () => number;
  #notes: readonly Note[] = [];
  #startedAt = 0;
  #endsAt = 0;
  #timer: ReturnType<typeof setTimeout> | null = null; // PWM only: the next note's change

  constructor(o: { pwm: SysfsPwm | null; engine: () => SpeakerOutput; now?: () => number }) {
    this.#pwm = o.pwm;
    this.method = o.pwm !== null ? "pwm" : "engine";
    this.#engine = o.engine;
    this.#now = o.now ?? (() => performance.now());
  }

  play(notes: readonly Note[]): void {
    if (this.#pwm === null) this.#engine().play(notes); // first: when the engine is not there, nothing plays
    this.#notes = notes;
    this.#startedAt = this.#now();
    this.#endsAt = this.#startedAt + notes.reduce((sum, [, ms]) => sum + ms, 0);
    if (this.#pwm === null) return;
    this.#clearTimer();
    this.#pwmNote(0);
  }

  stop(): void {
    const wasPlaying = this.state().playing;
    this.#notes = [];
    this.#endsAt = 0;
    if (this.#pwm !== null) {
      this.#clearTimer();
      this.#pwm.off();
    } else if (wasPlaying) this.#engine().play([]); // silent already: nothing to tell the engine (nor to start it for)
  }

  /** The engine that played is gone (its pins were driven low by the board): nothing plays any more. */
  forget(): void {
    if (this.#pwm !== null) return; // hardware PWM does not depend on the engine
    this.#notes = [];
    this.#endsAt = 0;
  }

  state(): SpeakerState {
    const now = this.#now();
    if (now >= this.#endsAt || this.#notes.length === 0) return { playing: false, frequency: 0, msLeft: 0, method: this.method };
    let t = this.#startedAt;
    let frequency = 0;
    for (const [freq, ms] of this.#notes) {
      if (now < t + ms) {
        frequency = freq;
        break;
      }
      t += ms;
    }
    return { playing: true, frequency, msLeft: Math.ceil(this.#endsAt - now), method: this.method };
  }

  /** Hardware PWM: each note set in turn by a main-thread timer (a note's length is only as exact as ~1 ms). */
  #pwmNote(index: number): void {
    const pwm = this.#pwm!;
    if (index >= this.#notes.length) {
      pwm.off();
      this.#timer = null;
      return;
    }
    const [freq, ms] = this.#notes[index];
    if (freq > 0) pwm.tone(freq);
    else pwm.off();
    this.#timer = setTimeout(() => this.#pwmNote(index + 1), ms);
  }

  #clearTimer(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }
}
