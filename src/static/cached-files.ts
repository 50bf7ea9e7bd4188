/**
 * @module The files of a packed cache by canonical path, each opened on its first lookup: its representations are
 * made as views into the arena then, and kept. Every byte is prebuilt already (the arena); only the few objects over
 * them wait. Opening all the files at start called the same two small functions (a range's view, a prebuilt reply)
 * about 180 times each, and JSC then compiled them with its optimizing tier, DFG. Its compiler's code, about 2 MiB of
 * the runtime, then stayed resident in a server that had served nothing yet (issue 22: idle RSS of the HTTP server
 * alone, measured with BUN_JSC_reportDFGCompileTimes and /proc/PID/smaps of the binary's text).
 */
import { prebuiltReply } from "../http/reply.ts";
import { LazyIdentity } from "./lazy-identity.ts";
import type { CachedFile, FileLayout, PackedCache, ReplyRange, Representation } from "./static-cache.ts";

export class CachedFiles implements ReadonlyMap<string, CachedFile> {
  readonly #arena: Uint8Array; // every response, prebuilt
  readonly #layouts = new Map<string, FileLayout>(); // where each file's responses lie in the arena
  readonly #opened = new Map<string, CachedFile>(); // the files looked up so far

  constructor(packed: PackedCache) {
    this.#arena = packed.arena;
    for (const file of packed.files) this.#layouts.set(file.path, file);
  }

  get size(): number {
    return this.#layouts.size;
  }

  has(path: string): boolean {
    return this.#layouts.has(path);
  }

  get(path: string): CachedFile | undefined {
    const opened = this.#opened.get(path);
    if (opened !== undefined) return opened;
    const layout = this.#layouts.get(path);
    if (layout === undefined) return undefined;
    const file = openFile(this.#arena, layout);
    this.#opened.set(path, file);
    return file;
  }

  keys(): MapIterator<string> {
    return this.#layouts.keys();
  }

  /** Every file, each opened (an enumeration, for tests and tools; a server only looks files up). */
  values(): MapIterator<CachedFile> {
    return this.#openAll().values();
  }

  entries(): MapIterator<[string, CachedFile]> {
    return this.#openAll().entries();
  }

  [Symbol.iterator](): MapIterator<[string, CachedFile]> {
    return this.entries();
  }

  forEach(callback: (file: CachedFile, path: string, map: ReadonlyMap<string, CachedFile>) => void): void {
    for (const [path, file] of this.entries()) callback(file, path, this);
  }

  /** The opened files, all of them, in the layout's order. */
  #openAll(): Map<string, CachedFile> {
    const all = new Map<string, CachedFile>();
    for (const path of this.#layouts.keys()) all.set(path, this.get(path)!);
    return all;
  }
}

/** One file's representations over the arena: views, nothing copied. */
function openFile(arena: Uint8Array, file: FileLayout): CachedFile {
  const view = (r: ReplyRange) => arena.subarray(r.offset, r.offset + r.length);
  const gzip = file.variants.find((v) => v.coding === "gzip");
  const representations = file.variants.map((variant): Representation => {
    const notModified = prebuiltReply(304, view(variant.notModified), variant.notModified.headLength);
    if (variant.isLazy) {
      if (gzip === undefined) throw new Error(`static cache: ${file.path} has a lazy identity but no gzip body to make it from`);
      const gzipBody = view(gzip.ok).subarray(gzip.ok.headLength);
      return new LazyIdentity(variant.etag, notModified, view(variant.ok), gzipBody);
    }
    return { coding: variant.coding, etag: variant.etag, ok: prebuiltReply(200, view(variant.ok), variant.ok.headLength), notModified };
  });
  const identity = representations[0];
  return {
    path: file.path,
    identity,
    gzip: representations.find((r) => r.coding === "gzip") ?? null,
    br: representations.find((r) => r.coding === "br") ?? null,
    get body() {
      const ok = identity.ok;
      return ok.bytes.subarray(ok.headLength);
    },
    partialHeaders: file.partialHeaders,
  };
}
