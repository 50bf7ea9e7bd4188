/**
 * @module The twin's initramfs: busybox (static, arm64), the arm64 glibc from /usr/aarch64-linux-gnu/lib in /lib (the
 * binary's interpreter is /lib/ld-linux-aarch64.so.1), exactly the binary under test as /usr/bin/httap, and
 * guest-init.sh as /init. No source tree, nothing else of the checkout. A newc cpio archive made by `cpio`,
 * uncompressed: the kernel unpacks it faster than an emulated CPU inflates gzip, and RAM (1 GiB) has room.
 */
import { chmodSync, copyFileSync, mkdirSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const CROSS_LIB = "/usr/aarch64-linux-gnu/lib";
const INIT = join(import.meta.dir, "guest-init.sh");

export interface InitramfsParts {
  readonly busybox: string;
  readonly binary: string;
  /** A scratch folder for the tree; removed afterwards. */
  readonly stage: string;
  readonly output: string;
}

/** Builds the archive; returns its size in bytes. */
export function buildInitramfs(p: InitramfsParts): number {
  rmSync(p.stage, { recursive: true, force: true });
  for (const dir of ["bin", "sbin", "lib", "etc", "proc", "sys", "dev", "tmp", "run", "root", "usr/bin", "usr/sbin"]) {
    mkdirSync(join(p.stage, dir), { recursive: true });
  }
  symlinkSync("lib", join(p.stage, "lib64"));
  copyFileSync(p.busybox, join(p.stage, "bin/busybox"));
  chmodSync(join(p.stage, "bin/busybox"), 0o755);
  for (const name of readdirSync(CROSS_LIB)) {
    const from = join(CROSS_LIB, name);
    if (/\.so(\.\d+)*$/.test(name) && statSync(from).isFile()) copyFileSync(from, join(p.stage, "lib", name));
  }
  copyFileSync(p.binary, join(p.stage, "usr/bin/httap"));
  chmodSync(join(p.stage, "usr/bin/httap"), 0o755);
  copyFileSync(INIT, join(p.stage, "init"));
  chmodSync(join(p.stage, "init"), 0o755);
  writeFileSync(join(p.stage, "etc/passwd"), "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n");
  writeFileSync(join(p.stage, "etc/group"), "root:x:0:\ngpio:x:997:\nnogroup:x:65534:\n");
  writeFileSync(join(p.stage, "etc/hosts"), "127.0.0.1 localhost\n::1 localhost\n");
  writeFileSync(join(p.stage, "etc/nsswitch.conf"), "hosts: files\n");

  // cpio reads the names from find, sorted so the archive is the same for the same inputs
  const list = Bun.spawnSync(["find", ".", "-print0"], { cwd: p.stage, stdout: "pipe" });
  const names = list.stdout
    .toString()
    .split("\0")
    .filter((n) => n !== "")
    .sort();
  const cpio = Bun.spawnSync(["cpio", "--null", "-o", "-H", "newc", "--owner=0:0", "--quiet", "-O", p.output], {
    cwd: p.stage,
    stdin: new TextEncoder().encode(`${names.join("\0")}\0`),
    stderr: "pipe",
  });
  rmSync(p.stage, { recursive: true, force: true });
  if (cpio.exitCode !== 0) throw new Error(`cpio failed (exit ${cpio.exitCode}): ${cpio.stderr.toString().trim()}`);
  return statSync(p.output).size;
}
