/**
 * @module The pure, incremental request-head parser (STYLE rule 5): given the bytes received so far it answers
 * incomplete (0), a parsed head plus the bytes it used (> 0), or a ProtocolError. No socket, no timer; on the
 * incomplete path nothing is allocated. Strict where leniency lets requests be smuggled (RFC 9112 §11.2):
 * CRLF only, no obs-fold, no whitespace before the colon, one Content-Length, Transfer-Encoding ending in chunked.
 */
import { COLON, CR, HTAB, IS_FIELD_VALUE, IS_HOST_CHAR, IS_TCHAR, LF, SP, bytes, equalsLowercase } from "./ascii.ts";
import { MAX_HEAD_BYTES, MAX_HEADER_COUNT, MAX_LEADING_BLANK_LINES, MAX_METHOD_LENGTH, MAX_TARGET_LENGTH } from "./limits.ts";
import type { ProtocolError } from "./protocol-errors.ts";
import { latin1, type RequestHead } from "./request-head.ts";

/** Methods this server knows (RFC 9110 §9 plus PATCH); others get 501. Interned: parsing allocates no method string. */
const KNOWN_METHODS = ["GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH", "TRACE", "CONNECT"];
const METHOD_BYTES = KNOWN_METHODS.map(bytes);

const HTTP_VERSION_PREFIX = bytes("HTTP/");
const NAME_HOST = bytes("host");
const NAME_CONNECTION = bytes("connection");
const NAME_CONTENT_LENGTH = bytes("content-length");
const NAME_TRANSFER_ENCODING = bytes("transfer-encoding");
const NAME_EXPECT = bytes("expect");
const TOKEN_CLOSE = bytes("close");
const TOKEN_KEEP_ALIVE = bytes("keep-alive");
const TOKEN_CHUNKED = bytes("chunked");
const TOKEN_100_CONTINUE = bytes("100-continue");

export type ParseResult = number | ProtocolError;

export function parseRequestHead(buf: Uint8Array, start: number, end: number, head: RequestHead): ParseResult {
  let p = start;
  for (let blank = 0; p < end && buf[p] === CR; blank++) {
    if (p + 1 === end) return 0;
    if (buf[p + 1] !== LF || blank === MAX_LEADING_BLANK_LINES) return "bad-request-line";
    p += 2;
  }
  if (p === end) return 0;

  // method SP
  const methodStart = p;
  while (p < end && IS_TCHAR[buf[p]] === 1) p++;
  if (p - methodStart > MAX_METHOD_LENGTH) return "bad-request-line";
  if (p === end) return 0;
  if (buf[p] !== SP || p === methodStart) return "bad-request-line";
  const methodEnd = p++;

  // request-target SP: visible ASCII only (RFC 9112 §3.2; bytes ≥ 0x80 must arrive percent-encoded)
  const targetStart = p;
  while (p < end && buf[p] > SP && buf[p] < 0x7f) p++;
  if (p - targetStart > MAX_TARGET_LENGTH) return "target-too-long";
  if (p === end) return 0;
  if (buf[p] !== SP || p === targetStart) return "bad-request-line";
  const targetEnd = p++;

  // HTTP-version CRLF, checked byte by byte so a bad version is refused before its line ends
  const versionStart = p;
  for (let i = 0; i < 10; i++, p++) {
    if (p === end) return 0;
    const c = buf[p];
    const ok =
      i < 5
        ? c === HTTP_VERSION_PREFIX[i]
        : i === 5 || i === 7
          ? c >= 0x30 && c <= 0x39
          : i === 6
            ? c === 0x2e
            : i === 8
              ? c === CR
              : c === LF;
    if (!ok) return i === 9 ? "bare-cr" : "bad-request-line";
    if (i === 7 && (buf[versionStart + 5] !== 0x31 || c > 0x31)) return "unsupported-version";
  }
  head.version = buf[versionStart + 7] === 0x31 ? 11 : 10;

  const methodIndex = knownMethod(buf, methodStart, methodEnd);
  if (methodIndex < 0) return "unknown-method";

  // header fields up to the empty line
  const fieldsStart = p;
  const f = head.takeFields();
  let count = 0;
  for (;;) {
    if (p - fieldsStart > MAX_HEAD_BYTES) return "head-too-large";
    if (p === end) return 0;
    const first = buf[p];
    if (first === CR) {
      if (p + 1 === end) return 0;
      if (buf[p + 1] !== LF) return "bare-cr";
      p += 2;
      break;
    }
    const nameStart = p;
    while (p < end && IS_TCHAR[buf[p]] === 1) p++;
    if (p - fieldsStart > MAX_HEAD_BYTES) return "head-too-large";
    if (p === end) return 0;
    // no name, or anything but ":" right after it (space before colon, obs-fold, bare LF): RFC 9112 §5.1-5.2
    if (buf[p] !== COLON || p === nameStart) return "bad-header";
    const nameEnd = p++;
    while (p < end && (buf[p] === SP || buf[p] === HTAB)) p++;
    const valueStart = p;
    while (p < end && IS_FIELD_VALUE[buf[p]] === 1) p++;
    let valueEnd = p; // trailing OWS is not part of the value (RFC 9110 §5.5)
    while (valueEnd > valueStart && (buf[valueEnd - 1] === SP || buf[valueEnd - 1] === HTAB)) valueEnd--;
    if (p - fieldsStart > MAX_HEAD_BYTES) return "head-too-large";
    if (p === end) return 0;
    if (buf[p] !== CR) return "bad-header";
    if (p + 1 === end) return 0;
    if (buf[p + 1] !== LF) return "bare-cr";
    if (count === MAX_HEADER_COUNT) return "too-many-headers";
    const i = count * 4;
    f[i] = nameStart;
    f[i + 1] = nameEnd;
    f[i + 2] = valueStart;
    f[i + 3] = valueEnd;
    count++;
    p += 2;
  }

  // The head is complete: decode the framing fields, then the target (only now allocate strings).
  head.headerCount = count;
  head.method = KNOWN_METHODS[methodIndex];
  const framing = interpretFields(buf, head);
  if (framing !== null) return framing;
  const target = originForm(buf, targetStart, targetEnd, head.method);
  if (target === null) return "bad-target";
  head.target = target;
  return p - start;
}

