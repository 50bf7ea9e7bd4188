/** @module Every limit of the state store (`HTTAP_STATE_DIR`), with its unit and the reason for its value (STYLE rule 8). */

/**
 * Largest state file in bytes. A participant's program is a few KiB, a PIN hash or the peer cache far less; 64 KiB
 * is the largest body one HTTP request carries by default (`MAX_BODY_BYTES_DEFAULT`), and reads are synchronous, so
 * a read stays one short `read(2)`.
 */
export const MAX_STATE_FILE_BYTES = 64 * 1024;

/** Most state files: tens of saved programs plus a few of the device's own; bounds the start-up scan and `list()`. */
export const MAX_STATE_FILES = 256;

/**
 * Most bytes in all state files together. The state shares the SD card's root file system with the OS: a room of
 * participants saving programs in a loop must never fill it (a full root breaks logging, NetworkManager, updates).
 * 4 MiB is ~1000 programs of 4 KiB, and nothing on a card of 8 GiB or more.
 */
export const MAX_STATE_TOTAL_BYTES = 4 * 1024 * 1024;

/**
 * A state file's name: 1 to 64 of `a-z 0-9 . _ -`, not starting with a dot. No `/` (no traversal, one flat
 * directory), no `.` or `..`, no hidden names: those are the store's own temporary files (`.NAME.tmp`).
 */
export const STATE_NAME = /^[a-z0-9_-][a-z0-9._-]{0,63}$/;

/** The temporary file a write goes through before its rename; one per name, since writes to a name take turns. */
export function tempName(name: string): string {
  return `.${name}.tmp`;
}

/** A leftover temporary file (a write cut short by a crash or power loss): removed at start, never read. */
export const TEMP_NAME = /^\.[a-z0-9_-][a-z0-9._-]{0,63}\.tmp$/;
