/**
 * @module One session: the host that owns the device, its id, and when it was last heard from. What a front end
 * keeps per session beyond this (HTTaP's `HTTaP_open` and `/?changes`) lives in that front end.
 */

/** What handlers and event listeners may know of a session. */
export interface SessionInfo {
  /** The session id (`HTTaP-Session`), 8 lowercase alphanumeric characters. */
  readonly id: string;
  /** Remote address of the owner (no "::ffff:" prefix). */
  readonly owner: string;
  /** When the session started: ms on the monotonic session clock (performance.now(), not wall time). */
  readonly startedAt: number;
  /** The display name its owner gave (1-24 characters), or null; shown to the room instead of the address. */
  readonly name: string | null;
}

export class Session implements SessionInfo {
  readonly id: string; // the session id
  readonly owner: string; // remote address of the owning host
  readonly startedAt: number; // ms, the injected clock
  lastSeenAt: number; // ms of the owner's last request (HTTaP or SCPI); Remain counts from here
  name: string | null; // the display name, as the owner last gave it
  app: string | null = null; // the page it drives from ("car", "code"...), as it last said: the leader's card shows it

  constructor(id: string, owner: string, now: number, name: string | null = null) {
    this.id = id;
    this.owner = owner;
    this.name = name;
    this.startedAt = now;
    this.lastSeenAt = now;
  }

  /** Milliseconds left before the session lapses at `now` (≤ 0: lapsed). */
  remainMs(now: number, timeoutMs: number): number {
    return timeoutMs - (now - this.lastSeenAt);
  }

  info(): SessionInfo {
    return { id: this.id, owner: this.owner, startedAt: this.startedAt, name: this.name };
  }
}
