/**
 * @module Answers one request from the static cache: path rules, method, content coding, `If-None-Match`, `Range`.
 * The common answers (200, 304) are prebuilt views into the arena, returned as they are: no copy, no allocation.
 * Conditions follow RFC 9110 §13.2.2: If-None-Match first, then If-Range and Range.
 */
import { dynamicReply } from "../http/reply.ts";
import type { HttpRequest, Reply } from "../http/types.ts";
import { AcceptEncodingCache, chooseCoding } from "./accept-encoding.ts";
import { decideRange, type RangeDecision } from "./byte-range.ts";
import { ifRangeAllows, noneMatchHits } from "./entity-tag.ts";
import type { CachedFile, Representation } from "./static-cache.ts";
import { MAX_QUOTED_PATH_LENGTH } from "./static-limits.ts";
import { staticKey } from "./static-path.ts";

/** Methods a static file supports; every other method gets 405 (RFC 9110 §15.5.6 requires `Allow` with it). */
export const ALLOWED_METHODS = "GET, HEAD";

const TEXT_HEADERS = "Content-Type: text/plain; charset=utf-8\r\nX-Content-Type-Options: nosniff\r\n";
const IGNORE_RANGE: RangeDecision = Object.freeze({ kind: "ignore" });

export class StaticFileServer {
  readonly #files: ReadonlyMap<string, CachedFile>; // canonical path -> responses; the set of paths fixed at start
  readonly #rootPage: string; // what "/" (and any path ending in "/") names
  readonly #acceptEncodings = new AcceptEncodingCache(); // parsed Accept-Encoding values seen

  constructor(files: ReadonlyMap<string, CachedFile>, rootPage: string) {
    this.#files = files;
    this.#rootPage = rootPage;
  }

  handle(request: HttpRequest): Reply {
    if (request.method !== "GET" && request.method !== "HEAD") return methodNotAllowed(request.method);
    const key = staticKey(request.path, this.#rootPage);
    const file = key === null ? undefined : this.#files.get(key);
    // 404, not 400, for a path that breaks the rules: such a file simply does not exist here.
    return file === undefined ? notFound(request.path) : this.#serve(file, request);
  }

  #serve(file: CachedFile, request: HttpRequest): Reply {
    const preference = this.#acceptEncodings.preferenceFor(request.header("accept-encoding"));
    // §14.2: Range is defined for GET only. Ranges are served from the identity body, so a client that refuses
    // identity gets the full negotiated representation instead.
    const rangeField = request.isHead ? undefined : request.header("range");
    let range = IGNORE_RANGE;
    if (rangeField !== undefined && preference.identity > 0) {
      const ifRange = request.header("if-range");
      if (ifRange === undefined || ifRangeAllows(ifRange, file.identity.etag)) range = decideRange(rangeField, file.body.length);
    }
    const chosen = range.kind === "ignore" ? pick(file, chooseCoding(preference, file.gzip !== null, file.br !== null)) : file.identity;
    const ifNoneMatch = request.header("if-none-match");
    if (ifNoneMatch !== undefined && noneMatchHits(ifNoneMatch, chosen.etag)) return chosen.notModified;
    switch (range.kind) {
      case "ignore":
        return chosen.ok;
      case "partial":
        return dynamicReply(
          206,
          `Content-Range: bytes ${range.first}-${range.last}/${file.body.length}\r\n${file.partialHeaders}`,
          file.body.subarray(range.first, range.last + 1),
        );
      case "unsatisfiable":
        return dynamicReply(
          416,
          `Content-Range: bytes */${file.body.length}\r\n${TEXT_HEADERS}`,
          `Range not satisfiable: /${file.path} has ${file.body.length} bytes.\n`,
        );
    }
  }
}

function pick(file: CachedFile, coding: "identity" | "gzip" | "br"): Representation {
  return (coding === "br" ? file.br : coding === "gzip" ? file.gzip : null) ?? file.identity;
}

/** Request text quoted back in a body: printable ASCII only, shortened, so a body never carries control bytes. */
function quote(text: string): string {
  const printable = text.replace(/[^\x20-\x7e]/g, "?");
  return printable.length > MAX_QUOTED_PATH_LENGTH ? `${printable.slice(0, MAX_QUOTED_PATH_LENGTH)}...` : printable;
}

function notFound(path: string): Reply {
  return dynamicReply(404, `${TEXT_HEADERS}Cache-Control: no-cache\r\n`, `Not found: ${quote(path)}\n`);
}

function methodNotAllowed(method: string): Reply {
  return dynamicReply(
    405,
    `Allow: ${ALLOWED_METHODS}\r\n${TEXT_HEADERS}`,
    `Method ${quote(method)} is not allowed here: static files answer only GET and HEAD.\n`,
  );
}
