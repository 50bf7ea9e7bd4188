/**
 * @module Fair turns (issue 8): hosts refused as busy wait in a first-come, first-served line. Each is told its place
 * and when to ask again (Retry-After: its expected wait). When the owner's session ends, only the first in line may
 * open the next one, for a few seconds and at least until the time it was told to come back; everyone else is still
 * busy. A waiting host that stops asking for twice its Retry-After has left the line. Pure bookkeeping over the
 * session manager's clock.
 */

/** How long the first in line holds a freed device at least (past the moment it was told to ask again). */
export const RESERVATION_MS = 5_000;

interface Waiting {
  readonly host: string;
  lastAskedAt: number;
  retryMs: number; // the Retry-After it was given
}

export class TurnLine {
  readonly #line: Waiting[] = [];
  /** The first in line, holding the freed device until `until`. */
  #reserved: { readonly host: string; readonly until: number } | null = null;

  get length(): number {
    return this.#line.length;
  }

  /** A busy host asks: it joins the line or keeps its place; returns its place (1 = next). */
  ask(host: string, now: number): number {
    this.forgetQuiet(now);
    let i = this.#line.findIndex((w) => w.host === host);
    if (i < 0) i = this.#line.push({ host, lastAskedAt: now, retryMs: 0 }) - 1;
    else this.#line[i].lastAskedAt = now;
    return i + 1;
  }

  /** Records the Retry-After `host` was just given (its quiet limit is twice that). */
  told(host: string, retryS: number): void {
    const w = this.#line.find((x) => x.host === host);
    if (w !== undefined) w.retryMs = retryS * 1000;
  }

  /** `host` leaves the line (and a reservation it held goes to the next in line). */
  leave(host: string): boolean {
    const i = this.#line.findIndex((w) => w.host === host);
    if (i < 0) return false;
    this.#line.splice(i, 1);
    if (this.#reserved?.host === host) this.#reserved = { host, until: 0 }; // expired: forgetQuiet hands it on
    return true;
  }

  placeOf(host: string): number {
    return this.#line.findIndex((w) => w.host === host) + 1;
  }

  /** Whom the freed device waits for (its first in line), or null when anyone may take it. */
  reservedFor(now: number): { host: string; leftS: number } | null {
    this.forgetQuiet(now);
    const r = this.#reserved;
    return r === null ? null : { host: r.host, leftS: Math.max(1, Math.ceil((r.until - now) / 1000)) };
  }

  /** `host` opened a session: it leaves the line, and a reservation for it is used. */
  opened(host: string): void {
    const i = this.#line.findIndex((w) => w.host === host);
    if (i >= 0) this.#line.splice(i, 1);
    if (this.#reserved?.host === host) this.#reserved = null;
  }

  /** The session ended: the first in line gets the device. */
  offer(now: number): void {
    this.forgetQuiet(now);
    this.#reserveFirst(now);
  }

  /** Drops hosts quiet for twice their Retry-After, and a reservation not taken in time (the next one gets its own). */
  forgetQuiet(now: number): void {
    const r = this.#reserved;
    if (r !== null && now >= r.until) {
      this.#reserved = null;
      const i = this.#line.findIndex((w) => w.host === r.host);
      if (i >= 0) this.#line.splice(i, 1);
    }
    for (let i = this.#line.length - 1; i >= 0; i--) {
      const w = this.#line[i];
      if (w.host !== this.#reserved?.host && now - w.lastAskedAt > 2 * Math.max(w.retryMs, 1000)) this.#line.splice(i, 1);
    }
    if (r !== null && this.#reserved === null) this.#reserveFirst(now);
  }

  #reserveFirst(now: number): void {
    const first = this.#line[0];
    if (first === undefined) {
      this.#reserved = null;
      return;
    }
    // until it has had its chance: a few seconds, and past the time it was told to come back
    this.#reserved = { host: first.host, until: Math.max(now, first.lastAskedAt + first.retryMs) + RESERVATION_MS };
  }
}
