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
   * The cache image `scripts/build.ts` made of these files (`cache-image.ts`), or `null` when there is none and the
   * cache is laid out at start from `readFiles()`.
   */
  readImage(): Promise<Uint8Array | null>;
}

/** Receives one line for each file skipped, so the operator can see why a file is not served. */
export type Warn = (line: string) => void;
