/**
 * @module Test support: the compiled binaries (`bun scripts/build.ts`), built once per test run for the files that
 * run them (bun test runs every file in one process; a file run alone builds what it needs).
 */
import { join } from "node:path";
import { REPO } from "./server.ts";

export const X64 = join(REPO, "dist/httap-linux-x64");
export const ARM64 = join(REPO, "dist/httap-linux-arm64");
/** Generous: the arm64 runtime may first come from the npm registry (scripts/build.ts caches it in .cache/). */
export const BUILD_TIMEOUT_MS = 300_000;

const built = new Set<string>();

/** Builds the targets not built yet in this run; throws with the build's output when it fails. */
export function buildBinaries(targets: readonly ("x64" | "arm64")[] = ["x64", "arm64"]): void {
  const missing = targets.filter((t) => !built.has(t));
  if (missing.length === 0) return;
  const r = Bun.spawnSync([process.execPath, "scripts/build.ts", ...missing.flatMap((t) => ["--target", t])], {
    cwd: REPO,
    stdout: "pipe",
    stderr: "pipe",
    timeout: BUILD_TIMEOUT_MS,
  });
  if (r.exitCode !== 0) throw new Error(`bun scripts/build.ts failed (exit ${r.exitCode}):\n${r.stdout}${r.stderr}`);
  for (const t of missing) built.add(t);
}
