/**
 * @module Tests of static-cache.ts and cache-image.ts: what `scripts/build.ts` embeds (the packed cache as an image),
 * opened through the embedded source as the binary does, gives the same responses as laying the files out at start.
 */
import { describe, expect, test } from "bun:test";
import type { AssetFile, AssetSource } from "./asset-source.ts";
import { ARENA_ALIGNMENT_BYTES } from "./arena.ts";
import { decodeCacheImage, encodeCacheImage } from "./cache-image.ts";
import { CACHE_IMAGE_FILE, CACHE_IMAGE_FOLDER, EmbeddedSource } from "./embedded-source.ts";
import { LazyIdentity } from "./lazy-identity.ts";
import { buildStaticCache, packStaticCache, type StaticCache } from "./static-cache.ts";

const encoder = new TextEncoder();
const PAGE = `<!doctype html><title>t</title>\n${"<p>Drive the car, play a tone, repeat the pattern.</p>\n".repeat(40)}`;
const SCRIPT = `"use strict";\n${"export function tone(hz) { return fetch(`/?tone/${hz}`); }\n".repeat(30)}`;
const FILES: readonly AssetFile[] = [
  { path: "index.html", bytes: encoder.encode(PAGE) },
  { path: "js/app.js", bytes: encoder.encode(SCRIPT) },
  { path: "photo.png", bytes: crypto.getRandomValues(new Uint8Array(2000)) }, // a compressed type: never compressed
  { path: "noise.txt", bytes: crypto.getRandomValues(new Uint8Array(2000)) }, // compressible type, not worth it
  { path: "tiny.txt", bytes: encoder.encode("hello") }, // under MIN_COMPRESS_BYTES
];

/** A source handing out `files` and no image: laid out at start, as a directory is. */
function fixedSource(files: readonly AssetFile[]): AssetSource {
  return { kind: "directory", description: "test files", readFiles: async () => [...files], readImage: async () => null };
}

/** The blob a binary built from `files` holds. */
function embeddedImage(files: readonly AssetFile[]): File {
  return new File([encodeCacheImage(packStaticCache(files)) as Uint8Array<ArrayBuffer>], `${CACHE_IMAGE_FOLDER}/${CACHE_IMAGE_FILE}`);
}

/** Every response of the cache as text: path, coding, ETag and the bytes of its 200 and 304. */
function responses(cache: StaticCache): string[] {
  const decoder = new TextDecoder("latin1");
  return [...cache.files.values()].flatMap((f) =>
    [f.identity, f.gzip, f.br].flatMap((r) =>
      r === null ? [] : [`${f.path} ${r.coding} ${r.etag}\n${decoder.decode(r.ok.bytes)}\n${decoder.decode(r.notModified.bytes)}`],
    ),
  );
}

