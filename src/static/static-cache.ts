/**
 * @module The static cache: every file of the source as ready response bytes in one arena, found by a Map lookup of
 * its canonical path. Laid out once: by `scripts/build.ts` for the pages the binary embeds (`cache-image.ts`), or at
 * start for a directory or the checkout's `assets/`. Made later: the few objects over a file's bytes, on its first
 * lookup (`cached-files.ts`), and the identity body of a file that has a gzip variant, which no browser is sent: it is
 * left out of the arena and made on first need (`lazy-identity.ts`).
 */
import type { PrebuiltReply } from "../http/types.ts";
import { packArena } from "./arena.ts";
import type { AssetFile, AssetSource } from "./asset-source.ts";
import { decodeCacheImage } from "./cache-image.ts";
import { CachedFiles } from "./cached-files.ts";
import { builtInFavicon } from "./favicon.ts";
import { encodeVariants, type ContentCoding, type EncodedBody } from "./file-variants.ts";
import { applyMimeSidecars, type TypedAsset } from "./mime-sidecar.ts";
import { mimeTypeFor } from "./mime-types.ts";
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
  /** The buffer every response is a view of (the build's whole image, when the cache was opened from one). */
  readonly arena: ArrayBuffer;
}

/** Where the favicon is looked for; when the source has none, the built-in one takes its place. */
const FAVICON_PATH = "favicon.ico";

const encoder = new TextEncoder();

/**
 * The files served for what a source read: sidecars applied and dropped, the built-in favicon added when there is
 * none.
 */
export function servedAssets(files: readonly AssetFile[]): TypedAsset[] {
  const assets = applyMimeSidecars(files);
  if (!assets.some((asset) => asset.path === FAVICON_PATH)) {
    assets.push({ path: FAVICON_PATH, bytes: builtInFavicon(), mimeType: mimeTypeFor(FAVICON_PATH) });
  }
  return assets;
}

/**
 * Where one prebuilt response lies in the arena: `length` bytes from `offset`, the first `headLength` of them its head.
 * Plain numbers, so the build can write the layout into the binary (`cache-image.ts`) and the binary read it back.
 */
export interface ReplyRange {
  readonly offset: number;
  readonly length: number;
  readonly headLength: number;
}

/** One representation in the arena; `isLazy`: its `ok` range holds the identity's head only (see `LazyIdentity`). */
export interface VariantLayout {
  readonly coding: ContentCoding;
  readonly etag: string;
  readonly ok: ReplyRange;
  readonly notModified: ReplyRange;
  readonly isLazy: boolean;
}

export interface FileLayout {
  readonly path: string;
  readonly partialHeaders: string;
  /** Identity first, then gzip and br when they are worth it. */
  readonly variants: readonly VariantLayout[];
}

/** Every response laid out: the arena and where each one lies in it. What the build embeds, and what start-up opens. */
export interface PackedCache {
  readonly arena: Uint8Array;
  readonly files: readonly FileLayout[];
}

/**
 * The cache for a source: the build's image when the source has one (the compiled binary: one blob copied, nothing
 * read, hashed or compressed at start), otherwise every file read, compressed and laid out now.
 */
export async function buildStaticCache(source: AssetSource): Promise<StaticCache> {
  const image = await source.readImage();
  return openStaticCache(image !== null ? decodeCacheImage(image) : packStaticCache(await source.readFiles()));
}

/**
 * Compresses the files and lays every response out in one arena: each representation's 200 and 304, except the
 * identity body of a file with a gzip variant (only its head is packed; `LazyIdentity` makes the body when asked).
 * Deterministic: the same files give the same bytes, at build time or at start.
 */
export function packStaticCache(files: readonly AssetFile[]): PackedCache {
  const prepared = servedAssets(files).map(prepareFile);
  const parts: Uint8Array[][] = [];
  for (const file of prepared) {
    for (const variant of file.variants) {
      parts.push(isLazy(file, variant) ? [variant.okHead] : [variant.okHead, variant.body], [variant.notModifiedHead]);
    }
  }
  const { buffer, views } = packArena(parts);
  const range = (view: Uint8Array, headLength: number): ReplyRange => ({ offset: view.byteOffset, length: view.length, headLength });
  let next = 0;
  const layout = prepared.map(
    (file): FileLayout => ({
      path: file.path,
      partialHeaders: file.partialHeaders,
      variants: file.variants.map((variant) => ({
        coding: variant.coding,
        etag: variant.etag,
        ok: range(views[next++], variant.okHead.length),
        notModified: range(views[next++], variant.notModifiedHead.length),
        isLazy: isLazy(file, variant),
      })),
    }),
  );
  return { arena: new Uint8Array(buffer), files: layout };
}

/** The cache's objects over a packed arena: views into it, nothing copied, each file's made on its first lookup. */
export function openStaticCache(packed: PackedCache): StaticCache {
  return { files: new CachedFiles(packed), arena: packed.arena.buffer as ArrayBuffer };
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
function prepareFile(asset: TypedAsset): PreparedFile {
  const encoded = encodeVariants(asset.bytes, asset.mimeType);
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
