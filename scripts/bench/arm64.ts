/**
 * @module `npm run bench -- --arm64` (issue 22): the HTTP rows again with every server compiled for arm64 and run
 * under qemu-user as a Cortex-A53 (a Pi 3 / Zero 2 W core), for a Pi-like ratio between httap, `Bun.serve` and the
 * floor. qemu-user translates each instruction, so absolute figures say nothing of a Pi; the ratios between servers
 * translated alike are the point. The arm64 httap comes from `scripts/build.ts` (built when missing), whose npm
 * runtime the baseline and the floor are compiled with too.
 */
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { elfMachine, EM_AARCH64 } from "../elf.ts";
import type { ServerSpec } from "./servers.ts";
import { compileServer, ensureHttapBinary } from "./workspace.ts";

const QEMU = "/usr/bin/qemu-aarch64-static";
const SYSROOT = "/usr/aarch64-linux-gnu";
/** A Pi 3's and a Zero 2 W's core. */
const CPU = "cortex-a53";

/**
 * The three servers as arm64 executables run under qemu-user, named "… (arm64)": `http` with httap in directory mode
 * (the bench files), `startUp` with httap in its default configuration (embedded, precompressed pages), as the x64
 * start-up row has it: directory mode compresses every page at start, which under emulation alone took seconds.
 */
export function arm64Specs(
  root: string,
  dir: string,
  webRoot: string,
  emptyDir: string,
): { http: ServerSpec[]; startUp: ServerSpec[]; runtimeOnly: ServerSpec } {
  if (!existsSync(QEMU)) throw new Error(`--arm64 needs ${QEMU} (npm test's setup installs qemu-user-static)`);
  const httap = ensureHttapBinary(root, "arm64");
  const runtime = arm64Runtime(root);
  const extra = ["--target=bun-linux-arm64", `--compile-executable-path=${runtime}`];
  const under = (name: string, file: string, env: Record<string, string>, portVariable: string): ServerSpec => ({
    name: `${name} (arm64)`,
    file: QEMU,
    args: ["-cpu", CPU, "-L", SYSROOT, file],
    // the same for a child the server starts of itself (httap packs a directory in one), which the kernel hands to
    // qemu through binfmt_misc without these arguments: without the sysroot it cannot find arm64's loader
    env: { QEMU_LD_PREFIX: SYSROOT, QEMU_CPU: CPU, ...env },
    portVariable,
    cwd: emptyDir,
  });
  const base = under("Bun.serve", compileServer(dir, "baseline-server", extra, "-arm64"), { BENCH_DIR: webRoot }, "PORT");
  const floor = under("floor", compileServer(dir, "floor-server", extra, "-arm64"), { BENCH_DIR: webRoot }, "PORT");
  return {
    http: [under("httap", httap, { HTTAP_STATICPATH: webRoot }, "HTTAP_TCPPORT"), base, floor],
    startUp: [under("httap", httap, {}, "HTTAP_TCPPORT"), base, floor],
    runtimeOnly: under("the runtime alone", compileServer(dir, "empty-program", extra, "-arm64"), {}, "PORT"),
  };
}

/** The arm64 Bun runtime `scripts/build.ts` unpacked from npm into `.cache/` (it builds the arm64 binary first). */
function arm64Runtime(root: string): string {
  const cache = join(root, ".cache");
  const candidates = existsSync(cache)
    ? readdirSync(cache)
        .filter((d) => d.startsWith("bun-linux-aarch64-") && d.endsWith(Bun.version))
        .map((d) => join(cache, d, "package/bin/bun"))
    : [];
  const local = join(root, "node_modules/@oven/bun-linux-aarch64/bin/bun");
  for (const p of [local, ...candidates]) if (existsSync(p) && elfMachine(p) === EM_AARCH64) return p;
  throw new Error(`no arm64 Bun ${Bun.version} runtime in .cache/ (run: bun scripts/build.ts --target arm64)`);
}
