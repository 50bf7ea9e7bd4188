/**
 * @module Running the image tools (sfdisk, debugfs, mtools, xz): one call, its output, and an Error with the
 * tool's own words when it fails. Every call is bounded in time.
 */
export interface RunResult {
  readonly stdout: string;
  readonly stderr: string;
}

export class ToolError extends Error {}

// e2fsprogs and fdisk live in /usr/sbin, which a normal user's PATH often lacks: they need no root here
const SEARCH_PATH = `${process.env.PATH ?? ""}:/usr/sbin:/sbin`;
const TIMEOUT_MS = 10 * 60_000; // writing a 100 MB binary into a slow disk image still fits

/** Runs `cmd` to the end; throws ToolError naming the command when it cannot start or exits non-zero. */
export function run(cmd: readonly string[], o: { input?: string; allowFailure?: boolean } = {}): RunResult & { code: number } {
  let r: ReturnType<typeof Bun.spawnSync>;
  const program = Bun.which(cmd[0], { PATH: SEARCH_PATH }) ?? cmd[0];
  try {
    r = Bun.spawnSync([program, ...cmd.slice(1)], {
      stdin: o.input === undefined ? "ignore" : Buffer.from(o.input),
      stdout: "pipe",
      stderr: "pipe",
      timeout: TIMEOUT_MS,
      env: { ...process.env, LC_ALL: "C" },
    });
  } catch (error) {
    throw new ToolError(`cannot run ${cmd[0]}: ${(error as Error).message}`);
  }
  const stdout = r.stdout?.toString() ?? "";
  const stderr = r.stderr?.toString() ?? "";
  const code = r.exitCode ?? -1;
  if (code !== 0 && o.allowFailure !== true) {
    throw new ToolError(`${cmd[0]} failed (exit ${code}): ${(stderr || stdout).trim().split("\n").slice(-3).join(" / ")}`);
  }
  return { stdout, stderr, code };
}

/** The tools the installer needs, with the Debian package that has each. */
const TOOLS: Readonly<Record<string, string>> = {
  sfdisk: "fdisk",
  debugfs: "e2fsprogs",
  e2fsck: "e2fsprogs",
  mtype: "mtools",
  mcopy: "mtools",
  minfo: "mtools",
  xz: "xz-utils",
};

/** The missing tools as one sentence, or null when all are there. */
export function missingTools(): string | null {
  const missing = Object.keys(TOOLS).filter((t) => Bun.which(t, { PATH: SEARCH_PATH }) === null);
  if (missing.length === 0) return null;
  const packages = [...new Set(missing.map((t) => TOOLS[t]))];
  return `missing ${missing.join(", ")}: install them with sudo apt-get install ${packages.join(" ")}`;
}
