/**
 * @module Who owns the device (issue 3, DESIGN "Sessions with real browsers"; issue 17): at most one session owner
 * at a time, chosen by remote address, whichever front end it comes through (HTTaP, SCPI); lapse after
 * `keepAliveS` without a request from the owner; the fair line of hosts waiting; start and end announced to
 * subscribers (the board stops the motors). Created first, by the appliance, and handed to every front end.
 * Reading never changes anything: sessions end on the sweep tick, on `admit`, or when told.
 */
import { Session } from "./session.ts";
import type { SessionInfo } from "./session.ts";
import { SessionIdSequence } from "./session-id.ts";
import { TurnLine } from "./turn-line.ts";

/** How often the session lapse is checked without traffic, so "end" fires on time (the motors' dead-man stop). */
const SESSION_SWEEP_INTERVAL_MS = 250;

/**
 * Why a session ended: its Remain reached 0, its owner asked `/?invalid`, the server stopped, the owner's SCPI
 * connection closed (closing ends the session at once), or its turn was over while others waited (HTTAP_TURN_S).
 */
export type SessionEndReason = "lapsed" | "invalid" | "server-stop" | "closed" | "turn-over";

export interface SessionEvents {
  start: (session: SessionInfo) => void;
  end: (session: SessionInfo, reason: SessionEndReason) => void;
}

/** The answer to "may this host use the HTTaP domain now?": its session, or who holds the device and for how long. */
export type Admission =
  | { readonly kind: "owner"; readonly session: Session; readonly isNew: boolean }
  /** `owner`: who holds the device (or the first in line it is kept for); `remainS`: the expected wait, also the
   * Retry-After; `place`: this host's place in line (1 = next). */
  | { readonly kind: "busy"; readonly owner: string; readonly remainS: number; readonly place: number };

/** What `GET /?queue` shows: no addresses but the owner's. */
export interface QueueInfo {
  readonly owner: string | null;
  /** Seconds left in the owner's turn (HTTAP_TURN_S while others wait), else its Remain. */
  readonly turnLeftS: number | null;
  readonly waiting: number;
  /** The asking host's place (0: not in line). */
  readonly place: number;
}

export interface SessionManagerOptions {
  readonly timeoutS: number;
  /** A turn's length while others wait (HTTAP_TURN_S); 0: no limit. */
  readonly turnS?: number;
  readonly now: () => number;
  /** Where a throwing listener is reported; listeners are application code and must not break the server. */
  readonly log: (line: string) => void;
}

export class SessionManager {
  readonly timeoutS: number;
  readonly #timeoutMs: number;
  readonly #now: () => number;
  readonly #log: (line: string) => void;
  readonly #ids: SessionIdSequence;
  #current: Session | null = null; // the one active session, if any
  readonly #line = new TurnLine(); // hosts waiting for the device, first come first served
  readonly #turnMs: number; // 0: no turn limit
  readonly #startListeners: SessionEvents["start"][] = [];
  readonly #endListeners: SessionEvents["end"][] = [];
  #sweepTimer: ReturnType<typeof setInterval> | null = null; // the one cheap lapse check (Notes, issue 3)

  constructor(options: SessionManagerOptions) {
    this.timeoutS = options.timeoutS;
    this.#timeoutMs = options.timeoutS * 1000;
    this.#turnMs = (options.turnS ?? 0) * 1000;
    this.#now = options.now;
    this.#log = options.log;
    this.#ids = new SessionIdSequence(Date.now()); // wall time, not the session clock: ids differ between runs
  }

