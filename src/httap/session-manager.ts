/**
 * @module The single-user promise (issue 3, DESIGN "Sessions with real browsers"): at most one session owner at a
 * time, chosen by remote address; lapse after `keepAliveS` without an HTTaP request from the owner; start and end
 * announced to subscribers (the motors' dead-man stop).
 */
import { Session } from "./session.ts";
import type { SessionInfo } from "./session.ts";
import { SessionIdSequence } from "./session-id.ts";
import { SESSION_SWEEP_INTERVAL_MS } from "./protocol.ts";

/** Why a session ended: its Remain reached 0, its owner asked `/?invalid`, or the server stopped. */
/** "closed": the owner's SCPI connection closed (SCPI: closing ends the session at once). */
export type SessionEndReason = "lapsed" | "invalid" | "server-stop" | "closed";

export interface SessionEvents {
  start: (session: SessionInfo) => void;
  end: (session: SessionInfo, reason: SessionEndReason) => void;
}

/** The answer to "may this host use the HTTaP domain now?": its session, or who holds the device and for how long. */
export type Admission =
  | { readonly kind: "owner"; readonly session: Session; readonly isNew: boolean }
  | { readonly kind: "busy"; readonly owner: string; readonly remainS: number };

export interface SessionManagerOptions {
  readonly timeoutS: number;
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
  #current: Session | null = null;                        // the one active session, if any
  readonly #startListeners: SessionEvents["start"][] = [];
  readonly #endListeners: SessionEvents["end"][] = [];
  #sweepTimer: ReturnType<typeof setInterval> | null = null; // the one cheap lapse check (Notes, issue 3)

  constructor(options: SessionManagerOptions) {
    this.timeoutS = options.timeoutS;
    this.#timeoutMs = options.timeoutS * 1000;
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

  /** The active session (after checking for a lapse at `now`), or null. */
  current(now: number = this.#now()): Session | null {
    this.sweep(now);
    return this.#current;
  }

  /**
   * Admits one HTTaP request from `host` at `now`: the owner's request renews its session, a request while no
   * session is active opens one for that host, anyone else is told the device is busy.
   */
  admit(host: string, now: number): Admission {
    this.sweep(now);
    const s = this.#current;
    if (s === null) {
      const opened = new Session(this.#ids.take(), host, now);
      this.#current = opened;
      this.#emitStart(opened);
      return { kind: "owner", session: opened, isNew: true };
    }
    if (s.owner === host) {
      s.lastSeenAt = now;
      return { kind: "owner", session: s, isNew: false };
    }
    return { kind: "busy", owner: s.owner, remainS: this.remainS(s, now) };
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
    this.#emitEnd(s, reason);
  }

  /** Ends the session if its Remain has reached 0 at `now`. Called on every request and by the timer. */
  sweep(now: number): void {
    const s = this.#current;
    if (s !== null && s.remainMs(now, this.#timeoutMs) <= 0) this.end("lapsed");
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
