/**
 * @module The leader's PIN (issue 21): 4-12 digits, kept only as a salted scrypt hash (`scrypt-n1024:<salt>:<hash>`, hex:
 * nothing a shell or systemd would read), never served, never logged. `HTTAP_LEADER_PIN` holds the PIN or such a
 * hash (`npm run image -- --leader-pin` writes the hash, so the image holds no PIN); either way the server keeps the
 * hash and compares in constant time.
 */
import { nodeCrypto } from "../os/node-builtins.ts";

/** What a PIN looks like: digits only, so a phone's number pad types it. */
export const LEADER_PIN_PATTERN = /^[0-9]{4,12}$/;
/** `scrypt:` (N = 2^12, the first hashes written) or `scrypt-n<N>:` (its cost named). */
const HASH_PATTERN = /^scrypt(?:-n(1024|2048|4096)):([0-9a-f]{32}):([0-9a-f]{64})$|^scrypt:([0-9a-f]{32}):([0-9a-f]{64})$/;
/**
 * scrypt's cost for new hashes. The HTTP layer's handlers are synchronous (src/http/types.ts: no deferred reply),
 * so the check runs on the one thread and every request waits for it: N = 2^10, r = 8 (1 MiB) measured 2.5 ms on
 * a Xeon core against 8.5 ms for N = 2^12 (4 MiB); a Pi 3 is about 8 times slower (about 20 ms, against 70). The
 * login guard's global cap (30 wrong PINs a minute in all) bounds how often a drive command waits that long. A
 * 4-12 digit PIN is never safe from an offline search anyway: the hash keeps it out of sight, the file's mode
 * 0600 keeps the hash.
 */
export const LEADER_PIN_SCRYPT_N = 1024;
const R = 8;
const HASH_BYTES = 32;

/** A fresh salted hash of `pin` (already checked against LEADER_PIN_PATTERN). */
export function hashLeaderPin(pin: string, salt: Buffer = nodeCrypto().randomBytes(16)): string {
  const hash = nodeCrypto().scryptSync(pin, salt, HASH_BYTES, { N: LEADER_PIN_SCRYPT_N, r: R, p: 1 });
  return `scrypt-n${LEADER_PIN_SCRYPT_N}:${salt.toString("hex")}:${hash.toString("hex")}`;
}

/** Whether `text` is a hash this module made (now or before its cost was named). */
export function isLeaderPinHash(text: string): boolean {
  return HASH_PATTERN.test(text);
}

/** Whether `pin` matches `hash`: the same work and a constant-time comparison whatever the PIN. */
export function leaderPinMatches(pin: string, hash: string): boolean {
  const m = HASH_PATTERN.exec(hash);
  if (m === null) return false;
  const N = m[1] === undefined ? 4096 : Number(m[1]);
  const salt = Buffer.from(m[2] ?? m[4], "hex");
  const expected = Buffer.from(m[3] ?? m[5], "hex");
  // a PIN of the wrong shape costs the same hash as a right one: the time tells nothing
  const candidate = nodeCrypto().scryptSync(LEADER_PIN_PATTERN.test(pin) ? pin : `\u0000${pin}`, salt, HASH_BYTES, { N, r: R, p: 1 });
  return nodeCrypto().timingSafeEqual(candidate, expected);
}
