/**
 * @module The representations of one file: identity, and gzip and brotli when they are worth it, each with its own
 * strong ETag (RFC 9110 §8.8.3: different content codings are different representations, so they must not share a
 * strong validator). The compressed bodies are made here, either at build time (`scripts/build.ts`, for the pages
 * embedded in the binary) or at start (a directory, or the checkout's `assets/` when run from source); the same
 * function with the same settings gives the same bytes either way.
 */
import { isCompressible } from "./mime-types.ts";
import { BROTLI_BEST_MAX_BYTES, GZIP_LEVEL, MAX_COMPRESSED_RATIO, MIN_COMPRESS_BYTES } from "./static-limits.ts";
import { nodeZlib } from "../os/node-builtins.ts";

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
  const codings = [
    { coding: "gzip", compress: () => gzip(bytes) },
    { coding: "br", compress: () => brotli(bytes, mimeType) },
  ] as const;
  for (const { coding, compress } of codings) {
    const body = compress();
    if (body.length <= bytes.length * MAX_COMPRESSED_RATIO) variants.push({ coding, body, etag: tag(coding) });
  }
  return variants;
}

function gzip(bytes: Uint8Array): Uint8Array {
  return Bun.gzipSync(bytes as Uint8Array<ArrayBuffer>, { level: GZIP_LEVEL });
}

function brotli(bytes: Uint8Array, mimeType: string): Uint8Array {
  // Fetched here rather than imported at the top: loading node:zlib maps ~8 MiB more of Bun's runtime into the
  // process for its whole life (VmRSS of a compiled Bun 1.4.5 listener, 21 MiB bare, 30-32 MiB once brotli ran),
  // and the binary never needs it: its variants were compressed at build time. The bundler hoists static imports
  // into the binary's start-up, so only a call-time lookup is lazy (node-builtins.ts).
  const { brotliCompressSync, constants } = nodeZlib();
  const br = brotliCompressSync(bytes, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: bytes.length <= BROTLI_BEST_MAX_BYTES ? 11 : 5,
      [constants.BROTLI_PARAM_MODE]: mimeType.startsWith("text/") ? constants.BROTLI_MODE_TEXT : constants.BROTLI_MODE_GENERIC,
      [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length,
    },
  });
  return new Uint8Array(br.buffer, br.byteOffset, br.length);
}
