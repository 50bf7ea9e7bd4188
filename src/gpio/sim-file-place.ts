/**
 * @module Where a default simulator file goes (no HTTAP_SIM_FILE), named after the process that made it, and the
 * removal of those left by processes that are gone. The file itself: sim-file.ts.
 */
import { nodeFs, nodeOs, nodePath } from "../os/node-builtins.ts";

/** A default file's name, after the process that made it; and the pattern that finds that process again. */
const fileName = (pid: number) => `httap-sim-${pid}.bin`;
const FILE_NAME = /^httap-sim-(\d+)\.bin$/;

/**
 * Where a default simulator file goes: memory-backed directories first. The file is rewritten with every edge (a tone
 * logs 2,000 a second) and lives as long as the process: on a disk its pages would be written back for nothing, and
 * the first write to each page costs a block allocation (issue 22: mapping and initialising it took 0.5 ms of the
 * simulated board's start on ext4, 0.15 ms on tmpfs). `shm` is /dev/shm but in tests.
 */
export function defaultSimPath(env: Readonly<Record<string, string | undefined>>, pid = process.pid, shm = "/dev/shm"): string {
  const runtime = env.XDG_RUNTIME_DIR;
  const dir =
    runtime !== undefined && runtime !== "" && nodeFs().existsSync(runtime) ? runtime : isWritableDirectory(shm) ? shm : nodeOs().tmpdir();
  return nodePath().join(dir, fileName(pid));
}

/**
 * Removes the default files in `dir` of processes that are gone: one killed (SIGKILL, a power cut of a development
 * machine) could not remove its own, and in /dev/shm that would hold memory until the next boot. A file whose process
 * still runs, and every other file, stays. Returns how many were removed.
 */
export function removeAbandonedSimFiles(dir: string, isRunning = (pid: number) => nodeFs().existsSync(`/proc/${pid}`)): number {
  let names: string[];
  try {
    names = nodeFs().readdirSync(dir);
  } catch {
    return 0;
  }
  let removed = 0;
  for (const name of names) {
    const made = FILE_NAME.exec(name);
    if (made === null || isRunning(Number(made[1]))) continue;
    try {
      nodeFs().rmSync(nodePath().join(dir, name));
      removed++;
    } catch {} // another user's, in a sticky directory: theirs to remove
  }
  return removed;
}

function isWritableDirectory(path: string): boolean {
  try {
    const { accessSync, constants, statSync } = nodeFs();
    accessSync(path, constants.W_OK | constants.X_OK);
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
