/**
 * @module The state store: small named files in one flat directory (`HTTAP_STATE_DIR`) for saved programs, the
 * leader's PIN hash, the fleet's peer cache. Reads are synchronous (small files, usually in the page cache). Writes
 * and removals go through Bun's asynchronous file calls, which run on its thread pool, so an SD card taking 100 ms
 * over an fsync never stalls the one loop that also feeds the engine's heartbeat. Each name has one queue: its
 * operations land in order, an operation still waiting is replaced by a newer one (last write wins; both callers
 * learn when the newer lands), and each write lands atomically: temporary file, fsync, rename, fsync of the
 * directory. After a crash or a power loss a file holds its old or its new content, never a mix.
 */
import { nodeFs, nodeFsPromises, nodePath } from "../os/node-builtins.ts";
import { MAX_STATE_FILE_BYTES, MAX_STATE_FILES, MAX_STATE_TOTAL_BYTES, STATE_NAME, tempName } from "./state-limits.ts";

/** Why the store refused or failed an operation; a front end maps each to its own reply. */
export type StateErrorCode = "bad-name" | "file-too-large" | "too-many-files" | "store-full" | "io-failed";

export class StateError extends Error {
  readonly code: StateErrorCode;
  constructor(code: StateErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

/** The file calls a write goes through, with absolute paths; a test swaps one to fail a step. */
export interface StateFiles {
  /** Creates or truncates `path` (mode 0600), writes all of `bytes`, fsyncs and closes it. */
  writeSynced(path: string, bytes: Uint8Array): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  /** Unlinks `path`; a missing file is no error. */
  remove(path: string): Promise<void>;
  /** fsync of a directory: makes the rename or unlink done in it durable. */
  syncDirectory(path: string): Promise<void>;
}

/** The real calls: `node:fs/promises`, which Bun runs on its thread pool, off the main loop. */
export const DISK_FILES: StateFiles = {
  async writeSynced(path, bytes) {
    const file = await nodeFsPromises().open(path, "w", 0o600);
    try {
      await file.writeFile(bytes);
      await file.sync();
    } finally {
      await file.close();
    }
  },
  rename: (from, to) => nodeFsPromises().rename(from, to),
  async remove(path) {
    try {
      await nodeFsPromises().unlink(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    }
  },
  async syncDirectory(path) {
    const directory = await nodeFsPromises().open(path, "r");
    try {
      await directory.sync();
    } finally {
      await directory.close();
    }
  },
};

/** One operation waiting for its turn: new content, or null for a removal, and every caller it answers. */
interface Waiting {
  bytes: Uint8Array | null;
  readonly callers: { resolve(): void; reject(error: Error): void }[];
}

export class StateStore {
  readonly #dir: string; // absolute; "/" inside the sandbox, whose root is the state directory
  readonly #files: StateFiles; // the file calls writes go through
  readonly #onDisk = new Map<string, number>(); // size of each file on disk: this process is its only writer
  readonly #accepted = new Map<string, Uint8Array | null>(); // newest content of a name whose queue is busy (null: removed)
  readonly #queues = new Map<string, Waiting | null>(); // a name's queue is busy while present; the value waits behind
  readonly #idle: (() => void)[] = []; // flush() callers, answered when no queue is busy

  /** Reads the directory's file list (prepareStateDir checked it at start). */
  constructor(dir: string, files: StateFiles = DISK_FILES) {
    this.#dir = dir;
    this.#files = files;
    for (const entry of nodeFs().readdirSync(dir, { withFileTypes: true })) {
      if (entry.isFile() && STATE_NAME.test(entry.name))
        this.#onDisk.set(entry.name, nodeFs().statSync(nodePath().join(dir, entry.name)).size);
    }
  }

  /** The newest content of `name` (what was last accepted, landed or not); null when there is none. */
  read(name: string): Uint8Array | null {
    const refusal = this.#checkName(name);
    if (refusal !== null) throw refusal;
    const accepted = this.#accepted.get(name);
    if (accepted !== undefined) return accepted === null ? null : accepted.slice();
    if (!this.#onDisk.has(name)) return null;
    return nodeFs().readFileSync(nodePath().join(this.#dir, name));
  }

  /** Every file as the newest operations leave it, by name. */
  list(): { name: string; bytes: number }[] {
    return [...this.#sizes()].map(([name, bytes]) => ({ name, bytes })).sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  /** Files and bytes in use, for the start-up line and the limits. */
  usage(): { files: number; bytes: number } {
    let bytes = 0;
    const sizes = this.#sizes();
    for (const size of sizes.values()) bytes += size;
    return { files: sizes.size, bytes };
  }

  /**
   * Replaces `name` with a copy of `bytes`. Resolves once the new content is durable (or a newer write to the same
   * name is); rejects with a StateError: a refusal (name, limits) before anything is queued, or `io-failed`.
   */
  write(name: string, bytes: Uint8Array): Promise<void> {
    const refusal = this.#checkName(name) ?? this.#checkRoom(name, bytes.byteLength);
    if (refusal !== null) return Promise.reject(refusal);
    return this.#enqueue(name, bytes.slice());
  }

  /** Removes `name` (durably); nothing to do when it does not exist. */
  remove(name: string): Promise<void> {
    const refusal = this.#checkName(name);
    if (refusal !== null) return Promise.reject(refusal);
    if (!this.#sizes().has(name)) return Promise.resolve();
    return this.#enqueue(name, null);
  }

  /** Resolves when every accepted operation has landed or failed (at stop, before exit). */
  flush(): Promise<void> {
    if (this.#queues.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  #checkName(name: string): StateError | null {
    if (STATE_NAME.test(name)) return null;
    return new StateError("bad-name", `"${name.slice(0, 80)}" is not a state file name: 1 to 64 of a-z 0-9 . _ -, not starting with a dot`);
  }

  #checkRoom(name: string, size: number): StateError | null {
    if (size > MAX_STATE_FILE_BYTES) {
      return new StateError("file-too-large", `${name}: ${size} bytes, over the ${MAX_STATE_FILE_BYTES} a state file may hold`);
    }
    const sizes = this.#sizes();
    const old = sizes.get(name);
    if (old === undefined && sizes.size >= MAX_STATE_FILES) {
      return new StateError("too-many-files", `${name}: the state directory holds ${MAX_STATE_FILES} files already, the most it may`);
    }
    let total = size - (old ?? 0);
    for (const bytes of sizes.values()) total += bytes;
    if (total > MAX_STATE_TOTAL_BYTES) {
      return new StateError("store-full", `${name}: ${size} bytes would bring the state to ${total}, over its ${MAX_STATE_TOTAL_BYTES}`);
    }
    return null;
  }

  /** Sizes as the accepted operations leave them: the disk, overlaid with what is queued. */
  #sizes(): Map<string, number> {
    const sizes = new Map(this.#onDisk);
    for (const [name, bytes] of this.#accepted) {
      if (bytes === null) sizes.delete(name);
      else sizes.set(name, bytes.byteLength);
    }
    return sizes;
  }

  #enqueue(name: string, bytes: Uint8Array | null): Promise<void> {
    const { promise, resolve, reject } = Promise.withResolvers<void>();
    this.#accepted.set(name, bytes);
    const waiting = this.#queues.get(name);
    if (waiting === undefined || waiting === null) {
      this.#queues.set(name, { bytes, callers: [{ resolve, reject }] });
      if (waiting === undefined) void this.#run(name); // the queue was idle; otherwise its loop picks this up
    } else {
      waiting.bytes = bytes; // last write wins: the one it replaces never touches the card
      waiting.callers.push({ resolve, reject });
    }
    return promise;
  }

  /** The queue of one name: lands what waits, one operation at a time, until nothing does. */
  async #run(name: string): Promise<void> {
    for (let next = this.#queues.get(name); next; next = this.#queues.get(name)) {
      this.#queues.set(name, null);
      try {
        await this.#land(name, next.bytes);
        for (const caller of next.callers) caller.resolve();
      } catch (error) {
        const failure = new StateError("io-failed", `${next.bytes === null ? "removing" : "saving"} ${name}: ${(error as Error).message}`);
        for (const caller of next.callers) caller.reject(failure);
      }
    }
    this.#queues.delete(name);
    this.#accepted.delete(name); // nothing newer is queued: the disk (landed or, after a failure, as it was) is the truth
    if (this.#queues.size === 0) for (const resolve of this.#idle.splice(0)) resolve();
  }

  async #land(name: string, bytes: Uint8Array | null): Promise<void> {
    const path = nodePath().join(this.#dir, name);
    if (bytes === null) {
      await this.#files.remove(path);
      this.#onDisk.delete(name);
    } else {
      const temp = nodePath().join(this.#dir, tempName(name));
      try {
        await this.#files.writeSynced(temp, bytes);
        await this.#files.rename(temp, path);
      } catch (error) {
        await this.#files.remove(temp).catch(() => {}); // the old file is untouched; a temp left by a crash goes at start
        throw error;
      }
      this.#onDisk.set(name, bytes.byteLength);
    }
    await this.#files.syncDirectory(this.#dir); // the rename or unlink itself survives a power loss only after this
  }
}
