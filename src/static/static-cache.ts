/**
 * @module The static cache: every file of the source as ready response bytes in one arena, found by a Map lookup of
 * its canonical path. Built once at start (async only because embedded blobs are read with `await blob.bytes()`).
 * The one thing made later: the identity body of a file that has a gzip variant, which no
 * browser is sent, is left out of the arena and made on first need (`lazy-identity.ts`).
 */
import { prebuiltReply } from "../http/reply.ts";
import type { PrebuiltReply } from "../http/types.ts";
import { packArena } from "./arena.ts";
import type { AssetFile, AssetSource, PrecompressedBodies } from "./asset-source.ts";
import { builtInFavicon } from "./favicon.ts";
import { encodeVariants, precompressedName, type ContentCoding, type EncodedBody } from "./file-variants.ts";
import { applyMimeSidecars, type TypedAsset } from "./mime-sidecar.ts";
import { mimeTypeFor } from "./mime-types.ts";
import { LazyIdentity } from "./lazy-identity.ts";
import { cacheControlFor, notModifiedHead, okHead, partialHeaders, type FileHeadInfo } from "./response-heads.ts";

/** One representation of a file, its answers ready to write. */
export interface Representation {
  readonly coding: ContentCoding;
  /** Quoted strong entity tag. */
  readonly etag: string;
  readonly ok: PrebuiltReply;
  readonly notModified: PrebuiltReply;
}

export interface CachedFile {
  readonly path: string;
  /** In the arena, or a `LazyIdentity` when the file has a gzip variant. */
  readonly identity: Representation;
  readonly gzip: Representation | null;
  readonly br: Representation | null;
  /** The identity body, sliced for range requests (made on first use when the identity is lazy). */
  readonly body: Uint8Array;
  /** Header lines of a 206, all but Content-Range. */
  readonly partialHeaders: string;
}

export interface StaticCache {
  /** Keyed by canonical relative path ("index.html", "img/car.svg"). */
  readonly files: ReadonlyMap<string, CachedFile>;
  readonly arena: ArrayBuffer;
}

/** Where the favicon is looked for; when the source has none, the built-in one takes its place. */
const FAVICON_PATH = "favicon.ico";

const encoder = new TextEncoder();

/**
 * The files served for what a source read: sidecars applied and dropped, the built-in favicon added when there is
 * none. Also what `scripts/build.ts` compresses ahead of time, so the binary finds a variant for every file.
 */
export function servedAssets(files: readonly AssetFile[]): TypedAsset[] {
  const assets = applyMimeSidecars(files);
  if (!assets.some((asset) => asset.path === FAVICON_PATH)) {
    assets.push({ path: FAVICON_PATH, bytes: builtInFavicon(), mimeType: mimeTypeFor(FAVICON_PATH) });
  }
  return assets;
}

/**
 * What `scripts/build.ts` embeds next to the pages: the gzip and brotli bodies of every served file that has them,
 * by `precompressedName`. Made by the same function and settings as at start, so the bytes are the same.
 */
export function precompressAssets(files: readonly AssetFile[]): Map<string, Uint8Array> {
  const bodies = new Map<string, Uint8Array>();
  for (const asset of servedAssets(files)) {
    for (const variant of encodeVariants(asset.bytes, asset.mimeType, null).slice(1)) {
      bodies.set(precompressedName(variant.etag), variant.body);
    }
  }
  return bodies;
}

/**
 * Reads the source once and lays every response out in one arena: each representation's 200 and 304, except the
 * identity body of a file with a gzip variant (only its head is packed; `LazyIdentity` makes the body when asked).
 */
export async function buildStaticCache(source: AssetSource): Promise<StaticCache> {
  const assets = servedAssets(await source.readFiles());
  const precompressed = await source.readPrecompressed();
  const prepared = assets.map((asset) => prepareFile(asset, precompressed));
  const parts: Uint8Array[][] = [];
  for (const file of prepared) {
    for (const variant of file.variants) {
      parts.push(isLazy(file, variant) ? [variant.okHead] : [variant.okHead, variant.body], [variant.notModifiedHead]);
    }
  }
  const { buffer, views } = packArena(parts);
  const files = new Map<string, CachedFile>();
  let next = 0;
  for (const file of prepared) {
    const packed = file.variants.map((variant) => ({ variant, ok: views[next++], notModified: views[next++] }));
    const gzip = packed.find((p) => p.variant.coding === "gzip");
    const representations = packed.map(({ variant, ok, notModified }): Representation => {
      const notModifiedReply = prebuiltReply(304, notModified, notModified.length);
      if (gzip !== undefined && isLazy(file, variant)) {
        return new LazyIdentity(variant.etag, notModifiedReply, ok, gzip.ok.subarray(gzip.variant.okHead.length));
      }
      return {
        coding: variant.coding,
        etag: variant.etag,
        ok: prebuiltReply(200, ok, variant.okHead.length),
        notModified: notModifiedReply,
      };
    });
    const identity = representations[0];
    files.set(file.path, {
      path: file.path,
      identity,
      gzip: representations.find((r) => r.coding === "gzip") ?? null,
      br: representations.find((r) => r.coding === "br") ?? null,
      get body() {
        const ok = identity.ok;
        return ok.bytes.subarray(ok.headLength);
      },
      partialHeaders: file.partialHeaders,
    });
  }
  return { files, arena: buffer };
}

interface PreparedVariant extends EncodedBody {
  readonly okHead: Uint8Array;
  readonly notModifiedHead: Uint8Array;
}

interface PreparedFile {
  readonly path: string;
  readonly variants: readonly PreparedVariant[];
  readonly partialHeaders: string;
}

/** The identity body is left out of the arena when a gzip body can make it again. */
function isLazy(file: PreparedFile, variant: PreparedVariant): boolean {
  return variant.coding === "identity" && file.variants.some((v) => v.coding === "gzip");
}

/** Compresses one file (or picks its precompressed bodies) and writes its heads, ready for packing. */
function prepareFile(asset: TypedAsset, precompressed: PrecompressedBodies | null): PreparedFile {
  const encoded = encodeVariants(asset.bytes, asset.mimeType, precompressed);
  const info: FileHeadInfo = {
    mimeType: asset.mimeType,
    cacheControl: cacheControlFor(asset.path),
    hasVariants: encoded.length > 1,
  };
  return {
    path: asset.path,
    variants: encoded.map((variant) => ({
      ...variant,
      okHead: encoder.encode(okHead(info, variant)),
      notModifiedHead: encoder.encode(notModifiedHead(info, variant)),
    })),
    partialHeaders: partialHeaders(info, encoded[0]),
  };
}