function knownMethod(buf: Uint8Array, start: number, end: number): number {
  for (let m = 0; m < METHOD_BYTES.length; m++) {
    const b = METHOD_BYTES[m];
    if (b.length !== end - start) continue;
    let i = 0;
    while (i < b.length && buf[start + i] === b[i]) i++; // methods are case-sensitive (RFC 9110 §9.1)
    if (i === b.length) return m;
  }
  return -1;
}

/** Decodes the fields that decide framing and connection fate; returns the first violation or null. */
function interpretFields(buf: Uint8Array, head: RequestHead): ProtocolError | null {
  const f = head.fields;
  let hostCount = 0;
  let sawTransferEncoding = false;
  for (let i = 0; i < head.headerCount * 4; i += 4) {
    const ns = f[i],
      ne = f[i + 1],
      vs = f[i + 2],
      ve = f[i + 3];
    switch (
      ne - ns // match known names by length first, then bytes (STYLE rule 6)
    ) {
      case 4:
        if (!equalsLowercase(buf, ns, ne, NAME_HOST)) break;
        if (++hostCount > 1 || !validHost(buf, vs, ve)) return "bad-host";
        break;
      case 6: // RFC 9110 §10.1.1: an HTTP/1.0 client cannot read 100 Continue; its expectation is ignored
        if (head.version === 11 && equalsLowercase(buf, ns, ne, NAME_EXPECT) && equalsLowercase(buf, vs, ve, TOKEN_100_CONTINUE))
          head.expectsContinue = true;
        break;
      case 10:
        if (equalsLowercase(buf, ns, ne, NAME_CONNECTION)) readConnectionOptions(buf, vs, ve, head);
        break;
      case 14: {
        if (!equalsLowercase(buf, ns, ne, NAME_CONTENT_LENGTH)) break;
        if (head.contentLength !== -1 || ve === vs) return "bad-content-length";
        let n = 0;
        for (let q = vs; q < ve; q++) {
          const d = buf[q] - 0x30;
          if (d < 0 || d > 9) return "bad-content-length";
          n = n * 10 + d; // beyond 2^53 it loses precision but stays huge: the body limit refuses it
        }
        head.contentLength = n;
        break;
      }
      case 17: {
        if (!equalsLowercase(buf, ns, ne, NAME_TRANSFER_ENCODING)) break;
        if (sawTransferEncoding) return "bad-transfer-encoding"; // a second line is how smuggling hides codings
        sawTransferEncoding = true;
        const verdict = readTransferCodings(buf, vs, ve);
        if (verdict !== null) return verdict;
        head.isChunked = true;
        break;
      }
    }
  }
  if (head.version === 11 && hostCount !== 1) return "bad-host";
  if (sawTransferEncoding && head.contentLength !== -1) return "conflicting-framing"; // RFC 9112 §6.1
  if (sawTransferEncoding && head.version === 10) return "bad-transfer-encoding"; // RFC 9112 §6.1: faulty framing
  return null;
}

