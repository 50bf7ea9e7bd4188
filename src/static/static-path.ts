/**
 * @module Static path rules (the seed's): characters `0-9 A-Z a-z / - _ .` only, no `..`, at most 256 characters.
 * The same rules admit a file into the cache at start and turn a request path into a cache key, so a request can only
 * ever name a file that was read from the source. Nothing is percent-decoded: `%2e%2e` contains `%`, so it is refused.
 */
import { MAX_STATIC_PATH_LENGTH } from "./static-limits.ts";

/** One or more allowed characters and nothing else; NUL, backslash, `%`, spaces and quotes all fail it. */
const ALLOWED_CHARACTERS = /^[0-9A-Za-z/_.\-]+$/;

/**
 * Is `relativePath` ("a/b.css", no leading "/") acceptable as the name of a cached file? Empty segments ("a//b")
 * are refused too, so every key in the cache is canonical and "/a//b" can never be a hit.
 */
export function isAllowedAssetPath(relativePath: string): boolean {
  return (
    relativePath.length > 0 &&
    relativePath.length < MAX_STATIC_PATH_LENGTH &&
    ALLOWED_CHARACTERS.test(relativePath) &&
    !relativePath.includes("..") &&
    !relativePath.startsWith("/") &&
    !relativePath.endsWith("/") &&
    !relativePath.includes("//")
  );
}

/**
 * The cache key a request path names, or `null` when the path breaks the rules (the caller answers 404).
 * "/" and any path ending in "/" name `rootPage` in that folder. The key is only looked up in a Map, never joined to
 * a file-system path, so an odd key that passes these rules is harmless: it is simply not found.
 */
export function staticKey(requestPath: string, rootPage: string): string | null {
  if (requestPath.length > MAX_STATIC_PATH_LENGTH || requestPath.charCodeAt(0) !== 0x2f /* "/" */) return null;
  if (!ALLOWED_CHARACTERS.test(requestPath) || requestPath.includes("..")) return null;
  const key = requestPath.slice(1);
  return key === "" || key.endsWith("/") ? key + rootPage : key;
}
