/**
 * @module An ext4 partition inside a disk image, read and written through e2fsprogs' `debugfs` at its byte offset
 * (`image?offset=N`): no mount, no root, no loop device. Reads are one `debugfs -R` each; writes are gathered into
 * one `debugfs -w -f` script run at the end. debugfs reports a failed command on stderr but still exits 0, so any
 * stderr line but its banner is an error.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { run, ToolError } from "./run.ts";

export interface InodeInfo {
  readonly type: "regular" | "directory" | "symlink" | "other";
  /** Permission bits, e.g. 0o644. */
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  readonly size: number;
  /** For a symlink: where it points. */
  readonly target: string | null;
}

const BANNER = /^debugfs \d+\.\d+/;
const MAX_LINK_HOPS = 8;

/** debugfs takes one line per command and splits on spaces; paths with either cannot be said safely. */
function checkPath(path: string): string {
  if (!path.startsWith("/") || /[\s"\\]/.test(path)) throw new Error(`internal: unsafe image path ${JSON.stringify(path)}`);
  return path;
}

export class Ext4Partition {
  readonly #device: string;
  readonly #commands: string[] = [];
  /** Directories made or found so far, so each is looked up once. */
  readonly #queuedDirs = new Set<string>();
  readonly #work = mkdtempSync(join(tmpdir(), "httap-image-"));
  #files = 0;

  constructor(image: string, offset: number) {
    this.#device = `${image}?offset=${offset}`;
  }

  /** Opens the file system once to tell a broken one early. */
  check(): void {
    const r = run(["debugfs", "-R", "stats", this.#device], { allowFailure: true });
    if (r.code !== 0 || !/Filesystem magic number:\s+0xEF53/.test(r.stdout)) {
      throw new Error(
        "the Linux partition is not a readable ext4 file system " +
          `(${r.stderr.replace(BANNER, "").trim().split("\n")[0] || "debugfs found no superblock"})`,
      );
    }
  }

  /** Free bytes for new files. */
  freeBytes(): number {
    const stats = run(["debugfs", "-R", "stats", this.#device]).stdout;
    const free = Number(/^Free blocks:\s+(\d+)/m.exec(stats)?.[1] ?? 0);
    const block = Number(/^Block size:\s+(\d+)/m.exec(stats)?.[1] ?? 4096);
    return free * block;
  }

  stat(path: string): InodeInfo | null {
    const r = run(["debugfs", "-R", `stat ${checkPath(path)}`, this.#device]);
    if (!/^Inode:/m.test(r.stdout)) return null;
    const type = /Type:\s+(\w+)/.exec(r.stdout)?.[1];
    return {
      type: type === "regular" || type === "directory" || type === "symlink" ? type : "other",
      mode: parseInt(/Mode:\s+(\d+)/.exec(r.stdout)?.[1] ?? "0", 8),
      uid: Number(/User:\s+(\d+)/.exec(r.stdout)?.[1] ?? -1),
      gid: Number(/Group:\s+(\d+)/.exec(r.stdout)?.[1] ?? -1),
      size: Number(/Size:\s+(\d+)/.exec(r.stdout)?.[1] ?? 0),
      target: /Fast link dest: "(.*)"/.exec(r.stdout)?.[1] ?? null,
    };
  }

  /** The path with its symlinks followed (relative ones against their directory), as the running system would. */
  resolve(path: string): string {
    let current = path;
    for (let hop = 0; hop < MAX_LINK_HOPS; hop++) {
      const info = this.stat(current);
      if (info?.type !== "symlink" || info.target === null) return current;
      const base = current.slice(0, current.lastIndexOf("/")) || "/";
      current = normalise(info.target.startsWith("/") ? info.target : `${base}/${info.target}`);
    }
    throw new Error(`${path}: too many symbolic links in the image`);
  }

  /** The text of a file (symlinks followed), or null when there is none. */
  read(path: string): string | null {
    const real = this.resolve(path);
    const info = this.stat(real);
    if (info === null || info.type !== "regular") return null;
    const out = join(this.#work, `read-${this.#files++}`);
    run(["debugfs", "-R", `dump ${checkPath(real)} ${out}`, this.#device]);
    const text = readFileSync(out, "utf8");
    rmSync(out);
    return text;
  }

  // --- writes, queued ---------------------------------------------------------------------------------------

  /** Directories down to `path`, each made if missing (0755, root). */
  mkdirs(path: string): void {
    let at = "";
    for (const part of checkPath(path).split("/").filter(Boolean)) {
      at += `/${part}`;
      if (this.#queuedDirs.has(at)) continue;
      const info = this.stat(at);
      if (info === null) {
        this.#commands.push(`mkdir ${at}`, `sif ${at} mode 040755`, `sif ${at} uid 0`, `sif ${at} gid 0`);
      } else if (info.type !== "directory") {
        throw new Error(`${at} in the image is not a directory`);
      }
      this.#queuedDirs.add(at);
    }
  }

  /** A regular file with these bytes, mode and owner root, replacing what is there. `source` may be a host file. */
  writeFile(path: string, content: string | Uint8Array | { hostFile: string }, mode: number): void {
    checkPath(path);
    this.mkdirs(path.slice(0, path.lastIndexOf("/")) || "/");
    let source: string;
    if (typeof content === "object" && "hostFile" in content) {
      source = content.hostFile;
    } else {
      source = join(this.#work, `file-${this.#files++}`);
      writeFileSync(source, content);
    }
    if (/[\s"\\]/.test(source)) throw new Error(`internal: unsafe host path ${source}`);
    this.#removeIfPresent(path);
    this.#commands.push(
      `write ${source} ${path}`,
      `sif ${path} mode 0${(0o100000 | mode).toString(8)}`,
      `sif ${path} uid 0`,
      `sif ${path} gid 0`,
    );
  }

  /** A symbolic link at `path` to `target`, replacing what is there. */
  symlink(path: string, target: string): void {
    checkPath(path);
    checkPath(target);
    this.mkdirs(path.slice(0, path.lastIndexOf("/")) || "/");
    this.#removeIfPresent(path);
    this.#commands.push(`symlink ${path} ${target}`);
  }

  #removeIfPresent(path: string): void {
    const info = this.stat(path);
    if (info === null) return;
    if (info.type === "directory") throw new Error(`${path} in the image is a directory, not a file`);
    this.#commands.push(`rm ${path}`);
  }

  /** Runs every queued write in one debugfs session, then checks the file system with e2fsck. */
  commit(): void {
    if (this.#commands.length > 0) {
      const script = join(this.#work, "commands");
      writeFileSync(script, `${this.#commands.join("\n")}\n`);
      const r = run(["debugfs", "-w", "-f", script, this.#device]);
      const errors = r.stderr.split("\n").filter((l) => l.trim() !== "" && !BANNER.test(l));
      if (errors.length > 0) throw new ToolError(`debugfs could not write the root partition: ${errors.slice(0, 3).join(" / ")}`);
      this.#commands.length = 0;
    }
    const fsck = run(["e2fsck", "-fn", this.#device], { allowFailure: true });
    if (fsck.code !== 0)
      throw new ToolError(`e2fsck found the root partition damaged after writing: ${fsck.stdout.trim().split("\n").slice(-2).join(" / ")}`);
  }

  close(): void {
    rmSync(this.#work, { recursive: true, force: true });
  }
}

/** "/a/b/../c/./d" → "/a/c/d". */
function normalise(path: string): string {
  const out: string[] = [];
  for (const part of path.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") out.pop();
    else out.push(part);
  }
  return `/${out.join("/")}`;
}
