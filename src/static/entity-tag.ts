/**
 * @module Entity-tag conditions on our strong ETags: `If-None-Match` (weak comparison, lists and `*`,
 * RFC 9110 §13.1.2) and `If-Range` (strong comparison, §13.1.5).
 */

const DQUOTE = 0x22;
const COMMA = 0x2c;

function isOws(code: number): boolean {
  return code === 0x20 || code === 0x09;
}

/**
 * Does an `If-None-Match` value match `etag` (quoted, strong), so the answer is 304? `*` matches any file that
 * exists. Weak comparison: `W/"x"` matches `"x"`. A malformed value matches nothing, which ignores the condition and
 * serves 200: always safe.
 */
export function noneMatchHits(fieldValue: string, etag: string): boolean {
  if (fieldValue.trim() === "*") return true;
  const end = fieldValue.length;
  let i = 0;
  for (;;) {
    while (i < end && (isOws(fieldValue.charCodeAt(i)) || fieldValue.charCodeAt(i) === COMMA)) i++;
    if (i === end) return false;
    if (fieldValue.startsWith("W/", i)) i += 2;
    if (fieldValue.charCodeAt(i) !== DQUOTE) return false;
    const close = fieldValue.indexOf('"', i + 1);
    if (close < 0) return false;
    // Compare in place: the quoted tag runs from i to close inclusive.
    if (close + 1 - i === etag.length && fieldValue.startsWith(etag, i)) return true;
    i = close + 1;
    while (i < end && isOws(fieldValue.charCodeAt(i))) i++;
    if (i < end && fieldValue.charCodeAt(i) !== COMMA) return false;
  }
}

/**
 * May a `Range` be honoured under this `If-Range`? Only when it names exactly our strong tag: a weak tag never
 * qualifies (§13.1.5), and a date cannot match since no Last-Modified is sent. Otherwise the full 200 is sent.
 */
export function ifRangeAllows(fieldValue: string, etag: string): boolean {
  return fieldValue.trim() === etag;
}