  /** Subscribes to session start or end; returns the unsubscribe function. */
  on<E extends keyof SessionEvents>(event: E, listener: SessionEvents[E]): () => void {
    const list = (event === "start" ? this.#startListeners : this.#endListeners) as SessionEvents[E][];
    list.push(listener);
    return () => {
      const i = list.indexOf(listener);
      if (i >= 0) list.splice(i, 1);
    };
  }

  /** The active session at `now`, or null (one that has lapsed but not yet been swept counts as gone). No effect. */
  current(now: number = this.#now()): Session | null {
    const s = this.#current;
    return s !== null && s.remainMs(now, this.#timeoutMs) > 0 ? s : null;
  }

  /** Ends the session if `host` owns it (its SCPI connection closed: closing ends the session at once). */
  endIfOwner(host: string, reason: SessionEndReason): void {
    if (this.#current?.owner === host) this.end(reason);
  }

  /**
   * Admits one HTTaP request from `host` at `now`: the owner's request renews its session, a request while no
   * session is active opens one for that host, anyone else is told the device is busy.
   */
  admit(host: string, now: number): Admission {
    this.sweep(now);
    const s = this.#current;
    if (s === null) {
      const reserved = this.#line.reservedFor(now);
      if (reserved !== null && reserved.host !== host) return this.#wait(host, reserved.host, () => reserved.leftS, now);
      this.#line.opened(host);
      const opened = new Session(this.#ids.take(), host, now);
      this.#current = opened;
      this.#emitStart(opened);
      return { kind: "owner", session: opened, isNew: true };
    }
    if (s.owner === host) {
      s.lastSeenAt = now;
      return { kind: "owner", session: s, isNew: false };
    }
    return this.#wait(host, s.owner, () => this.#turnLeftS(s, now), now);
  }

  /** A waiting host gives up its place (its `/?invalid`); false when it was not in line. */
  leaveLine(host: string, now: number = this.#now()): boolean {
    const left = this.#line.leave(host);
    if (left) this.#line.forgetQuiet(now); // a reservation it held passes on
    return left;
  }

  /** `GET /?queue`, for anyone. No effect. */
  queue(host: string, now: number = this.#now()): QueueInfo {
    const s = this.current(now);
    return {
      owner: s?.owner ?? null,
      turnLeftS: s === null ? null : this.#turnLeftS(s, now),
      waiting: this.#line.length,
      place: this.#line.placeOf(host),
    };
  }

  /** A busy answer: the host's place, and its expected wait (the owner's time left, plus a turn per host ahead). */
  #wait(host: string, owner: string, ownerLeftS: () => number, now: number): Admission {
    const place = this.#line.ask(host, now);
    const leftS = ownerLeftS(); // after joining: a turn limit applies from the moment someone waits
    const perTurnS = this.#turnMs > 0 ? this.#turnMs / 1000 : this.timeoutS;
    const remainS = Math.max(1, leftS + (place - 1) * perTurnS);
    this.#line.told(host, remainS);
    return { kind: "busy", owner, remainS, place };
  }

  /** Seconds the owner may still hold the device: its Remain, or less when a turn limit applies and others wait. */
  #turnLeftS(s: Session, now: number): number {
    const remain = this.remainS(s, now);
    if (this.#turnMs === 0 || this.#line.length === 0) return remain;
    return Math.min(remain, Math.max(0, Math.ceil((s.startedAt + this.#turnMs - now) / 1000)));
  }

  /** Whole seconds left, rounded up so it reads 0 exactly when the session lapses. */
  remainS(session: Session, now: number): number {
    return Math.max(0, Math.ceil(session.remainMs(now, this.#timeoutMs) / 1000));
  }

  /** Ends the active session now (owner's `/?invalid`, server stop). */
  end(reason: SessionEndReason): void {
    const s = this.#current;
    if (s === null) return;
    this.#current = null; // before the listeners run: a listener sees the device free, never half-ended
    this.#line.offer(this.#now()); // the first in line may open the next session, nobody else for a moment
    this.#emitEnd(s, reason);
  }

  /** Ends the session if its Remain has reached 0 at `now`. Called on every request and by the timer. */
  sweep(now: number): void {
    this.#line.forgetQuiet(now); // first: a host that left the line must not end anyone's turn
    const s = this.#current;
    if (s !== null && s.remainMs(now, this.#timeoutMs) <= 0) this.end("lapsed");
    else if (s !== null && this.#turnMs > 0 && this.#line.length > 0 && now - s.startedAt >= this.#turnMs) this.end("turn-over");
  }

  /** Starts the timer that ends a lapsed session even when no request comes (unref'd: it keeps no process alive). */
  startSweeping(): void {
    if (this.#sweepTimer !== null) return;
    this.#sweepTimer = setInterval(() => this.sweep(this.#now()), SESSION_SWEEP_INTERVAL_MS);
    this.#sweepTimer.unref?.();
  }

  /** Stops the timer and ends the active session, so subscribers stop the hardware. */
  stop(): void {
    if (this.#sweepTimer !== null) clearInterval(this.#sweepTimer);
    this.#sweepTimer = null;
    this.end("server-stop");
  }

  #emitStart(s: Session): void {
    const info = s.info();
    for (const fn of [...this.#startListeners]) {
      try {
        fn(info);
      } catch (e) {
        this.#log(`httap: a session "start" listener threw: ${describe(e)}`);
      }
    }
  }

  #emitEnd(s: Session, reason: SessionEndReason): void {
    const info = s.info();
    for (const fn of [...this.#endListeners]) {
      try {
        fn(info, reason);
      } catch (e) {
        this.#log(`httap: a session "end" listener threw: ${describe(e)}`);
      }
    }
  }
}

function describe(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
