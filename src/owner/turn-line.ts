/**
 * @module The fair line (issues 8, 18): hosts that asked to drive while someone else did, first come, first served,
 * one place per host. A waiter keeps its place only while it keeps asking (silent for the keep-alive time: gone),
 * except while it said it stepped away (its page hidden: a phone locked its screen), which keeps the place for a
 * grace time. When the device is freed, the first waiter that is present holds it for a few seconds; one that does
 * not claim it in time loses its place and the next one gets it. Pure bookkeeping over the session manager's clock.
 */

/** How long the first in line holds a freed device (it asks at least every few seconds while it waits). */
export const RESERVATION_MS = 5_000;

interface Waiting {
  readonly host: string;
  name: string | null; // its display name, as it last gave it
  lastAskedAt: number;
  awayUntil: number | null; // stepped away (page hidden): keeps its place until then
}

export interface TurnLineOptions {
  /** A waiter silent for this long leaves the line (the session keep-alive time). */
  readonly quietMs: number;
  /** How long a waiter that stepped away keeps its place. */
  readonly awayMs: number;
}

export interface Reservation {
  readonly host: string;
  readonly until: number;
}

export class TurnLine {
  readonly #line: Waiting[] = [];
  readonly #quietMs: number;
  readonly #awayMs: number;
  /** The first present waiter, holding the freed device until `until`. Only while the device is free. */
  #reserved: Reservation | null = null;
  /** When the line's clocks stopped (the leader's pause, issue 21), or null while they run. */
  #frozenAt: number | null = null;

  constructor(options: TurnLineOptions) {
    this.#quietMs = options.quietMs;
    this.#awayMs = options.awayMs;
  }

  get length(): number {
    return this.#line.length;
  }

  /** Whether someone in line is present (not stepped away): a turn limit only ends a turn for them. */
  get hasPresent(): boolean {
    return this.#line.some((w) => w.awayUntil === null);
  }

  /** The waiters' display names, first first (null: no name given). */
  names(): (string | null)[] {
    return this.#line.map((w) => w.name);
  }

  /** `host` asks for the device: it joins the line or keeps its place (and is back if it had stepped away). */
  ask(host: string, name: string | null, now: number): number {
    this.forgetQuiet(now);
    let i = this.#line.findIndex((w) => w.host === host);
    if (i < 0) i = this.#line.push({ host, name, lastAskedAt: now, awayUntil: null }) - 1;
    const w = this.#line[i];
    w.lastAskedAt = now;
    w.awayUntil = null;
    if (name !== null) w.name = name;
    return i + 1;
  }

  /** `host` steps away (its page hidden): it keeps its place for the grace time; returns its place, 0 if not in line. */
  away(host: string, now: number): number {
    this.forgetQuiet(now);
    const i = this.#line.findIndex((w) => w.host === host);
    if (i < 0) return 0;
    this.#line[i].awayUntil = now + this.#awayMs;
    if (this.#reserved?.host === host) this.#reserveFirstPresent(now); // it cannot take the device while away
    return i + 1;
  }

  /** `host` leaves the line (and a reservation it held goes to the next one present). */
  leave(host: string, now: number): boolean {
    const i = this.#line.findIndex((w) => w.host === host);
    if (i < 0) return false;
    this.#line.splice(i, 1);
    if (this.#reserved?.host === host) this.#reserveFirstPresent(now);
    return true;
  }

  /** The display name `host` gave while waiting, or null. */
  nameOf(host: string): string | null {
    return this.#line.find((w) => w.host === host)?.name ?? null;
  }

  placeOf(host: string): number {
    return this.#line.findIndex((w) => w.host === host) + 1;
  }

  /** Whom the freed device waits for at `now`, or null when anyone may take it. No effect. */
  reservedAt(now: number): Reservation | null {
    const r = this.#reserved;
    return r !== null && (this.#frozenAt !== null || now < r.until) ? r : null;
  }

  /** `host` opened a session: it leaves the line, and a reservation for it is used. */
  opened(host: string): void {
    const i = this.#line.findIndex((w) => w.host === host);
    if (i >= 0) this.#line.splice(i, 1);
    this.#reserved = null; // a session is open: nobody holds a free device
  }

  /** The session ended: the first present waiter gets the device for a moment. */
  offer(now: number): void {
    this.forgetQuiet(now);
    this.#reserveFirstPresent(now);
  }

  /**
   * The line's clocks stop (the leader paused the device, issue 21): nobody may ask meanwhile, so nobody leaves for
   * silence, a grace time or a reservation runs out until `thaw`.
   */
  freeze(now: number): void {
    this.#frozenAt ??= now;
  }

  /** The clocks run again from `now`: every waiter counts as having asked now, a reservation and graces restart. */
  thaw(now: number): void {
    const since = this.#frozenAt;
    if (since === null) return;
    this.#frozenAt = null;
    for (const w of this.#line) {
      w.lastAskedAt = Math.max(w.lastAskedAt, now);
      if (w.awayUntil !== null) w.awayUntil += now - since;
    }
    if (this.#reserved !== null) this.#reserved = { host: this.#reserved.host, until: now + RESERVATION_MS };
  }

  /**
   * Drops waiters silent for the keep-alive time, those away past their grace, and the holder of a reservation it
   * did not use in time (the next one present gets its own).
   */
  forgetQuiet(now: number): void {
    if (this.#frozenAt !== null) return; // paused: the line's clocks stand still
    const r = this.#reserved;
    if (r !== null && now >= r.until) {
      const i = this.#line.findIndex((w) => w.host === r.host);
      if (i >= 0) this.#line.splice(i, 1); // it had its chance
    }
    for (let i = this.#line.length - 1; i >= 0; i--) {
      const w = this.#line[i];
      if (w.host === this.#reserved?.host && now < this.#reserved.until) continue;
      const gone = w.awayUntil !== null ? now >= w.awayUntil : now - w.lastAskedAt > this.#quietMs;
      if (gone) this.#line.splice(i, 1);
    }
    if (r !== null && (now >= r.until || this.placeOf(r.host) === 0)) this.#reserveFirstPresent(now);
  }

  #reserveFirstPresent(now: number): void {
    const first = this.#line.find((w) => w.awayUntil === null);
    this.#reserved = first === undefined ? null : { host: first.host, until: now + RESERVATION_MS };
  }
}
