/**
 * @module Media types by file extension for the web types the appliance serves, and which of them are worth
 * compressing. Text types carry `; charset=utf-8` so a page never depends on the browser guessing.
 */

const TYPES: ReadonlyMap<string, string> = new Map([
  ["html", "text/html; charset=utf-8"],
  ["htm", "text/html; charset=utf-8"],
  ["css", "text/css; charset=utf-8"],
  // RFC 9239 §6: text/javascript is the one registered type for JavaScript.
  ["js", "text/javascript; charset=utf-8"],
  ["mjs", "text/javascript; charset=utf-8"],
  // RFC 8259 §11 defines no charset parameter for JSON (it is always UTF-8), so none is added.
  ["json", "application/json"],
  ["map", "application/json"],
  ["webmanifest", "application/manifest+json"],
  ["txt", "text/plain; charset=utf-8"],
  ["svg", "image/svg+xml"],
  ["png", "image/png"],
  ["jpg", "image/jpeg"],
  ["jpeg", "image/jpeg"],
  ["gif", "image/gif"],
  // image/vnd.microsoft.icon is the registered name; image/x-icon is what every browser has always accepted.
  ["ico", "image/x-icon"],
  ["webp", "image/webp"],
  ["wasm", "application/wasm"],
  ["woff2", "font/woff2"],
  ["mp3", "audio/mpeg"],
  ["wav", "audio/wav"],
]);

/** What a file of unknown type is sent as: browsers then offer to save it rather than guess (with nosniff). */
export const DEFAULT_MIME_TYPE = "application/octet-stream";

/** The media type for `path` from its extension (case-insensitive), or the default. */
export function mimeTypeFor(path: string): string {
  const slash = path.lastIndexOf("/");
  const dot = path.lastIndexOf(".");
  if (dot <= slash + 1) return DEFAULT_MIME_TYPE; // no extension, or a dot-file such as ".env"
  return TYPES.get(path.slice(dot + 1).toLowerCase()) ?? DEFAULT_MIME_TYPE;
}

/**
 * Does `mimeType` hold text-like data that gzip/brotli shrink? Images other than SVG/ICO, fonts (woff2 is already
 * brotli inside) and audio are compressed formats already: compressing them again only spends start time.
 */
export function isCompressible(mimeType: string): boolean {
  const type = mimeType.split(";", 1)[0].trim().toLowerCase();
  return (
    type.startsWith("text/") ||
    type === "application/json" ||
    type === "application/manifest+json" ||
    type === "application/javascript" ||
    type === "application/wasm" ||
    type === "application/xml" ||
    type === "image/svg+xml" ||
    type === "image/x-icon" ||
    type === "image/vnd.microsoft.icon"
  );
}
