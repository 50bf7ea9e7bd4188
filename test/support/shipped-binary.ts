/**
 * @module Test support: a compiled binary run as it ships (STYLE rule 24), never from the build tree. The binary is
 * copied into an empty temporary directory and started there with this checkout out of reach: in a private mount
 * namespace (`unshare --mount`) a tmpfs covers the checkout's directory, so a path baked in at build time (issue 16:
 * the engine Worker was looked up in src/) finds nothing, as on a Pi. The arm64 binary runs under qemu-user with
 * Debian's arm64 loader. Every test that runs a dist/ binary goes through here.
 */
import { chmodSync, copyFileSync, existsSync, mkdtempSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { ARM64, X64 } from "./build.ts";
import { REPO } from "./server.ts";

export const QEMU_SYSROOT = "/usr/aarch64-linux-gnu";
const CHECKOUT = resolve(REPO);
const IS_ROOT = process.getuid?.() === 0;

/** A copy of a binary alone in its own directory, and how to run it with the checkout hidden. */
export interface ShippedBinary {
  /** The directory holding the copy (and whatever the test adds: a simulator file, a hostile .env): the cwd to use. */
  readonly dir: string;
  /** The copy. */
  readonly path: string;
  /** The argv that runs the copy (under qemu for arm64) with the checkout hidden, followed by `args`. */
  command(...args: string[]): string[];
}

/**
 * `cmd` run with the checkout covered by an empty read-only tmpfs: `unshare` execs `sh`, which mounts and then execs
 * `cmd`, so the process started is `cmd` itself (its pid, its signals). If the mount fails, `cmd` never runs. As
 * root (CI) a plain mount namespace; otherwise a user namespace mapping the user to root, which allows the mount.
 */
export function withCheckoutHidden(cmd: readonly string[]): string[] {
  const unshare = ["unshare", ...(IS_ROOT ? [] : ["--map-root-user"]), "--mount", "--propagation", "private"];
  const hideThenRun = 'mount -t tmpfs -o ro,size=4k,mode=0555 httap-checkout-hidden "$0" && exec "$@"';
  return [...unshare, "sh", "-c", hideThenRun, CHECKOUT, ...cmd];
}

/** qemu-user in front of an arm64 binary; throws (never skips) when qemu or the arm64 loader is missing. */
export function qemuCommand(binary: string): string[] {
  const qemu = Bun.which("qemu-aarch64-static");
  if (qemu === null) {
    throw new Error("qemu-aarch64-static is not installed: apt-get install qemu-user-static libc6-arm64-cross (npm test's pretest does)");
  }
  if (!existsSync(join(QEMU_SYSROOT, "lib/ld-linux-aarch64.so.1"))) {
    throw new Error(`${QEMU_SYSROOT} has no arm64 loader: apt-get install libc6-arm64-cross`);
  }
  return [qemu, "-L", QEMU_SYSROOT, binary];
}

/**
 * Copies `source` (default: the freshly built dist/ binary for `target`) into a new empty directory under `parent`
 * (a test's own temporary directory, outside the checkout).
 */
export function shipBinary(target: "x64" | "arm64", parent: string, source = target === "x64" ? X64 : ARM64): ShippedBinary {
  const dir = mkdtempSync(join(parent, `shipped-${target}-`));
  if (resolve(dir).startsWith(`${CHECKOUT}/`)) throw new Error(`${dir} is inside the checkout, which the binary must not see`);
  const path = join(dir, basename(source));
  copyFileSync(source, path);
  chmodSync(path, 0o755);
  const run = target === "x64" ? [path] : qemuCommand(path);
  return { dir, path, command: (...args) => withCheckoutHidden([...run, ...args]) };
}
