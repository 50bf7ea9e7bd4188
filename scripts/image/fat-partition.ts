/**
 * @module The FAT boot partition inside a disk image, through mtools at its byte offset (`-i image@@N`): no mount,
 * no root. Only files at the top (config.txt, cmdline.txt) are read and replaced.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { run } from "./run.ts";

export class FatPartition {
  readonly #target: string;
  readonly #work = mkdtempSync(join(tmpdir(), "httap-boot-"));
  readonly #pending = new Map<string, string>();

  constructor(image: string, offset: number) {
    this.#target = `${image}@@${offset}`;
  }

  /** Throws one sentence when the partition is not a FAT file system mtools can read. */
  check(): void {
    const r = run(["minfo", "-i", this.#target, "::"], { allowFailure: true });
    if (r.code !== 0)
      throw new Error(
        `the boot partition is not a readable FAT file system (${r.stderr.trim().split("\n")[0] || "mtools found no boot sector"})`,
      );
  }

  freeBytes(): number {
    const info = run(["minfo", "-i", this.#target, "::"]).stdout;
    const clusters = Number(/free clusters=(\d+)/.exec(info)?.[1] ?? 0);
    const sectorsPerCluster = Number(/cluster size: (\d+) sectors/.exec(info)?.[1] ?? 1);
    const sector = Number(/sector size: (\d+) bytes/.exec(info)?.[1] ?? 512);
    return clusters * sectorsPerCluster * sector;
  }

  /** A top-level file's text, or null when it is absent. */
  read(name: string): string | null {
    const r = run(["mtype", "-i", this.#target, `::${name}`], { allowFailure: true });
    return r.code === 0 ? r.stdout : null;
  }

  /** Queues a top-level file to be written by commit(). */
  write(name: string, text: string): void {
    if (!/^[A-Za-z0-9._-]+$/.test(name)) throw new Error(`internal: unsafe boot file name ${name}`);
    this.#pending.set(name, text);
  }

  commit(): void {
    for (const [name, text] of this.#pending) {
      const source = join(this.#work, name);
      writeFileSync(source, text);
      run(["mcopy", "-o", "-i", this.#target, source, `::${name}`]);
    }
    this.#pending.clear();
  }

  close(): void {
    rmSync(this.#work, { recursive: true, force: true });
  }
}
