/** @module Byte classes of HTTP/1.1 syntax (RFC 9110 §5.6.2, RFC 9112 §2-§5), as lookup tables. */

export const CR = 0x0d;
export const LF = 0x0a;
export const SP = 0x20;
export const HTAB = 0x09;
export const COLON = 0x3a;

/** tchar: the characters of a token (method, header name, transfer-coding). */
export const IS_TCHAR = new Uint8Array(256);
for (const c of "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz") IS_TCHAR[c.charCodeAt(0)] = 1;

/** Bytes allowed inside a field value: HTAB, SP, VCHAR and obs-text; never CR, LF, NUL or other controls. */
export const IS_FIELD_VALUE = new Uint8Array(256);
IS_FIELD_VALUE[HTAB] = 1;
for (let c = 0x20; c < 0x100; c++) if (c !== 0x7f) IS_FIELD_VALUE[c] = 1;

/** Bytes allowed in a Host value: unreserved, pct-encoded, sub-delims, ":" and "[ ]" for IP literals (RFC 3986). */
export const IS_HOST_CHAR = new Uint8Array(256);
for (const c of "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~%!$&'()*+,;=:[]") IS_HOST_CHAR[c.charCodeAt(0)] = 1;

/** Value of a hexadecimal digit, or -1. */
export const HEX_VALUE = new Int8Array(256).fill(-1);
for (let i = 0; i < 10; i++) HEX_VALUE[0x30 + i] = i;
for (let i = 0; i < 6; i++) {
  HEX_VALUE[0x41 + i] = 10 + i;
  HEX_VALUE[0x61 + i] = 10 + i;
}

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
