/**
 * @module Tests of static-cache.ts with build-time variants: what `scripts/build.ts` embeds (`precompressAssets`), read
 * back through the embedded source as the binary does, gives the same responses as compressing at start.
 */
import { describe, expect, test } from "bun:test";
import type { AssetFile, AssetSource, PrecompressedBodies } from "./asset-source.ts";
import { EmbeddedSource, PRECOMPRESSED_FOLDER } from "./embedded-source.ts";
import { builtInFavicon } from "./favicon.ts";
import { encodeVariants, precompressedName } from "./file-variants.ts";
import { mimeTypeFor } from "./mime-types.ts";
import { buildStaticCache, precompressAssets, type StaticCache } from "./static-cache.ts";

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

/** A source handing out `files` and `precompressed` as given. */
function fixedSource(files: readonly AssetFile[], precompressed: PrecompressedBodies | null): AssetSource {
  return { kind: "embedded", description: "test files", readFiles: async () => [...files], readPrecompressed: async () => precompressed };
}

/** The blobs a binary built from `files` holds: the pages, and the staged variants under their tag names. */
function embeddedBlobs(files: readonly AssetFile[]): File[] {
  return [
    ...files.map((f) => new File([f.bytes as Uint8Array<ArrayBuffer>], `assets/${f.path}`)),
    ...[...precompressAssets(files)].map(([name, body]) => new File([body as Uint8Array<ArrayBuffer>], `${PRECOMPRESSED_FOLDER}/${name}`)),
  ];
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

describe("precompressed variants", () => {
  test("the build stages gzip and brotli of each file worth it, built-in favicon included, by tag name", () => {
    const bodies = precompressAssets(FILES);
    const favicon = encodeVariants(builtInFavicon(), mimeTypeFor("favicon.ico"), null);
    const expected = [
      ...encodeVariants(FILES[0].bytes, mimeTypeFor("index.html"), null).slice(1),
      ...encodeVariants(FILES[1].bytes, mimeTypeFor("js/app.js"), null).slice(1),
      ...favicon.slice(1),
    ];
    expect(expected.map((v) => v.coding)).toEqual(["gzip", "br", "gzip", "br", "gzip", "br"]);
    expect([...bodies.keys()].sort()).toEqual(expected.map((v) => precompressedName(v.etag)).sort());
    for (const v of expected) expect(bodies.get(precompressedName(v.etag))).toEqual(v.body);
  });

  test("compression is deterministic: the same settings give the same bytes, so build time equals start time", () => {
    const once = precompressAssets(FILES);
    const twice = precompressAssets(FILES);
    expect([...twice]).toEqual([...once]);
  });

  test("the binary's cache (embedded pages + staged variants) answers byte for byte what compressing at start does", async () => {
    const atStart = await buildStaticCache(fixedSource(FILES, null));
    const source = new EmbeddedSource(() => {}, embeddedBlobs(FILES));
    expect((await source.readPrecompressed())?.size).toBe(6); // the staged bodies are what is served, not recompressed
    const embedded = await buildStaticCache(source);
    expect(responses(embedded)).toEqual(responses(atStart));
    const index = embedded.files.get("index.html")!;
    expect([index.gzip?.coding, index.br?.coding]).toEqual(["gzip", "br"]);
    const favicon = embedded.files.get("favicon.ico")!;
    expect([favicon.gzip?.coding, favicon.br?.coding]).toEqual(["gzip", "br"]);
  });

  test("with build-time variants nothing is compressed at start: a file without one is served as identity only", async () => {
    const cache = await buildStaticCache(fixedSource(FILES, new Map()));
    for (const file of cache.files.values()) expect([file.path, file.gzip, file.br]).toEqual([file.path, null, null]);
  });

  test("a variant compressed from other content is never paired with a file (its tag names the content)", async () => {
    const stale = precompressAssets(FILES);
    const edited = FILES.map((f) => (f.path === "index.html" ? { ...f, bytes: encoder.encode(`${PAGE}<p>new</p>\n`) } : f));
    const cache = await buildStaticCache(fixedSource(edited, stale));
    const index = cache.files.get("index.html")!;
    expect([index.gzip, index.br]).toEqual([null, null]);
    expect(cache.files.get("js/app.js")!.br).not.toBeNull();
  });
});
