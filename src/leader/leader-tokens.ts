/**
 * @module Leader tokens (issue 21): a random 128-bit value per login, valid 8 hours, kept in memory only, so a
 * restart revokes every one. Checked in constant time against each live token.
 */
import { nodeCrypto } from "../os/node-builtins.ts";

export const LEADER_TOKEN_TTL_MS = 8 * 3600_000;
/** Live tokens at most (one per leader's browser; the oldest is dropped first). */
const TOKENS_KEPT = 64;
const TOKEN_PATTERN = /^[0-9a-f]{32}$/;

export class LeaderTokens {
  readonly #expiry = new Map<string, number>(); // token → when it expires (the tokens' own clock)

  /** A new token valid from `now`. */
  issue(now: number): string {
    const token = nodeCrypto().randomBytes(16).toString("hex");
    if (this.#expiry.size >= TOKENS_KEPT) this.#expiry.delete(this.#expiry.keys().next().value!);
    this.#expiry.set(token, now + LEADER_TOKEN_TTL_MS);
    return token;
  }

  /** Whether `token` is live at `now` (expired ones are forgotten). */
  isValid(token: string | null, now: number): boolean {
    for (const [t, until] of this.#expiry) if (now >= until) this.#expiry.delete(t);
    if (token === null || !TOKEN_PATTERN.test(token)) return false;
    const given = Buffer.from(token, "hex");
    let found = false;
    for (const t of this.#expiry.keys()) found = nodeCrypto().timingSafeEqual(Buffer.from(t, "hex"), given) || found;
    return found;
  }
}

/** The token a request carries: `Authorization: Bearer …` (a page of another car) or the `httap_leader` cookie. */
export function tokenOf(authorization: string | undefined, cookie: string | undefined): string | null {
  if (authorization !== undefined) {
    const m = /^Bearer\s+([0-9a-f]{32})$/i.exec(authorization.trim());
    if (m !== null) return m[1].toLowerCase();
  }
  if (cookie !== undefined) {
    for (const part of cookie.split(";")) {
      const [k, v] = part.trim().split("=", 2);
      if (k === LEADER_COOKIE && v !== undefined) return v;
    }
  }
  return null;
}

export const LEADER_COOKIE = "httap_leader";
