/**
 * @module The engine's timed outputs as pure state machines (issue 7): each knows the time of its next edge and what
 * to write when it comes, from scheduled times only (never "now + period"), so frequencies do not drift with the
 * loop's lateness. Times are CLOCK_MONOTONIC nanoseconds as numbers. No threads, no clocks: unit-testable.
 */

export type PinWriter = (pin: number, level: 0 | 1) => void;

/** A note: frequency in Hz (0 = rest) for a duration in ms. */
export type Note = readonly [freq: number, ms: number];

export interface Channel {
  /** When the next edge is due; Infinity when nothing is scheduled. */
  readonly nextAt: number;
  /** Performs the edge due at `nextAt` and schedules the following one. */
  fire(write: PinWriter): void;
  /** Drives the safe level at once (low) and forgets what was scheduled. */
  stop(write: PinWriter): void;
}

/** A square wave on the speaker pin, note after note. */
export class SpeakerChannel implements Channel {
  readonly pin: number;
  nextAt = Infinity;
  #notes: readonly Note[] = [];
  #index = 0;
  #noteStart = 0;
  #noteEnd = 0;
  #half = 0; // half period in ns (0 for a rest)
  #nextToggle = 0;
  #level: 0 | 1 = 0;
  /** When the whole sequence ends (Infinity while idle, for the status the main thread shows). */
  endsAt = Infinity;

  constructor(pin: number) {
    this.pin = pin;
  }

  get isPlaying(): boolean {
    return this.nextAt !== Infinity;
  }

  /** Replaces whatever plays with `notes`, the first starting at `at`. */
  play(notes: readonly Note[], at: number, write: PinWriter): void {
    this.stop(write);
    if (notes.length === 0) return;
    this.#notes = notes;
    this.endsAt = at + notes.reduce((sum, [, ms]) => sum + ms * 1e6, 0);
    this.#begin(0, at);
  }

