/**
 * @module The `Range` request header (RFC 9110 §14.2), single byte range only. Multiple ranges would need a
 * multipart/byteranges body built per request; the RFC lets a server ignore Range and send 200, which we do.
 */

/** What to answer: the full 200, a 206 of `first..last` (inclusive), or 416. */
export type RangeDecision =
  | { readonly kind: "ignore" }
  | { readonly kind: "partial"; readonly first: number; readonly last: number }
  | { readonly kind: "unsatisfiable" };

const IGNORE: RangeDecision = Object.freeze({ kind: "ignore" });
const UNSATISFIABLE: RangeDecision = Object.freeze({ kind: "unsatisfiable" });

/** `bytes=a-b`, `bytes=a-` or `bytes=-n`; the unit is case-insensitive (§14.1), whitespace around the spec allowed. */
const SINGLE_RANGE = /^bytes=[ \t]*(?:(\d+)-(\d*)|-(\d+))[ \t]*$/i;

/**
 * Decides a `Range` value against a body of `length` bytes. Malformed, multi-range, another unit, or a range whose
 * last position precedes its first (invalid, §14.1.1): ignored, 200. A first position at or past the end, or a
 * zero-length suffix: 416. A last position past the end is clipped (§14.1.2).
 */
export function decideRange(fieldValue: string, length: number): RangeDecision {
  const match = SINGLE_RANGE.exec(fieldValue);
  if (match === null) return IGNORE;
  const [, firstText, lastText, suffixText] = match;
  if (suffixText !== undefined) {
    const suffix = Number(suffixText);
    if (suffix === 0 || length === 0) return UNSATISFIABLE;
    return { kind: "partial", first: Math.max(0, length - suffix), last: length - 1 };
  }
  const first = Number(firstText);
  const last = lastText === "" ? Infinity : Number(lastText);
  if (last < first) return IGNORE;
  if (first >= length) return UNSATISFIABLE;
  return { kind: "partial", first, last: Math.min(last, length - 1) };
}
