/** @module Test support: a fake `HttpRequest` and readers for replies, for the static layer's unit tests. */
import type { HttpRequest, Reply } from "../http/types.ts";

/** A GET (or `method`) of `target` with the given headers (names in lowercase). */
export function fakeRequest(target: string, headers: Record<string, string> = {}, method = "GET"): HttpRequest {
  const question = target.indexOf("?");
  const fields = new Map(Object.entries(headers));
  return {
    method,
    isHead: method === "HEAD",
    target,
    path: question < 0 ? target : target.slice(0, question),
    query: question < 0 ? null : target.slice(question + 1),
    version: 11,
    body: new Uint8Array(0),
    remoteAddress: "192.0.2.1",
    connectionId: 1,
    header: (name) => fields.get(name),
  };
}

/** The head text of a prebuilt reply (through the blank line), or the header lines of a dynamic one. */
export function headText(reply: Reply): string {
  return reply.kind === "prebuilt" ? new TextDecoder().decode(reply.bytes.subarray(0, reply.headLength)) : reply.headers;
}

/** The body bytes a reply carries (for GET). */
export function bodyBytes(reply: Reply): Uint8Array {
  if (reply.kind === "prebuilt") return reply.bytes.subarray(reply.headLength);
  return typeof reply.body === "string" ? new TextEncoder().encode(reply.body) : reply.body;
}

/** One header's value from a reply, or undefined. */
export function headerValue(reply: Reply, name: string): string | undefined {
  const line = headText(reply)
    .split("\r\n")
    .find((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`));
  return line?.slice(name.length + 1).trim();
}
