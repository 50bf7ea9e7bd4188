/**
 * @module The directory source (HTTAP_STATICPATH): the whole tree is read into memory at start, so serving never
 * touches the file system and a file changed later is not seen until restart. The walk uses `lstat` and never follows
 * a symbolic link; files are opened with O_NOFOLLOW and checked again with `fstat`, so a link swapped in after the
 * walk is refused too. Only the directory named by the operator may itself be a link (their choice).
 */
import { ConfigError } from "../config.ts";
import type { AssetFile, AssetSource, Warn } from "./asset-source.ts";
import { MAX_STATIC_TOTAL_BYTES } from "./static-limits.ts";
import { isAllowedAssetPath } from "./static-path.ts";
import { nodeFs, nodePath } from "../os/node-builtins.ts";

export class DirectorySource implements AssetSource {
  readonly kind = "directory";
  readonly description: string;
  readonly #root: string; // absolute path of the directory served
  readonly #warn: Warn; // told about every entry skipped
  #files: AssetFile[] = []; // collected by the walk
  #totalBytes = 0; // file bytes read so far, checked against MAX_STATIC_TOTAL_BYTES

  constructor(directory: string, warn: Warn) {
    this.#root = nodePath().resolve(directory);
    this.#warn = warn;
    this.description = `directory ${this.#root}`;
  }

  async readFiles(): Promise<AssetFile[]> {
    let isDirectory: boolean;
    try {
      isDirectory = nodeFs().statSync(this.#root).isDirectory();
    } catch (error) {
      throw new ConfigError(`HTTAP_STATICPATH: cannot read the directory ${this.#root} (${(error as Error).message})`);
    }
    if (!isDirectory) throw new ConfigError(`HTTAP_STATICPATH: ${this.#root} is not a directory`);
    this.#files = [];
    this.#totalBytes = 0;
    this.#walk(this.#root, "", true);
    return this.#files;
  }

  /** A directory brings no cache image: its files are compressed and laid out at start. */
  async readImage(): Promise<Uint8Array | null> {
    return null;
  }

  /** Reads one directory level; `relative` is "" or ends with "/". */
  #walk(absolute: string, relative: string, isRoot: boolean): void {
    let names: string[];
    try {
      names = nodeFs().readdirSync(absolute).sort();
    } catch (error) {
      if (isRoot) throw new ConfigError(`HTTAP_STATICPATH: cannot list the directory ${absolute} (${(error as Error).message})`);
      this.#warn(`static files: skipped ${absolute}: cannot list it (${(error as Error).message})`);
      return;
    }
    for (const name of names) {
      const path = relative + name;
      const full = nodePath().join(absolute, name);
      let stats;
      try {
        stats = nodeFs().lstatSync(full);
      } catch (error) {
        this.#warn(`static files: skipped ${full}: ${(error as Error).message}`);
        continue;
      }
      if (stats.isSymbolicLink()) this.#warn(`static files: skipped ${full}: symbolic links are not followed`);
      else if (!isAllowedAssetPath(path))
        this.#warn(
          `static files: skipped ${full}: a served name may only use 0-9 A-Z a-z / - _ . without ".." and be at most 255 characters`,
        );
      else if (stats.isDirectory()) this.#walk(full, `${path}/`, false);
      else if (!stats.isFile()) this.#warn(`static files: skipped ${full}: not a regular file`);
      else this.#readFile(full, path);
    }
  }

  #readFile(full: string, path: string): void {
    let fd: number;
    try {
      fd = nodeFs().openSync(full, nodeFs().constants.O_RDONLY | nodeFs().constants.O_NOFOLLOW);
    } catch (error) {
      this.#warn(`static files: skipped ${full}: ${(error as Error).message}`);
      return;
    }
    try {
      const stats = nodeFs().fstatSync(fd);
      if (!stats.isFile()) {
        this.#warn(`static files: skipped ${full}: not a regular file`);
        return;
      }
      this.#totalBytes += stats.size;
      if (this.#totalBytes > MAX_STATIC_TOTAL_BYTES) {
        throw new ConfigError(
          `HTTAP_STATICPATH: the files in ${this.#root} exceed ${MAX_STATIC_TOTAL_BYTES / 1024 / 1024} MiB, the most httap holds in memory`,
        );
      }
      const bytes = new Uint8Array(stats.size);
      let filled = 0;
      while (filled < bytes.length) {
        const n = nodeFs().readSync(fd, bytes, filled, bytes.length - filled, filled);
        if (n === 0) break; // the file shrank while being read: keep what is there
        filled += n;
      }
      this.#files.push({ path, bytes: filled === bytes.length ? bytes : bytes.subarray(0, filled) });
    } finally {
      nodeFs().closeSync(fd);
    }
  }
}
