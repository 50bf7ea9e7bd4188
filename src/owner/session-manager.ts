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
export type SessionEndReason = "lapsed" | "invalid" | "given-back" | "server-stop" | "closed" | "turn-over";

/** How many hosts' last session ends are remembered for `/?queue` (a room; the oldest is forgotten first). */
const LAST_ENDS_KEPT = 64;

export interface SessionEvents {
  start: (session: SessionInfo) => void;
  end: (session: SessionInfo, reason: SessionEndReason) => void;
}

/** Who holds the device, as the room may see it: a display name (null: none given), never an address. */
export interface Holder {
  /** Whether a session is open. */
  readonly owned: boolean;
  readonly owner: string | null;
  /** The page the owner drives from, as its claim said ("car", "code": a program runs), or null. */
  readonly ownerApp: string | null;
  /** Free, but held for the first in line for a few seconds. */
  readonly reserved: boolean;
  /** Seconds left in the owner's turn when a turn limit applies (someone waits), else null: no invented figures. */
  readonly turnLeftS: number | null;
}

/** The answer to a host that asks for the device (a claim, a command): its session, or its place in line. */
export type Admission =
  | { readonly kind: "owner"; readonly session: Session; readonly isNew: boolean }
  | (Holder & {
      readonly kind: "busy";
      /** This host's place in line (1 = next) and how many wait. */
      readonly place: number;
      readonly waiting: number;
      /** When to ask again to keep the place (Retry-After): well inside the keep-alive time. */
      readonly retryS: number;
    });

/** What `GET /?queue` shows: names, never addresses. */
export interface QueueInfo extends Holder {
  /** Whether the asking host owns the device. */
  readonly you: boolean;
  /** The turn length while others wait; 0: no limit. */
  readonly turnS: number;
  readonly waiting: number;
  /** The asking host's place (0: not in line). */
  readonly place: number;
  /** The waiters' display names, first first (null: no name given). */
  readonly line: (string | null)[];
  /** Why the asking host's last session ended (a page tells "your turn is over" from "you were away"), or null. */
  readonly yourLastEnd: SessionEndReason | null;
  /** Present only while the leader pauses the device (issue 21): the leader's message. */
  readonly paused?: { readonly message: string };
}

/** The leader's pause (issue 21): nobody drives while it holds; the owner keeps its session and its turn's time. */
export interface Pause {
  readonly message: string;
  /** The session clock's time it began. */
  readonly since: number;
}

/** The pause in words, as every front end refuses a command with it. */
export function pauseText(p: Pause): string {
  return `paused by the leader${p.message === "" ? "" : `: ${p.message}`}`;
}

export interface SessionManagerOptions {
  readonly timeoutS: number;
  /** A turn's length while others wait (HTTAP_TURN_S); 0: no limit. */
  readonly turnS?: number;
  /** How long a waiter whose page is hidden keeps its place (HTTAP_AWAY_S); default 60. */
  readonly awayS?: number;
  readonly now: () => number;
  /** Where a throwing listener is reported; listeners are application code and must not break the server. */
  readonly log: (line: string) => void;
}

/** The longest a waiter is told to wait before asking again (it must ask within the keep-alive time to stay). */
const ASK_AGAIN_MAX_S = 3;

export class SessionManager {
  readonly timeoutS: number;
  readonly #timeoutMs: number;
  readonly #now: () => number;
  readonly #log: (line: string) => void;
  readonly #ids: SessionIdSequence;
  #current: Session | null = null; // the one active session, if any
  readonly #line: TurnLine; // hosts waiting for the device, first come first served
  #turnMs: number; // 0: no turn limit; changed only through setTurnS (the leader, issue 21)
  #pause: Pause | null = null; // the leader's pause (issue 21)
  #turnEndsAt: number | null = null; // set when someone starts waiting behind the owner (with a turn limit)
  readonly #lastEnds = new Map<string, SessionEndReason>(); // host → why its last session ended, for /?queue
  readonly #startListeners: SessionEvents["start"][] = [];
  readonly #endListeners: SessionEvents["end"][] = [];
  #isSweeping = false; // startSweeping() was called, stop() not yet
  // The one cheap lapse check (Notes, issue 3), running while anything can lapse (#isQuiet).
  #sweepTimer: ReturnType<typeof setInterval> | null = null;

