/**
 * @module Wrong leader PINs (issue 21), per client host: at most 5 a minute; the 5th wrong one within a minute
 * locks the host out for 1 minute, each later lock-out twice as long as the one before, up to 10 minutes; while
 * locked out even the right PIN is refused. A right PIN clears the host's record. A host is an IPv4 address (an
 * IPv4-mapped IPv6 one counts as its IPv4 address) or an IPv6 /64: one machine holds a whole /64, so a new address
 * in it is not a new host. Over all hosts together at most LOGIN_GLOBAL_PER_WINDOW wrong PINs a minute: past that
 * everyone waits, so many addresses cannot try many PINs (2000 hosts × 5 a minute would be 10000). Pure: the clock
 * is passed in.
 */

/** Wrong PINs a host may send within LOGIN_WINDOW_MS before it is locked out. */
export const LOGIN_ATTEMPTS_PER_WINDOW = 5;
export const LOGIN_WINDOW_MS = 60_000;
/** Wrong PINs from all hosts together within LOGIN_WINDOW_MS; past it, every login waits for the window. */
export const LOGIN_GLOBAL_PER_WINDOW = 30;
/** The first lock-out; each next one doubles, up to LOGIN_BACKOFF_MAX_MS. */
export const LOGIN_BACKOFF_FIRST_MS = 60_000;
export const LOGIN_BACKOFF_MAX_MS = 600_000;
/** Hosts remembered (a room); the oldest record not locked out is forgotten first (a lock-out is never reset). */
const HOSTS_KEPT = 1024;

interface HostRecord {
  failures: number[]; // times of the wrong PINs within the window
  lockedUntil: number; // 0: not locked
  nextLockMs: number; // the next lock-out's length
}

export type LoginCheck = { readonly allowed: true } | { readonly allowed: false; readonly retryS: number };

export class LoginGuard {
  readonly #hosts = new Map<string, HostRecord>(); // host key → record, the newest last
  #recent: number[] = []; // times of every wrong PIN within the window, oldest first

  /** May `address` try a PIN at `now`? */
  check(address: string, now: number): LoginCheck {
    const r = this.#hosts.get(hostKey(address));
    let until = r === undefined ? 0 : r.lockedUntil;
    this.#recent = this.#recent.filter((t) => now - t < LOGIN_WINDOW_MS);
    if (this.#recent.length >= LOGIN_GLOBAL_PER_WINDOW) {
      until = Math.max(until, this.#recent[this.#recent.length - LOGIN_GLOBAL_PER_WINDOW] + LOGIN_WINDOW_MS);
    }
    if (now >= until) return { allowed: true };
    return { allowed: false, retryS: Math.ceil((until - now) / 1000) };
  }

  /** `address` sent a wrong PIN at `now`; returns whether its host is now locked out. */
  failed(address: string, now: number): boolean {
    this.#recent.push(now);
    const key = hostKey(address);
    let r = this.#hosts.get(key);
    if (r === undefined) {
      r = { failures: [], lockedUntil: 0, nextLockMs: LOGIN_BACKOFF_FIRST_MS };
      if (this.#hosts.size >= HOSTS_KEPT && !this.#forgetOne(now)) return false; // all locked out: the global cap holds
    }
    this.#hosts.delete(key);
    this.#hosts.set(key, r); // the newest last
    r.failures = r.failures.filter((t) => now - t < LOGIN_WINDOW_MS);
    r.failures.push(now);
    if (r.failures.length < LOGIN_ATTEMPTS_PER_WINDOW) return false;
    r.lockedUntil = now + r.nextLockMs;
    r.nextLockMs = Math.min(LOGIN_BACKOFF_MAX_MS, r.nextLockMs * 2);
    r.failures = [];
    return true;
  }

  /** `address` gave the right PIN: its host's record is cleared. */
  succeeded(address: string): void {
    this.#hosts.delete(hostKey(address));
  }

  /** Forgets the oldest record whose host has never been locked out or whose lock-out is over; false if none. */
  #forgetOne(now: number): boolean {
    let fallback: string | null = null;
    for (const [k, r] of this.#hosts) {
      if (r.lockedUntil === 0) {
        this.#hosts.delete(k);
        return true;
      }
      // a host once locked out keeps its doubled back-off while it is locked; after that it may go, oldest first
      if (fallback === null && now >= r.lockedUntil) fallback = k;
    }
    if (fallback === null) return false;
    this.#hosts.delete(fallback);
    return true;
  }
}

/** The host an address counts as: an IPv4 address itself (also IPv4-mapped), an IPv6 address its /64. */
export function hostKey(address: string): string {
  const a = address.toLowerCase().split("%", 1)[0]; // no zone
  if (!a.includes(":")) return a; // IPv4 (or anything else, as it is)
  const groups = expandIPv6(a);
  if (groups !== null && groups.slice(0, 5).every((g) => g === "0") && groups[5] === "ffff") {
    const [hi, lo] = [Number.parseInt(groups[6], 16), Number.parseInt(groups[7], 16)];
    return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`; // IPv4-mapped
  }
  return groups === null ? a : `${groups.slice(0, 4).join(":")}::/64`;
}

/** The 8 groups of an IPv6 address (no leading zeros), or null when it is not one. */
function expandIPv6(a: string): string[] | null {
  let text = a;
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (v4 !== null) {
    const [b0, b1, b2, b3] = v4.slice(1).map(Number);
    text = `${text.slice(0, v4.index)}${((b0 << 8) | b1).toString(16)}:${((b2 << 8) | b3).toString(16)}`;
  }
  const halves = text.split("::");
  if (halves.length > 2) return null;
  const head = halves[0] === "" ? [] : halves[0].split(":");
  const tail = halves.length === 1 || halves[1] === "" ? [] : halves[1].split(":");
  const missing = 8 - head.length - tail.length;
  if ((halves.length === 1 && missing !== 0) || (halves.length === 2 && missing < 1)) return null;
  const all = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill("0"), ...tail];
  if (!all.every((g) => /^[0-9a-f]{1,4}$/.test(g))) return null;
  return all.map((g) => Number.parseInt(g, 16).toString(16));
}
