/** @module Byte classes of HTTP/1.1 syntax (RFC 9110 §5.6.2, RFC 9112 §2-§5), as lookup tables. */

export const CR = 0x0d;
export const LF = 0x0a;
export const SP = 0x20;
export const HTAB = 0x09;
export const COLON = 0x3a;

/*
 * The tables are built by functions, each with its own loop, not by loops at module level: the bundle joins every
 * module's top level into one function, and its ~700 loop passes there made JSC compile all of it (47,290 bytecodes,
 * 0.5 MiB of machine code) at every start (issue 22). No callback per byte either: a small function called a few
 * hundred times at start is compiled by the optimizing tier (see static/cached-files.ts).
 */

/** A table of 256 bytes, 1 at the codes of `members`. */
function byteSet(members: string): Uint8Array {
  const table = new Uint8Array(256);
  for (let i = 0; i < members.length; i++) table[members.charCodeAt(i)] = 1;
  return table;
}

/** A table of 256 bytes, 1 from `from` to 0xff, except at `except`. */
function byteRange(from: number, except: number): Uint8Array {
  const table = new Uint8Array(256);
  table.fill(1, from);
  table[except] = 0;
  return table;
}

/** Each hexadecimal digit's value, in either case; -1 at every other byte. */
function hexValues(): Int8Array {
  const table = new Int8Array(256).fill(-1);
  for (let i = 0; i < 16; i++) {
    table["0123456789ABCDEF".charCodeAt(i)] = i;
    table["0123456789abcdef".charCodeAt(i)] = i;
  }
  return table;
}

/** tchar: the characters of a token (method, header name, transfer-coding). */
export const IS_TCHAR = byteSet("!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz");

/** Bytes allowed inside a field value: HTAB, SP, VCHAR and obs-text; never CR, LF, NUL or other controls. */
export const IS_FIELD_VALUE = byteRange(SP, 0x7f);
IS_FIELD_VALUE[HTAB] = 1;

/** Bytes allowed in a Host value: unreserved, pct-encoded, sub-delims, ":" and "[ ]" for IP literals (RFC 3986). */
export const IS_HOST_CHAR = byteSet("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~%!$&'()*+,;=:[]");

/** Value of a hexadecimal digit, or -1. */
export const HEX_VALUE = hexValues();

/** ASCII case-insensitive comparison of `buf[start, start+lower.length)` with an already-lowercase constant. */
export function equalsLowercase(buf: Uint8Array, start: number, end: number, lower: Uint8Array): boolean {
  if (end - start !== lower.length) return false;
  for (let i = 0; i < lower.length; i++) {
    const c = buf[start + i];
    if ((c >= 0x41 && c <= 0x5a ? c | 0x20 : c) !== lower[i]) return false;
  }
  return true;
}

/** Bytes of a lowercase ASCII constant, for `equalsLowercase`. */
export function bytes(ascii: string): Uint8Array {
  return new TextEncoder().encode(ascii);
}
