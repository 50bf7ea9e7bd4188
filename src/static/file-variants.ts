/**
 * @module The representations of one file worked out at start: identity, and gzip and brotli when they are worth
 * it, each with its own strong ETag (RFC 9110 §8.8.3: different content codings are different representations, so
 * they must not share a strong validator).
 */
import { brotliCompressSync, constants } from "node:zlib";
import { isCompressible } from "./mime-types.ts";
import {
  BROTLI_BEST_MAX_BYTES, GZIP_LEVEL, MAX_COMPRESSED_RATIO, MIN_COMPRESS_BYTES,
} from "./static-limits.ts";

export type ContentCoding = "identity" | "gzip" | "br";

/** One representation's body and validator, before it is laid out in the arena. */
export interface EncodedBody {
  readonly coding: ContentCoding;
  readonly body: Uint8Array;
  /** Quoted strong entity tag, e.g. `"0f1e2d3c4b5a6978-gz"`. */
  readonly etag: string;
}

const ETAG_SUFFIX: Readonly<Record<ContentCoding, string>> = { identity: "", gzip: "-gz", br: "-br" };

/**
 * The representations of `bytes`, identity first. The tag is a 64-bit hash of the content seeded with the media
 * type, so a file whose sidecar type changes (same bytes) is not answered 304 with the stale type still cached.
 */
export function encodeVariants(bytes: Uint8Array, mimeType: string): EncodedBody[] {
  const hash = Bun.hash(bytes, Bun.hash(mimeType)).toString(16).padStart(16, "0");
  const tag = (coding: ContentCoding): string => `"${hash}${ETAG_SUFFIX[coding]}"`;
  const variants: EncodedBody[] = [{ coding: "identity", body: bytes, etag: tag("identity") }];
  if (bytes.length < MIN_COMPRESS_BYTES || !isCompressible(mimeType)) return variants;
  const worthIt = (body: Uint8Array): boolean => body.length <= bytes.length * MAX_COMPRESSED_RATIO;
  const gzip = Bun.gzipSync(bytes as Uint8Array<ArrayBuffer>, { level: GZIP_LEVEL });
  if (worthIt(gzip)) variants.push({ coding: "gzip", body: gzip, etag: tag("gzip") });
  const br = brotliCompressSync(bytes, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: bytes.length <= BROTLI_BEST_MAX_BYTES ? 11 : 5,
      [constants.BROTLI_PARAM_MODE]: mimeType.startsWith("text/") ? constants.BROTLI_MODE_TEXT : constants.BROTLI_MODE_GENERIC,
      [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length,
    },
  });
  if (worthIt(br)) variants.push({ coding: "br", body: new Uint8Array(br.buffer, br.byteOffset, br.length), etag: tag("br") });
  return variants;
}