  fire(write: PinWriter): void {
    if (this.nextAt === this.#noteEnd) {
      if (this.#level === 1) {
        this.#level = 0;
        write(this.pin, 0);
      }
      if (this.#index + 1 < this.#notes.length) this.#begin(this.#index + 1, this.#noteEnd);
      else this.#idle();
      return;
    }
    this.#level = this.#level === 1 ? 0 : 1;
    write(this.pin, this.#level);
    this.#nextToggle += this.#half;
    this.nextAt = Math.min(this.#nextToggle, this.#noteEnd);
  }

  stop(write: PinWriter): void {
    if (this.#level === 1) write(this.pin, 0);
    this.#level = 0;
    this.#idle();
  }

  #begin(index: number, start: number): void {
    const [freq, ms] = this.#notes[index];
    this.#index = index;
    this.#noteStart = start;
    this.#noteEnd = start + ms * 1e6;
    this.#half = freq > 0 ? 1e9 / freq / 2 : 0;
    this.#nextToggle = freq > 0 ? start : Infinity; // a tone starts with a rising edge at the note's start
    this.nextAt = Math.min(this.#nextToggle, this.#noteEnd);
  }

  #idle(): void {
    this.#notes = [];
    this.nextAt = Infinity;
    this.endsAt = Infinity;
  }
}

export interface MotorPins {
  readonly in1: number;
  readonly in2: number;
  readonly enable: number | null;
}

/**
 * One DC motor on an H-bridge: IN1/IN2 = 1/0 forward, 0/1 reverse, 0/0 coast. The PWM goes on the enable pin when
 * there is one, else on the active input. A reversal passes through coast for `deadNs` first, so the bridge never
 * drives both ways at once and the motor is not slammed from full forward to full reverse.
 */
export class MotorChannel implements Channel {
  readonly pins: MotorPins;
  nextAt = Infinity;
  #direction: -1 | 0 | 1 = 0; // what the bridge is driving now
  #duty = 0; // 0..1 now in force
  #periodNs = 4e6;
  #periodStart = 0;
  #isOn = false;
  #pending: { direction: -1 | 1; duty: number } | null = null; // waiting out the dead time

  constructor(pins: MotorPins) {
    this.pins = pins;
  }

  /** The signed speed in force (-1..1), for `GET /?motors`. */
  get speed(): number {
    const target = this.#pending;
    return target !== null ? target.direction * target.duty : this.#direction * this.#duty;
  }

  /**
   * Sets the speed (-1..1: sign = direction, magnitude = duty) from `now`. A motor starting from rest takes its PWM
   * phase from `startAt` (a few ms ahead at most; when it is already past, an edge just due, the pins go at once and
   * the first period counts from it): the phase is free, and the engine gives it the time of an edge already scheduled,
   * so the two share one wake-up of the engine's thread instead of costing two.
   */
  set(speed: number, periodNs: number, deadNs: number, now: number, write: PinWriter, startAt = now): void {
    const duty = Math.min(1, Math.abs(speed));
    const direction: -1 | 0 | 1 = duty === 0 ? 0 : speed > 0 ? 1 : -1;
    this.#periodNs = periodNs;
    if (direction === 0) return this.stop(write);
    if (this.#direction !== 0 && direction !== this.#direction) {
      this.stop(write);
      this.#pending = { direction, duty };
      this.nextAt = now + deadNs;
      return;
    }
    if (this.#pending !== null) {
      this.#pending = { direction, duty };
      return;
    } // still in the dead time, or waiting for its start
    if (this.#direction === direction) {
      const wasFullOn = this.nextAt === Infinity; // duty 1 schedules nothing: a smaller duty needs a new phase
      this.#duty = duty; // otherwise it takes effect at the next "off"
      if (wasFullOn && duty < 1) this.#start(now, write);
      return;
    }
    if (startAt > now) {
      this.#pending = { direction, duty };
      this.nextAt = startAt;
      return;
    }
    this.#direction = direction;
    this.#duty = duty;
    this.#start(startAt, write);
  }

  /** When this motor's next PWM period starts, at or after `now`; Infinity when it has no edges (at rest, full on). */
  periodStartFrom(now: number): number {
    if (this.#pending !== null || this.#direction === 0 || this.nextAt === Infinity) return Infinity;
    const behind = Math.max(0, Math.ceil((now - this.#periodStart) / this.#periodNs));
    return this.#periodStart + behind * this.#periodNs;
  }

  fire(write: PinWriter): void {
    const at = this.nextAt;
    if (this.#pending !== null) {
      const { direction, duty } = this.#pending;
      this.#pending = null;
      this.#direction = direction;
      this.#duty = duty;
      return this.#start(at, write);
    }
    const pwm = this.#pwmPin();
    if (this.#isOn) {
      this.#isOn = false;
      write(pwm, 0);
      this.nextAt = this.#periodStart + this.#periodNs;
      return;
    }
    this.#periodStart += this.#periodNs;
    if (this.#periodStart + this.#periodNs < at) this.#periodStart = at; // far behind (a stall): restart the phase
    this.#isOn = true;
    write(pwm, 1);
    this.nextAt = this.#duty >= 1 ? Infinity : this.#periodStart + this.#duty * this.#periodNs;
  }

  stop(write: PinWriter): void {
    const { in1, in2, enable } = this.pins;
    if (this.#direction !== 0 || this.#pending !== null || this.#isOn) {
      write(in1, 0);
      write(in2, 0);
      if (enable !== null) write(enable, 0);
    }
    this.#direction = 0;
    this.#duty = 0;
    this.#isOn = false;
    this.#pending = null;
    this.nextAt = Infinity;
  }

  #pwmPin(): number {
    return this.pins.enable ?? (this.#direction > 0 ? this.pins.in1 : this.pins.in2);
  }

  /** Direction pins, then the first "on" of a new PWM phase at `at`. */
  #start(at: number, write: PinWriter): void {
    const { in1, in2, enable } = this.pins;
    const forward = this.#direction > 0;
    if (enable !== null) {
      write(forward ? in2 : in1, 0);
      write(forward ? in1 : in2, 1);
    } else write(forward ? in2 : in1, 0);
    this.#periodStart = at;
    this.#isOn = true;
    write(this.#pwmPin(), 1);
    this.nextAt = this.#duty >= 1 ? Infinity : at + this.#duty * this.#periodNs;
  }
}