  constructor(options: SessionManagerOptions) {
    this.timeoutS = options.timeoutS;
    this.#timeoutMs = options.timeoutS * 1000;
    this.#turnMs = (options.turnS ?? 0) * 1000;
    this.#now = options.now;
    this.#log = options.log;
    this.#line = new TurnLine({ quietMs: this.#timeoutMs, awayMs: (options.awayS ?? 60) * 1000 });
    this.#ids = new SessionIdSequence(Date.now()); // wall time, not the session clock: ids differ between runs
  }

  /** A turn's length while others wait (s); 0: no limit. */
  get turnS(): number {
    return this.#turnMs / 1000;
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
    return s !== null && (this.#pause !== null || s.remainMs(now, this.#timeoutMs) > 0) ? s : null;
  }

  /** Ends the session if `host` owns it (its SCPI connection closed: closing ends the session at once). */
  endIfOwner(host: string, reason: SessionEndReason): void {
    if (this.#current?.owner === host) this.end(reason);
  }

  /**
   * `host` asks for the device at `now` (a claim or a device command; `name`: the display name it gives, if any):
   * the owner's request renews its session, a free device opens one for that host (unless it is held for the first
   * in line), anyone else joins the line or keeps its place there.
   */
  admit(host: string, now: number, name: string | null = null, app: string | null = null): Admission {
    this.sweep(now);
    const s = this.#current;
    if (s === null) {
      const reserved = this.#line.reservedAt(now);
      if (reserved === null || reserved.host === host) {
        const opened = new Session(this.#ids.take(), host, now, name ?? this.#line.nameOf(host)); // the name it waited under
        this.#lastEnds.delete(host);
        opened.app = app;
        this.#line.opened(host);
        this.#current = opened;
        this.#settleTurn(now);
        this.#wakeSweeping();
        this.#emitStart(opened);
        return { kind: "owner", session: opened, isNew: true };
      }
    } else if (s.owner === host) {
      s.lastSeenAt = now;
      if (name !== null) s.name = name;
      if (app !== null) s.app = app;
      return { kind: "owner", session: s, isNew: false };
    }
    const place = this.#line.ask(host, name, now);
    this.#settleTurn(now);
    this.#wakeSweeping();
    const holder = this.#holder(now);
    const retryS = Math.max(1, Math.min(ASK_AGAIN_MAX_S, Math.floor(this.timeoutS / 3), holder.turnLeftS ?? ASK_AGAIN_MAX_S));
    return { kind: "busy", ...holder, place, waiting: this.#line.length, retryS };
  }

  /** The owner's reads renew its session (they keep the page alive); anyone else's read is a viewer's: null. */
  renew(host: string, now: number): Session | null {
    const s = this.current(now);
    if (s === null || s.owner !== host) return null;
    s.lastSeenAt = now;
    return s;
  }

  /** A waiting host's page is hidden: it keeps its place for the grace time. Returns its place (0: not in line). */
  away(host: string, now: number = this.#now()): number {
    const place = this.#line.away(host, now);
    this.#settleTurn(now);
    return place;
  }

  /** `host` gives the device back if it owns it, or gives up its place in line; what it did. */
  leave(host: string, now: number = this.#now()): "gave-back" | "left-line" | "nothing" {
    if (this.current(now)?.owner === host) {
      this.end("given-back");
      return "gave-back";
    }
    return this.leaveLine(host, now) ? "left-line" : "nothing";
  }

  /** A waiting host gives up its place (its `/?invalid`); false when it was not in line. */
  leaveLine(host: string, now: number = this.#now()): boolean {
    const left = this.#line.leave(host, now);
    this.#settleTurn(now);
    return left;
  }

  /** `GET /?queue`, for anyone. No effect. */
  queue(host: string, now: number = this.#now()): QueueInfo {
    return {
      ...this.#holder(now),
      you: this.current(now)?.owner === host,
      turnS: this.turnS,
      waiting: this.#line.length,
      place: this.#line.placeOf(host),
      line: this.#line.names(),
      yourLastEnd: this.current(now)?.owner === host ? null : (this.#lastEnds.get(host) ?? null),
      ...(this.#pause === null ? {} : { paused: { message: this.#pause.message } }),
    };
  }

  /** The leader's pause, or null. Front ends refuse device commands while it holds (HTTaP: 423). */
  get paused(): Pause | null {
    return this.#pause;
  }

  /** The leader pauses the device: no turn ends while paused (the board is quieted by the caller). */
  pause(message: string, now: number = this.#now()): void {
    this.sweep(now); // what had already lapsed ends before the clocks stop
    if (this.#pause === null) this.#pause = { message, since: now };
    else this.#pause = { message, since: this.#pause.since };
    this.#line.freeze(now); // nobody may ask while paused: nobody leaves the line for it
  }

  /**
   * The leader resumes: the owner drives on, its turn's end moved by the time paused; its session's keep-alive and
   * the line's clocks (each waiter's, a reservation) start again from now.
   */
  resume(now: number = this.#now()): void {
    if (this.#pause === null) return;
    if (this.#turnEndsAt !== null) this.#turnEndsAt += now - this.#pause.since;
    if (this.#current !== null) this.#current.lastSeenAt = Math.max(this.#current.lastSeenAt, now);
    this.#line.thaw(now);
    this.#pause = null;
  }

  /** The leader sets the turn length (0: no limit; the caller checks the range); a running turn starts again. */
  setTurnS(turnS: number, now: number = this.#now()): void {
    this.#turnMs = turnS * 1000;
    this.#turnEndsAt = null;
    this.#settleTurn(now);
  }

  /** Who holds the device at `now`: the one answer the line, the busy replies and `/?queue` all give. No effect. */
  #holder(now: number): Holder {
    const s = this.current(now);
    // whole ms first: (now + 10000) - now is 10000.000000000002 for some clocks' fractions, and must not read 11 s
    const turnLeftS = s === null || this.#turnEndsAt === null ? null : Math.max(0, Math.ceil(Math.round(this.#turnEndsAt - now) / 1000));
    return {
      owned: s !== null,
      owner: s?.name ?? null,
      ownerApp: s?.app ?? null,
      reserved: s === null && this.#line.reservedAt(now) !== null,
      turnLeftS,
    };
  }

  /** A turn limit runs from the moment someone waits behind the owner, and stops when nobody does. */
  #settleTurn(now: number): void {
    if (this.#current === null || this.#turnMs === 0 || this.#line.length === 0) this.#turnEndsAt = null;
    else if (this.#turnEndsAt === null) this.#turnEndsAt = now + this.#turnMs;
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
    this.#turnEndsAt = null;
    this.#lastEnds.delete(s.owner);
    this.#lastEnds.set(s.owner, reason); // the newest last: the first key is the oldest
    if (this.#lastEnds.size > LAST_ENDS_KEPT) this.#lastEnds.delete(this.#lastEnds.keys().next().value!);
    this.#line.offer(this.#now()); // the first in line may open the next session, nobody else for a moment
    this.#emitEnd(s, reason);
  }

  /** Ends the session if its Remain has reached 0 at `now`. Called on every request and by the timer. */
  sweep(now: number): void {
    this.#line.forgetQuiet(now); // first: a host that left the line must not end anyone's turn
    this.#settleTurn(now);
    const s = this.#current;
    if (s !== null && this.#pause === null && s.remainMs(now, this.#timeoutMs) <= 0) this.end("lapsed");
    // a turn is over for someone present: a waiter whose page is hidden cannot take the device, so it ends nobody's
    else if (this.#pause === null && this.#turnEndsAt !== null && now >= this.#turnEndsAt && this.#line.hasPresent) this.end("turn-over");
  }

  /**
   * Starts the timer that ends a lapsed session even when no request comes (unref'd: it keeps no process alive). It
   * runs only while something can lapse (an owner, someone in line) and is woken by `admit`, the one way in: with
   * nobody there, sessions make no wake-ups and run no JavaScript (issue 22).
   */
  startSweeping(): void {
    this.#isSweeping = true;
    this.#wakeSweeping();
  }

  /** Stops the timer and ends the active session, so subscribers stop the hardware. */
  stop(): void {
    this.#isSweeping = false;
    this.#stopSweepTimer();
    this.end("server-stop");
  }

  /** Nothing to sweep: no session to lapse, nobody in line to forget or to hold a turn for. */
  #isQuiet(): boolean {
    return this.#current === null && this.#line.length === 0;
  }

  #wakeSweeping(): void {
    if (!this.#isSweeping || this.#sweepTimer !== null || this.#isQuiet()) return;
    this.#sweepTimer = setInterval(() => {
      this.sweep(this.#now());
      if (this.#isQuiet()) this.#stopSweepTimer();
    }, SESSION_SWEEP_INTERVAL_MS);
    this.#sweepTimer.unref?.();
  }

  #stopSweepTimer(): void {
    if (this.#sweepTimer !== null) clearInterval(this.#sweepTimer);
    this.#sweepTimer = null;
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
