/** @module Every limit of the static-file layer, with its unit and the reason for its value (STYLE rule 8). */

/** Longest static request path in characters, leading "/" included (the seed's rule). */
export const MAX_STATIC_PATH_LENGTH = 256;
/**
 * Largest total of file bytes read from a directory at start; over it the configuration is refused. Everything is
 * held in memory (and up to twice more for the compressed variants) on a board that may have 512 MiB.
 */
export const MAX_STATIC_TOTAL_BYTES = 64 * 1024 * 1024;
/** Largest `.mime` sidecar in bytes: it holds one media type, a longer file is a mistake. */
export const MAX_SIDECAR_BYTES = 256;
/** Files smaller than this are never compressed: the response fits one TCP segment either way. */
export const MIN_COMPRESS_BYTES = 256;
/**
 * A compressed variant is kept only when it is at most this fraction of the identity size: a few percent saved do
 * not pay for one more variant in memory and a decompression in the browser.
 */
export const MAX_COMPRESSED_RATIO = 0.9;
/**
 * Files up to this many bytes get brotli quality 11; larger ones quality 5. Quality 11 runs at ~1 MB/s on a
 * desktop core and several times slower on a Pi, so large files would delay start by minutes for a few % gain.
 */
export const BROTLI_BEST_MAX_BYTES = 256 * 1024;
/** gzip level for the precomputed variant: level 9 costs ~3x level 6 and is paid once, at start. */
export const GZIP_LEVEL = 9;
/** How long browsers may keep the favicon without asking again, in seconds: it is fetched on every page otherwise. */
export const FAVICON_MAX_AGE_S = 86_400;
/** Longest request path quoted back in a 404 body, in characters (the engine admits targets far longer). */
export const MAX_QUOTED_PATH_LENGTH = 300;
/** Distinct `Accept-Encoding` values remembered with their parsed preferences; a browser sends one value all day. */
export const MAX_REMEMBERED_ACCEPT_ENCODINGS = 32;
