/**
 * @module Saved programs (issue 20) over the state store: one file a program (`program-NAME.json`), written
 * atomically off the loop by `StateStore` (temporary file, fsync, rename), read synchronously. Every refusal is
 * decided here, before anything is queued, so a refused save writes nothing.
 */
import { isJsonObject } from "../httap/json-body.ts";
import { StateError, type StateStore } from "../state/state-store.ts";
import { MAX_STATE_FILE_BYTES, MAX_STATE_FILES, MAX_STATE_TOTAL_BYTES } from "../state/state-limits.ts";
import { MAX_PROGRAM_BYTES, MAX_PROGRAMS, MAX_PROGRAMS_TOTAL_BYTES, PROGRAM_NAME, programFile, programNameOf } from "./program-limits.ts";
import { STARTERS } from "./starters.ts";

/** How a program is edited: blocks (Blockly's JSON, with the code they generate) or JavaScript typed by hand. */
export type ProgramMode = "blocks" | "js";

export interface Program {
  readonly name: string;
  readonly mode: ProgramMode;
  /** The JavaScript (for blocks: what they generate, kept for export and for a reader without Blockly). */
  readonly code: string;
  /** Blockly's serialization of the workspace (mode "blocks"); null in JavaScript mode. */
  readonly blocks: Record<string, unknown> | null;
}

/** Why a program operation was refused; the word maps each to a status (all 4xx but `state-off`). */
export type ProgramRefusalCode =
  | "bad-name"
  | "bad-program"
  | "read-only"
  | "program-too-large"
  | "too-many-programs"
  | "programs-full"
  | "not-found"
  | "state-off";

export type ProgramResult<T> = { ok: true; value: T } | { ok: false; code: ProgramRefusalCode; message: string };

const refuse = (code: ProgramRefusalCode, message: string): { ok: false; code: ProgramRefusalCode; message: string } => ({
  ok: false,
  code,
  message,
});

export function checkName(name: unknown): ProgramResult<string> {
  if (typeof name !== "string" || !PROGRAM_NAME.test(name)) {
    const shown = typeof name === "string" ? `"${name.slice(0, 60)}"` : "the name";
    return refuse("bad-name", `${shown} is not a program name: 1 to 40 of a-z 0-9 _ -, starting with a letter or a digit`);
  }
  if (STARTERS.some((s) => s.name === name)) {
    return refuse("read-only", `"${name}" is a starter program, which cannot be changed: save your version under another name`);
  }
  return { ok: true, value: name };
}

/** A program from a parsed request body, checked field by field. */
export function checkProgram(value: unknown): ProgramResult<Program> {
  if (!isJsonObject(value)) {
    return refuse("bad-program", 'a program is an object: {"name":"my-dance","mode":"blocks"|"js","code":"...","blocks":{...}}');
  }
  const name = checkName(value.name);
  if (!name.ok) return name;
  if (value.mode !== "blocks" && value.mode !== "js") return refuse("bad-program", 'the program\'s mode must be "blocks" or "js"');
  if (typeof value.code !== "string") return refuse("bad-program", "the program's code must be a string of JavaScript");
  const blocks = value.blocks ?? null;
  if (blocks !== null && (typeof blocks !== "object" || Array.isArray(blocks))) {
    return refuse("bad-program", "the program's blocks must be Blockly's workspace object, or null");
  }
  if (value.mode === "blocks" && blocks === null) return refuse("bad-program", "a blocks program needs its blocks");
  return { ok: true, value: { name: name.value, mode: value.mode, code: value.code, blocks: blocks as Record<string, unknown> | null } };
}

export class ProgramStore {
  readonly #state: () => StateStore | null; // asked at each call: the store opens after start (inside the sandbox)
  readonly #log: (line: string) => void;

  constructor(state: () => StateStore | null, log: (line: string) => void) {
    this.#state = state;
    this.#log = log;
  }

  /** The saved programs by name, with their size in bytes. */
  list(): ProgramResult<{ name: string; bytes: number }[]> {
    const store = this.#state();
    if (store === null) return this.#off();
    const programs = store.list().flatMap((f) => {
      const name = programNameOf(f.name);
      return name === null ? [] : [{ name, bytes: f.bytes }];
    });
    return { ok: true, value: programs };
  }

  load(name: string): ProgramResult<Program> {
    const starter = STARTERS.find((s) => s.name === name);
    if (starter !== undefined) return { ok: true, value: starter };
    const store = this.#state();
    if (store === null) return this.#off();
    if (!PROGRAM_NAME.test(name)) return checkName(name) as ProgramResult<never>;
    const bytes = store.read(programFile(name));
    if (bytes === null) return refuse("not-found", `no program is saved as "${name}"`);
    return { ok: true, value: JSON.parse(new TextDecoder().decode(bytes)) as Program };
  }

  /**
   * Accepts `program` (checked by `checkProgram`) and queues its atomic write: reads see it at once, the card has
   * it a moment later. Every limit is checked first, so a refusal writes nothing.
   */
  save(program: Program): ProgramResult<{ bytes: number }> {
    const store = this.#state();
    if (store === null) return this.#off();
    const bytes = new TextEncoder().encode(JSON.stringify(program));
    const file = programFile(program.name);
    if (bytes.byteLength > Math.min(MAX_PROGRAM_BYTES, MAX_STATE_FILE_BYTES)) {
      return refuse("program-too-large", `"${program.name}" is ${bytes.byteLength} bytes; a program may hold ${MAX_PROGRAM_BYTES}`);
    }
    const files = store.list();
    const programs = files.filter((f) => programNameOf(f.name) !== null);
    const old = files.find((f) => f.name === file);
    if (old === undefined && programs.length >= MAX_PROGRAMS) {
      return refuse("too-many-programs", `the device keeps ${MAX_PROGRAMS} programs already: delete one before saving "${program.name}"`);
    }
    if (old === undefined && files.length >= MAX_STATE_FILES) {
      return refuse("too-many-programs", `the device's state holds ${MAX_STATE_FILES} files already: delete a program first`);
    }
    const grow = bytes.byteLength - (old?.bytes ?? 0);
    const programBytes = programs.reduce((s, f) => s + f.bytes, 0) + grow;
    const stateBytes = files.reduce((s, f) => s + f.bytes, 0) + grow;
    if (programBytes > MAX_PROGRAMS_TOTAL_BYTES || stateBytes > MAX_STATE_TOTAL_BYTES) {
      return refuse("programs-full", `the device's storage for programs is full: delete a program before saving "${program.name}"`);
    }
    store.write(file, bytes).catch((error: unknown) => this.#failed(program.name, error));
    return { ok: true, value: { bytes: bytes.byteLength } };
  }

  remove(name: string): ProgramResult<{ removed: boolean }> {
    const checked = checkName(name);
    if (!checked.ok) return checked;
    const store = this.#state();
    if (store === null) return this.#off();
    const file = programFile(name);
    if (store.read(file) === null) return refuse("not-found", `no program is saved as "${name}"`);
    store.remove(file).catch((error: unknown) => this.#failed(name, error));
    return { ok: true, value: { removed: true } };
  }

  #failed(name: string, error: unknown): void {
    // the card refused (full, worn, read-only): the old file is intact; the room hears it through the log
    this.#log(`programs: "${name}" ${error instanceof StateError ? error.message : String(error)}`);
  }

  #off(): { ok: false; code: ProgramRefusalCode; message: string } {
    return refuse("state-off", "programs cannot be kept on this device: it runs without a state directory (HTTAP_STATE_DIR, --state-dir)");
  }
}
