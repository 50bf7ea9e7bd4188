/**
 * @module Workspace for the benchmark: what the run needs on disk. The httap binary (built when missing), a temp
 * folder holding the web root with the bench files, an empty folder to start servers in (httap's default
 * configuration reads nothing from its working directory), and the baseline compiled to an executable.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { builtInFavicon } from "../../src/static/favicon.ts";

const ONE_KB = 1024;
const ONE_MIB = 1024 * 1024;
const BUILD_TIMEOUT_MS = 300_000;
const COMPILE_TIMEOUT_MS = 120_000;

/**
 * Builds `dist/httap-linux-<target>` when it is missing; warns when it is older than the sources it was built from.
 * Returns its path.
 */
export function ensureHttapBinary(root: string, target: "x64" | "arm64" = "x64"): string {
  const name = `dist/httap-linux-${target}`;
  const binary = join(root, name);
  if (!existsSync(binary)) {
    console.log(`bench: ${name} missing, building it`);
    const b = Bun.spawnSync([process.execPath, "scripts/build.ts", "--target", target], {
      cwd: root,
      stdout: "inherit",
      stderr: "inherit",
      timeout: BUILD_TIMEOUT_MS,
    });
    if (b.exitCode !== 0) throw new Error(`building ${name} failed`);
    return binary;
  }
  // Only a warning: others may be mid-edit in src/, and a bench should not fail on a build it was not asked for.
  const built = statSync(binary).mtimeMs;
  if (["src", "assets"].some((d) => newestMtimeMs(join(root, d)) > built)) {
    console.log(`bench: warning: ${name} is older than src/ or assets/ (rebuild: bun scripts/build.ts --target ${target})`);
  }
  return binary;
}

function newestMtimeMs(dir: string): number {
  if (!existsSync(dir)) return 0;
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) newest = Math.max(newest, statSync(join(e.parentPath, e.name)).mtimeMs);
  }
  return newest;
}

export interface Workspace {
  /** The temp folder holding all of it. */
  readonly dir: string;
  /** Web root: the pages of assets/ (favicon included), one-kb.txt, one-mb.bin (httap's directory mode and the
   * baseline both serve it). */
  readonly webRoot: string;
  /** An empty folder, the working directory of every server. */
  readonly emptyDir: string;
  /** The compiled baseline executable. */
  readonly baselineBinary: string;
  /** The compiled floor: a trivial `Bun.listen` server answering prebuilt replies (`floor-server.ts`). */
  readonly floorBinary: string;
  remove(): void;
}

/** Creates the temp folders and compiles `baseline-server.ts` and `floor-server.ts`; `remove()` deletes all of it. */
export function createWorkspace(root: string): Workspace {
  const dir = mkdtempSync(join(tmpdir(), "httap-bench-"));
  const remove = () => rmSync(dir, { recursive: true, force: true });
  try {
    // The web root holds only the served files: httap's directory mode serves everything in it.
    const webRoot = join(dir, "root");
    mkdirSync(webRoot);
    // The shipped pages, so the room loads the same dashboard and assets from both servers.
    const assets = join(root, "assets");
    if (existsSync(assets)) cpSync(assets, webRoot, { recursive: true });
    if (!existsSync(join(webRoot, "index.html"))) writeFileSync(join(webRoot, "index.html"), "<!doctype html><title>httap</title>\n");
    if (!existsSync(join(webRoot, "favicon.ico"))) writeFileSync(join(webRoot, "favicon.ico"), builtInFavicon());
    writeFileSync(join(webRoot, "one-kb.txt"), Buffer.alloc(ONE_KB, "httap-bench-1kb\n"));
    writeFileSync(join(webRoot, "one-mb.bin"), Buffer.alloc(ONE_MIB, "0123456789abcdef"));
    const emptyDir = join(dir, "cwd");
    mkdirSync(emptyDir);
    // Compiled too, so start-up time and RSS compare a compiled binary with a compiled binary.
    const baselineBinary = compileServer(dir, "baseline-server");
    const floorBinary = compileServer(dir, "floor-server");
    return { dir, webRoot, emptyDir, baselineBinary, floorBinary, remove };
  } catch (err) {
    remove();
    throw err;
  }
}

/**
 * Compiles `scripts/bench/<name>.ts` into `<dir>/<name><suffix>`, with `extra` arguments to `bun build` (a target and
 * its runtime for arm64); returns the executable's path.
 */
export function compileServer(dir: string, name: string, extra: readonly string[] = [], suffix = ""): string {
  const binary = join(dir, `${name}${suffix}`);
  const c = Bun.spawnSync(
    [
      process.execPath,
      "build",
      "--compile",
      "--no-compile-autoload-dotenv",
      "--no-compile-autoload-bunfig",
      ...extra,
      "--outfile",
      binary,
      join(import.meta.dir, `${name}.ts`),
    ],
    { cwd: dir, stdout: "pipe", stderr: "pipe", timeout: COMPILE_TIMEOUT_MS },
  );
  if (c.exitCode !== 0) throw new Error(`compiling ${name} failed:\n${c.stderr}`);
  return binary;
}