/** Host is a uri-host with an optional port; an empty value is allowed (RFC 9112 §3.2). */
function validHost(buf: Uint8Array, start: number, end: number): boolean {
  for (let q = start; q < end; q++) if (IS_HOST_CHAR[buf[q]] !== 1) return false;
  return true;
}

function readConnectionOptions(buf: Uint8Array, start: number, end: number, head: RequestHead): void {
  forEachListElement(buf, start, end, (s, e) => {
    if (equalsLowercase(buf, s, e, TOKEN_CLOSE)) head.hasConnectionClose = true;
    else if (equalsLowercase(buf, s, e, TOKEN_KEEP_ALIVE)) head.hasConnectionKeepAlive = true;
    return true;
  });
}

/**
 * The codings must be tokens and the last one `chunked` (RFC 9112 §6.3: otherwise the length is unknowable: 400);
 * a known-shaped list with other codings before `chunked` is 501: we decode none of them.
 */
function readTransferCodings(buf: Uint8Array, start: number, end: number): ProtocolError | null {
  let elements = 0;
  let lastIsChunked = false;
  let chunkedSeen = false;
  const wellFormed = forEachListElement(buf, start, end, (s, e) => {
    if (s === e) return false;
    for (let q = s; q < e; q++) if (IS_TCHAR[buf[q]] !== 1) return false;
    elements++;
    lastIsChunked = equalsLowercase(buf, s, e, TOKEN_CHUNKED);
    if (lastIsChunked && chunkedSeen) return false; // chunked twice
    chunkedSeen ||= lastIsChunked;
    return true;
  });
  if (!wellFormed || elements === 0 || !lastIsChunked) return "bad-transfer-encoding";
  return elements === 1 ? null : "unsupported-transfer-coding";
}

/** Calls `visit` for each comma-separated element with OWS trimmed; stops and returns false when `visit` does. */
function forEachListElement(buf: Uint8Array, start: number, end: number, visit: (s: number, e: number) => boolean): boolean {
  let s = start;
  while (s <= end) {
    let e = s;
    while (e < end && buf[e] !== 0x2c) e++;
    let a = s,
      b = e;
    while (a < b && (buf[a] === SP || buf[a] === HTAB)) a++;
    while (b > a && (buf[b - 1] === SP || buf[b - 1] === HTAB)) b--;
    if (!visit(a, b)) return false;
    s = e + 1;
  }
  return true;
}

/**
 * The target in origin form. Absolute form is accepted and reduced (RFC 9112 §3.2.2); "*" only for OPTIONS;
 * authority form (CONNECT) and anything else is refused: this server is not a proxy.
 */
function originForm(buf: Uint8Array, start: number, end: number, method: string): string | null {
  if (buf[start] === 0x2f) return latin1(buf, start, end);
  if (end - start === 1 && buf[start] === 0x2a) return method === "OPTIONS" ? "*" : null;
  const text = latin1(buf, start, end);
  const m = /^https?:\/\/[^/?#]*/i.exec(text);
  if (m === null) return null;
  const rest = text.slice(m[0].length);
  return rest === "" ? "/" : rest[0] === "/" ? rest : `/${rest}`;
}
