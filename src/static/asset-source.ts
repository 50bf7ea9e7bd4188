/**
 * @module Where the static files come from, behind one small interface chosen once at start (STYLE rule 15):
 * the pages embedded in the binary, or a directory named by HTTAP_STATICPATH.
 */

/** One file as read from a source, before media types and responses are worked out. */
export interface AssetFile {
  /** Canonical relative path, e.g. "index.html" or "img/car.svg"; it already passed `isAllowedAssetPath`. */
  readonly path: string;
  readonly bytes: Uint8Array;
}

/**
 * Gzip and brotli bodies compressed at build time (`scripts/build.ts`), keyed by `precompressedName()` of the
 * variant, i.e. its entity tag without quotes ("0f1e2d3c4b5a6978-gz"). The tag hashes the identity bytes and media
 * type, so a body can only ever be paired with the content it was compressed from.
 */
export type PrecompressedBodies = ReadonlyMap<string, Uint8Array>;

export interface AssetSource {
  readonly kind: "embedded" | "directory";
  /** Says where the files come from, for start-up messages ("directory /srv/www"). */
  readonly description: string;
  /**
   * Reads every servable file once, at start. Files that break the path rules are skipped with a warning; a source
   * that cannot be read at all throws `ConfigError`.
   */
  readFiles(): Promise<AssetFile[]>;
  /**
   * The bodies compressed at build time, or `null` when there are none and the variants are compressed at start.
   * When present they are the only compressed variants: a file with none is served as identity only.
   */
  readPrecompressed(): Promise<PrecompressedBodies | null>;
}

/** Receives one line for each file skipped, so the operator can see why a file is not served. */
export type Warn = (line: string) => void;
