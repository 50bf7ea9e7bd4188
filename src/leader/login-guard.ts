/**
 * @module Wrong leader PINs, per client host (issue 21): at most 5 a minute; the 5th wrong one within a minute
 * locks the host out for 1 minute, each later lock-out twice as long as the one before, up to 10 minutes; while
 * locked out even the right PIN is refused. A right PIN clears the host's record. Pure: the clock is passed in.
 */

/** Wrong PINs a host may send within LOGIN_WINDOW_MS before it is locked out. */
export const LOGIN_ATTEMPTS_PER_WINDOW = 5;
export const LOGIN_WINDOW_MS = 60_000;
/** The first lock-out; each next one doubles, up to LOGIN_BACKOFF_MAX_MS. */
export const LOGIN_BACKOFF_FIRST_MS = 60_000;
export const LOGIN_BACKOFF_MAX_MS = 600_000;
/** Hosts remembered (a room); the oldest record is forgotten first. */
const HOSTS_KEPT = 1024;

interface HostRecord {
  failures: number[]; // times of the wrong PINs within the window
  lockedUntil: number; // 0: not locked
  nextLockMs: number; // the next lock-out's length
}

export type LoginCheck = { readonly allowed: true } | { readonly allowed: false; readonly retryS: number };

export class LoginGuard {
  readonly #hosts = new Map<string, HostRecord>();

  /** May `host` try a PIN at `now`? */
  check(host: string, now: number): LoginCheck {
    const r = this.#hosts.get(host);
    if (r === undefined || now >= r.lockedUntil) return { allowed: true };
    return { allowed: false, retryS: Math.ceil((r.lockedUntil - now) / 1000) };
  }

  /** `host` sent a wrong PIN at `now`; returns whether it is now locked out. */
  failed(host: string, now: number): boolean {
    let r = this.#hosts.get(host);
    if (r === undefined) {
      r = { failures: [], lockedUntil: 0, nextLockMs: LOGIN_BACKOFF_FIRST_MS };
      if (this.#hosts.size >= HOSTS_KEPT) this.#hosts.delete(this.#hosts.keys().next().value!);
    }
    this.#hosts.delete(host);
    this.#hosts.set(host, r); // the newest last
    r.failures = r.failures.filter((t) => now - t < LOGIN_WINDOW_MS);
    r.failures.push(now);
    if (r.failures.length < LOGIN_ATTEMPTS_PER_WINDOW) return false;
    r.lockedUntil = now + r.nextLockMs;
    r.nextLockMs = Math.min(LOGIN_BACKOFF_MAX_MS, r.nextLockMs * 2);
    r.failures = [];
    return true;
  }

  /** `host` gave the right PIN: its record is cleared. */
  succeeded(host: string): void {
    this.#hosts.delete(host);
  }
}
