/**
 * @module The header text of the static responses, written once per file at start: the 200 and 304 heads of each
 * representation and the fixed part of a 206. The engine adds `Connection` itself (PrebuiltReply contract).
 */
import { statusText } from "../http/status-text.ts";
import type { EncodedBody } from "./file-variants.ts";
import { FAVICON_MAX_AGE_S } from "./static-limits.ts";

const CODING_HEADER: Readonly<Record<EncodedBody["coding"], string>> = {
  identity: "",
  gzip: "Content-Encoding: gzip\r\n",
  br: "Content-Encoding: br\r\n",
};

/**
 * `no-cache` (store, but revalidate every use) for everything but the favicon: file names carry no version, and a
 * reflash changes a page at the same URL, so any freshness lifetime would leave stale scripts running after an
 * update. Revalidation is one 304 on a LAN. The favicon changes rarely and is fetched with every page, so a day.
 */
export function cacheControlFor(path: string): string {
  return path === "favicon.ico" ? `public, max-age=${FAVICON_MAX_AGE_S}` : "no-cache";
}

/** What every head of one file shares; `hasVariants` decides `Vary` (a file with one representation does not vary). */
export interface FileHeadInfo {
  readonly mimeType: string;
  readonly cacheControl: string;
  readonly hasVariants: boolean;
}

function vary(info: FileHeadInfo): string {
  return info.hasVariants ? "Vary: Accept-Encoding\r\n" : "";
}

/** The complete 200 head (through the blank line) of one representation. */
export function okHead(info: FileHeadInfo, variant: EncodedBody): string {
  return (
    `HTTP/1.1 200 ${statusText(200)}\r\n` +
    `Content-Type: ${info.mimeType}\r\n` +
    `Content-Length: ${variant.body.length}\r\n` +
    CODING_HEADER[variant.coding] +
    `ETag: ${variant.etag}\r\n` +
    `Cache-Control: ${info.cacheControl}\r\n` +
    "Accept-Ranges: bytes\r\n" +
    vary(info) +
    "X-Content-Type-Options: nosniff\r\n\r\n"
  );
}

/**
 * The complete 304 head: RFC 9110 §15.4.5 asks for the ETag, Cache-Control and Vary the 200 would carry. No
 * Content-Length: a 304 has no body, and the length of a representation not sent only invites confusion.
 */
export function notModifiedHead(info: FileHeadInfo, variant: EncodedBody): string {
  return (
    `HTTP/1.1 304 ${statusText(304)}\r\n` + `ETag: ${variant.etag}\r\n` + `Cache-Control: ${info.cacheControl}\r\n` + vary(info) + "\r\n"
  );
}

/** The header lines of a 206 of the identity body, all but `Content-Range` (engine adds status and length). */
export function partialHeaders(info: FileHeadInfo, identity: EncodedBody): string {
  return (
    `Content-Type: ${info.mimeType}\r\n` +
    `ETag: ${identity.etag}\r\n` +
    `Cache-Control: ${info.cacheControl}\r\n` +
    "Accept-Ranges: bytes\r\n" +
    vary(info) +
    "X-Content-Type-Options: nosniff\r\n"
  );
}
