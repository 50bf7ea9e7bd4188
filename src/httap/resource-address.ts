/**
 * @module Decoding an HTTaP query into a resource address (issue 3): `NAME`, `NAME/a,b` (members),
 * `NAME/10-1F` or `NAME/1F` (an inclusive hexadecimal byte range), then optional `?key=value&flag` parameters.
 */
import type { Resource } from "./resource.ts";

/** Which part of a resource a request is about; handed to routines. */
export type Selector =
  | { readonly kind: "all" }
  | { readonly kind: "members"; readonly members: readonly string[] }
  /** Inclusive byte addresses, `start <= end < size`. */
  | { readonly kind: "range"; readonly start: number; readonly end: number };

export interface Address {
  readonly name: string;
  /** Text after "NAME/", or null when there is no "/". */
  readonly selectorText: string | null;
  /** Text after the second "?" ("hyx", "name=a.txt"), or "" when absent. */
  readonly params: string;
}

/** Every whole-resource request shares this one object: nothing to allocate on the common path. */
export const SELECT_ALL: Selector = Object.freeze({ kind: "all" });

/** Splits a query ("MEM/10-1F?hyx") into name, selector text and parameters. */
export function splitAddress(query: string): Address {
  const q = query.indexOf("?");
  const path = q < 0 ? query : query.slice(0, q);
  const params = q < 0 ? "" : query.slice(q + 1);
  const slash = path.indexOf("/");
  return slash < 0
    ? { name: path, selectorText: null, params }
    : { name: path.slice(0, slash), selectorText: path.slice(slash + 1), params };
}

/** The value of `key` in "a=1&b&c=x", "" for a bare flag, null when absent. Values are percent-decoded. */
export function paramValue(params: string, key: string): string | null {
  if (params === "") return null;
  for (const part of params.split("&")) {
    const eq = part.indexOf("=");
    const k = eq < 0 ? part : part.slice(0, eq);
    if (k !== key) continue;
    if (eq < 0) return "";
    try {
      return decodeURIComponent(part.slice(eq + 1).replace(/\+/g, " "));
    } catch {
      return null; // malformed percent-encoding reads as absent: callers then refuse the request
    }
  }
  return null;
}

const RANGE_PATTERN = /^([0-9A-Fa-f]{1,8})(?:-([0-9A-Fa-f]{1,8}))?$/;

/** Decodes the selector text against what the resource supports; a refusal names the code and says why. */
export function parseSelector(
  resource: Resource,
  text: string | null,
):
  | { readonly ok: true; readonly selector: Selector }
  | { readonly ok: false; readonly code: "not-found" | "bad-address" | "out-of-range"; readonly message: string } {
  if (text === null) return { ok: true, selector: SELECT_ALL };
  const members = resource.members;
  if (members !== null && text !== "") {
    const names = text.split(",");
    const unknown = names.find((n) => !members.has(n));
    if (unknown === undefined) return { ok: true, selector: { kind: "members", members: names } };
    if (resource.rangeSize === 0)
      return { ok: false, code: "not-found", message: `resource "${resource.name}" has no member "${unknown}"` };
  }
  if (resource.rangeSize > 0) {
    const m = RANGE_PATTERN.exec(text);
    if (m === null) return { ok: false, code: "bad-address", message: `"${text}" is not a hexadecimal address or range like 10-1F` };
    const start = parseInt(m[1], 16);
    const end = m[2] === undefined ? start : parseInt(m[2], 16);
    if (start > end) return { ok: false, code: "bad-address", message: `range ${m[0]} ends before it starts` };
    if (end >= resource.rangeSize) {
      return {
        ok: false,
        code: "out-of-range",
        message: `resource "${resource.name}" has addresses 0-${(resource.rangeSize - 1).toString(16).toUpperCase()}`,
      };
    }
    return { ok: true, selector: { kind: "range", start, end } };
  }
  return { ok: false, code: "not-found", message: `resource "${resource.name}" has no members or addresses to select "${text}"` };
}
