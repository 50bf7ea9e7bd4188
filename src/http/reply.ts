/** @module Small constructors for replies, so handlers never spell the object shapes by hand. */
import type { DynamicReply, PrebuiltReply } from "./types.ts";

export function dynamicReply(status: number, headers: string, body: Uint8Array | string): DynamicReply {
  return { kind: "dynamic", status, headers, body };
}

export function prebuiltReply(status: number, bytes: Uint8Array, headLength: number): PrebuiltReply {
  return { kind: "prebuilt", status, bytes, headLength };
}
