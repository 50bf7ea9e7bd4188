/** @module Every limit of the saved programs (issue 20), with its unit and the reason for its value (STYLE rule 8). */

/**
 * A program's name: 1 to 40 of `a-z 0-9 _ -`, starting with a letter or a digit. Lower case only, so two names
 * never differ by case alone (one participant's "Dance" would silently replace another's "dance" on a case-folding
 * export), and short enough to read in a list on a phone. The page lowercases and turns spaces into `-` as one types.
 */
export const PROGRAM_NAME = /^[a-z0-9][a-z0-9_-]{0,39}$/;
export const MAX_PROGRAM_NAME_CHARS = 40;

/** Largest saved program in bytes (its file: code, blocks and name): a state file's limit, one request body. */
export const MAX_PROGRAM_BYTES = 64 * 1024;

/** Most saved programs: ten each for a room of twenty, and a list a phone can still scroll. */
export const MAX_PROGRAMS = 200;

/**
 * Most bytes of all saved programs together. The issue asks for 8 MiB; the state store holds at most
 * `MAX_STATE_TOTAL_BYTES` (4 MiB) for every state file, so that store's limit is reached first and answered the same way.
 */
export const MAX_PROGRAMS_TOTAL_BYTES = 8 * 1024 * 1024;

/** A program's file in the state directory: the prefix keeps programs apart from the device's other state files. */
export const PROGRAM_FILE_PREFIX = "program-";
export const PROGRAM_FILE_SUFFIX = ".json";

export function programFile(name: string): string {
  return `${PROGRAM_FILE_PREFIX}${name}${PROGRAM_FILE_SUFFIX}`;
}

/** The program name in a state file's name, or null when the file is not a program. */
export function programNameOf(file: string): string | null {
  if (!file.startsWith(PROGRAM_FILE_PREFIX) || !file.endsWith(PROGRAM_FILE_SUFFIX)) return null;
  const name = file.slice(PROGRAM_FILE_PREFIX.length, -PROGRAM_FILE_SUFFIX.length);
  return PROGRAM_NAME.test(name) ? name : null;
}
