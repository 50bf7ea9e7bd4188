/**
 * @module The static-file layer's one entry point for the composition layer: choose the source, build the cache,
 * return the request handler. Everything slow (reading, compressing, hashing) happens here, once, at start.
 */
import type { RequestHandler } from "../http/types.ts";
import type { Warn } from "./asset-source.ts";
import { chooseAssetSource } from "./choose-asset-source.ts";
import { buildStaticCache } from "./static-cache.ts";
import { StaticFileServer } from "./static-file-server.ts";

export interface StaticHandlerOptions {
  /** `null`: the pages shipped with httap; a path: that directory (HTTAP_STATICPATH). */
  readonly staticPath: string | null;
  /** What "/" maps to (HTTAP_ROOTPAGE), relative, e.g. "index.html". */
  readonly rootPage: string;
  /** Receives one line per skipped file or missing root page; defaults to stderr. */
  readonly warn?: Warn;
}

export interface StaticHandler {
  readonly handle: RequestHandler;
  /** Files served, the built-in favicon included when the source has none. */
  readonly fileCount: number;
  /** "embedded": the pages shipped with httap (from the binary, or the checkout's assets/ when run from source). */
  readonly source: "embedded" | "directory";
  /** Size of the arena in bytes: every prebuilt response (all representations) held in memory. */
  readonly totalBytes: number;
}

/** Builds the cache and its handler. Throws `ConfigError` when HTTAP_STATICPATH cannot be served. */
export async function createStaticHandler(options: StaticHandlerOptions): Promise<StaticHandler> {
  const warn = options.warn ?? ((line: string) => console.error(line));
  const source = chooseAssetSource(options.staticPath, warn);
  const cache = await buildStaticCache(source);
  if (!cache.files.has(options.rootPage)) {
    warn(`static files: the root page "${options.rootPage}" is not in the ${source.description}, so "/" answers 404`);
  }
  const server = new StaticFileServer(cache.files, options.rootPage);
  return {
    handle: (request) => server.handle(request),
    fileCount: cache.files.size,
    source: source.kind,
    totalBytes: cache.arena.byteLength,
  };
}
