/**
 * @module The state directory at start (`HTTAP_STATE_DIR`): made when missing, checked loudly (a directory holding
 * only state files, writable by the user the server will run as), leftovers of a cut-short write removed. Every
 * refusal is a ConfigError with a sentence naming the setting: exit 2, before serving.
 */
import type { Stats } from "node:fs";
import { nodeFs, nodePath } from "../os/node-builtins.ts";
import { ConfigError } from "../config.ts";
import { MAX_STATE_TOTAL_BYTES, STATE_NAME, TEMP_NAME } from "./state-limits.ts";
import { StateStore } from "./state-store.ts";

/** The user the sandbox will drop to (src/privileges.ts), when the directory is checked as root for someone else. */
export interface StateOwner {
  readonly uid: number;
  readonly gid: number;
  /** For sentences: "nobody (65534)". */
  readonly userText: string;
}

/** A checked state directory and what start-up found, for the log line. */
export interface StateDirSummary {
  readonly dir: string;
  readonly created: boolean;
  /** Leftover temporary files removed (a write cut short by a crash or a power loss). */
  readonly leftovers: number;
}

const SETTING = "HTTAP_STATE_DIR";
const PROBE = ".probe.tmp";

function refuse(dir: string, problem: string): never {
  throw new ConfigError(`${SETTING}="${dir}" ${problem}`);
}

/**
 * Makes `dir` if it is missing (mode 0700; owned by `owner` when given, as systemd's StateDirectory= does) and checks
 * it. With `owner` (the sandbox, started as root) the directory becomes the sandbox's root, so it and every file in it
 * must belong to that user; without, the directory is tried for real: a file written, synced and removed.
 */
export function prepareStateDir(dir: string, owner: StateOwner | null): StateDirSummary {
  let created = false;
  let stats: Stats;
  try {
    stats = nodeFs().statSync(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") refuse(dir, `cannot be used: ${(error as Error).message}`);
    try {
      nodeFs().mkdirSync(dir, { recursive: true, mode: 0o700 });
      if (owner !== null) nodeFs().chownSync(dir, owner.uid, owner.gid);
    } catch (error) {
      refuse(dir, `does not exist and cannot be created: ${(error as Error).message}`);
    }
    created = true;
    stats = nodeFs().statSync(dir);
  }
  if (!stats.isDirectory()) refuse(dir, "is not a directory");
  const chown = owner === null ? "" : `chown -R ${owner.uid}:${owner.gid} ${dir}`;
  if (owner !== null) {
    if (stats.uid !== owner.uid) {
      refuse(
        dir,
        `belongs to uid ${stats.uid}, not to ${owner.userText}, the user the sandbox runs as (the directory becomes its root): ${chown}`,
      );
    }
    const mode = (stats.mode & 0o777).toString(8);
    if ((stats.mode & 0o700) !== 0o700)
      refuse(dir, `is not readable, writable and searchable by its owner (mode ${mode}): chmod u+rwx ${dir}`);
  }
  let leftovers = 0;
  for (const entry of nodeFs().readdirSync(dir, { withFileTypes: true })) {
    const path = nodePath().join(dir, entry.name);
    if (entry.isFile() && TEMP_NAME.test(entry.name)) {
      nodeFs().unlinkSync(path); // never read: the rename it was waiting for did not happen, so the old file is the truth
      leftovers++;
      continue;
    }
    if (!entry.isFile() || !STATE_NAME.test(entry.name)) {
      const kind = entry.isDirectory()
        ? "a directory"
        : entry.isSymbolicLink()
          ? "a symbolic link"
          : entry.isFile()
            ? "a file"
            : "a special file";
      refuse(
        dir,
        `holds "${entry.name}" (${kind}), which is not a state file: the directory must hold only httap's own files ` +
          "(flat, named a-z 0-9 . _ -), so point the setting at a directory of its own",
      );
    }
    if (owner !== null && nodeFs().lstatSync(path).uid !== owner.uid) {
      refuse(dir, `holds "${entry.name}", which does not belong to ${owner.userText}, the user the sandbox runs as: ${chown}`);
    }
  }
  if (owner === null) probeStateDir(dir);
  return { dir, created, leftovers };
}

/**
 * Writes, syncs and removes a small file in `dir`: proof that state can be saved by whoever this process is now.
 * Called at start without the sandbox, and inside it right after the drop: `dir` is then "/", and `shown` the
 * configured path the sentence names.
 */
export function probeStateDir(dir: string, shown = dir, where = ""): void {
  const path = nodePath().join(dir, PROBE);
  try {
    const fd = nodeFs().openSync(path, "w", 0o600);
    try {
      nodeFs().writeSync(fd, "httap\n");
      nodeFs().fsyncSync(fd);
    } finally {
      nodeFs().closeSync(fd);
    }
    nodeFs().unlinkSync(path);
  } catch (error) {
    refuse(shown, `cannot be written${where}: ${(error as Error).message}`);
  }
}

/**
 * The store over a checked directory, once the process is what it will stay: inside the sandbox the directory is
 * the root, so the store says "/" (tried first as the dropped user); else its path. Returns the start-up line too.
 */
export function openStateStore(checked: StateDirSummary, inSandbox: boolean): { store: StateStore; line: string } {
  if (inSandbox) probeStateDir("/", checked.dir, " inside the sandbox");
  const store = new StateStore(inSandbox ? "/" : checked.dir);
  const { files, bytes } = store.usage();
  const notes = [checked.created ? "created" : "", checked.leftovers > 0 ? `${checked.leftovers} cut-short write(s) dropped` : ""];
  const said = notes.filter((n) => n !== "").join(", ");
  const kib = (n: number) => Math.ceil(n / 1024);
  return {
    store,
    line: `state: ${checked.dir}, ${files} files, ${kib(bytes)} of ${kib(MAX_STATE_TOTAL_BYTES)} KiB${said === "" ? "" : ` (${said})`}`,
  };
}