describe("the cache image", () => {
  test("packing is deterministic: the same files give the same image, so build time equals start time", () => {
    expect(encodeCacheImage(packStaticCache(FILES))).toEqual(encodeCacheImage(packStaticCache(FILES)));
  });

  test("the binary's cache (the embedded image) answers byte for byte what laying out at start does", async () => {
    const atStart = await buildStaticCache(fixedSource(FILES));
    const source = new EmbeddedSource(() => {}, [embeddedImage(FILES)]);
    const embedded = await buildStaticCache(source);
    expect(responses(embedded)).toEqual(responses(atStart));
    const index = embedded.files.get("index.html")!;
    expect([index.gzip?.coding, index.br?.coding]).toEqual(["gzip", "br"]);
    const favicon = embedded.files.get("favicon.ico")!; // the built-in one, packed at build time too
    expect([favicon.gzip?.coding, favicon.br?.coding]).toEqual(["gzip", "br"]);
    expect([...embedded.files.keys()].sort()).toEqual(["favicon.ico", "index.html", "js/app.js", "noise.txt", "photo.png", "tiny.txt"]);
  });

  test("opened from the image, every response is a view of the one image buffer, aligned, nothing copied", async () => {
    const cache = await buildStaticCache(new EmbeddedSource(() => {}, [embeddedImage(FILES)]));
    const files = [...cache.files.values()];
    for (const f of files) {
      for (const r of [f.identity, f.gzip, f.br]) {
        if (r === null) continue;
        for (const reply of r instanceof LazyIdentity ? [r.notModified] : [r.ok, r.notModified]) {
          expect(reply.bytes.buffer).toBe(cache.arena);
          expect(reply.bytes.byteOffset % ARENA_ALIGNMENT_BYTES).toBe(0);
        }
      }
    }
    // a file with a gzip variant keeps no identity body until a client needs one; then it is made exact
    const index = cache.files.get("index.html")!;
    expect(index.identity).toBeInstanceOf(LazyIdentity);
    expect((index.identity as LazyIdentity).isResident).toBe(false);
    expect(new TextDecoder().decode(index.body)).toBe(PAGE);
    expect(new TextDecoder().decode(cache.files.get("tiny.txt")!.body)).toBe("hello");
  });

  test("a damaged image is refused with what is wrong, never served", () => {
    const good = encodeCacheImage(packStaticCache(FILES));
    const withMagic = (bytes: Uint8Array) => () => decodeCacheImage(bytes);
    expect(withMagic(new Uint8Array(4))).toThrow(/static cache image is damaged \(it does not start with HTTAPSC1\)/);
    expect(withMagic(encoder.encode("NOTANIMAGE-----"))).toThrow(/does not start with/);
    const longIndex = good.slice();
    new DataView(longIndex.buffer).setUint32(8, good.length, true);
    expect(withMagic(longIndex)).toThrow(/index of \d+ bytes runs past its end/);
    expect(withMagic(good.subarray(0, good.length - 100))).toThrow(/lies outside the arena/);
    // ranges must be whole numbers: a string compares and adds as text ("10" <= "9"), a view would be cut short
    const decoded = decodeCacheImage(good);
    const forged = (edit: (files: unknown[]) => void) => {
      const files = structuredClone(decoded.files) as unknown[];
      edit(files);
      return encodeCacheImage({ arena: decoded.arena, files: files as never });
    };
    type Edited = { variants: { ok: Record<string, unknown>; coding: string }[]; partialHeaders?: string };
    const stringRange = forged((f) => Object.assign((f[0] as Edited).variants[0].ok, { offset: "0", length: "9", headLength: "10" }));
    expect(withMagic(stringRange)).toThrow(/lies outside the arena/);
    const fraction = forged((f) => Object.assign((f[0] as Edited).variants[0].ok, { offset: 0.5 }));
    expect(withMagic(fraction)).toThrow(/lies outside the arena/);
    const negative = forged((f) => Object.assign((f[0] as Edited).variants[0].ok, { offset: -1 }));
    expect(withMagic(negative)).toThrow(/lies outside the arena/);
    // a lazy identity is made from the gzip body: without one the file could never be answered in full
    type Lazy = { path: string; variants: { coding: string; isLazy: boolean }[] };
    const lazyAt = (decoded.files as unknown as Lazy[]).findIndex((file) => file.variants[0].isLazy);
    expect(lazyAt).toBeGreaterThanOrEqual(0);
    const noGzip = forged((f) => {
      const file = f[lazyAt] as Lazy;
      file.variants = file.variants.filter((v) => v.coding !== "gzip");
    });
    expect(withMagic(noGzip)).toThrow(/has a lazy identity but no gzip body/);
    expect(withMagic(forged((f) => delete (f[0] as Edited).partialHeaders))).toThrow(/no path, partial headers or variants/);
    expect(withMagic(forged((f) => ((f[0] as Edited).variants[0].coding = "zstd")))).toThrow(/does not start with its identity/);
    const notJson = good.slice();
    notJson[12] = 0x7d; // "}" where the index's "[" was
    expect(withMagic(notJson)).toThrow(/index is not JSON/);
  });
});
