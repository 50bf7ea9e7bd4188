/**
 * @module The leader's PIN (issue 21): 4-12 digits, kept only as a salted scrypt hash (`scrypt:<salt>:<hash>`, hex:
 * nothing a shell or systemd would read), never served, never logged. `HTTAP_LEADER_PIN` holds the PIN or such a
 * hash (`npm run image -- --leader-pin` writes the hash, so the image holds no PIN); either way the server keeps the
 * hash and compares in constant time.
 */
import { randomBytes, scryptSync, timingSafeEqual } from "node:crypto";

/** What a PIN looks like: digits only, so a phone's number pad types it. */
export const LEADER_PIN_PATTERN = /^[0-9]{4,12}$/;
const HASH_PATTERN = /^scrypt:([0-9a-f]{32}):([0-9a-f]{64})$/;
/** scrypt's cost: a few milliseconds on a Pi 3 per login attempt (the rate limit bounds how many). */
const SCRYPT_OPTIONS = { N: 4096, r: 8, p: 1 } as const;
const HASH_BYTES = 32;

/** A fresh salted hash of `pin` (already checked against LEADER_PIN_PATTERN). */
export function hashLeaderPin(pin: string, salt: Buffer = randomBytes(16)): string {
  return `scrypt:${salt.toString("hex")}:${scryptSync(pin, salt, HASH_BYTES, SCRYPT_OPTIONS).toString("hex")}`;
}

/** Whether `text` is a hash this module made. */
export function isLeaderPinHash(text: string): boolean {
  return HASH_PATTERN.test(text);
}

/** Whether `pin` matches `hash`: the same work and a constant-time comparison whatever the PIN. */
export function leaderPinMatches(pin: string, hash: string): boolean {
  const m = HASH_PATTERN.exec(hash);
  if (m === null) return false;
  const expected = Buffer.from(m[2], "hex");
  // a PIN of the wrong shape costs the same hash as a right one: the time tells nothing
  const candidate = scryptSync(LEADER_PIN_PATTERN.test(pin) ? pin : `\u0000${pin}`, Buffer.from(m[1], "hex"), HASH_BYTES, SCRYPT_OPTIONS);
  return timingSafeEqual(candidate, expected);
}
