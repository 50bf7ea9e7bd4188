/**
 * @module The closed set of protocol failures (STYLE rule 9): each code maps to one status and one reply prebuilt
 * at start, with a body that says why and `Connection: close` (after a framing error nothing more can be trusted).
 */
import { BUSY_RETRY_AFTER_S } from "./limits.ts";
import { statusText } from "./status-text.ts";

export type ProtocolError =
  | "bad-request-line"
  | "bad-target"
  | "bad-header"
  | "bare-cr"
  | "bad-host"
  | "bad-content-length"
  | "conflicting-framing"
  | "bad-transfer-encoding"
  | "bad-chunk"
  | "target-too-long"
  | "head-too-large"
  | "too-many-headers"
  | "body-too-large"
  | "unsupported-version"
  | "unknown-method"
  | "unsupported-transfer-coding"
  | "request-timeout"
  | "server-busy";

const ERRORS: Record<ProtocolError, { status: number; why: string; extraHeaders?: string }> = {
  "bad-request-line": { status: 400, why: "the request line is malformed (expected: METHOD SP target SP HTTP/1.x CRLF)" },
  "bad-target": { status: 400, why: "the request-target is neither a path starting with / nor an absolute http URL" },
  "bad-header": { status: 400, why: "a header line is malformed (name, colon, value; no folding, no control characters, CRLF endings)" },
  "bare-cr": { status: 400, why: "a CR not followed by LF was found in the request head" },
  "bad-host": { status: 400, why: "an HTTP/1.1 request needs exactly one valid Host header" },
  "bad-content-length": { status: 400, why: "Content-Length must be one decimal number, given once" },
  "conflicting-framing": { status: 400, why: "a request may not carry both Content-Length and Transfer-Encoding" },
  "bad-transfer-encoding": { status: 400, why: "Transfer-Encoding must be given once, end with chunked, and only in HTTP/1.1" },
  "bad-chunk": { status: 400, why: "the chunked body is malformed" },
  "target-too-long": { status: 414, why: "the request-target is longer than this server accepts" },
  "head-too-large": { status: 431, why: "the request header block is larger than 8 KiB" },
  "too-many-headers": { status: 431, why: "the request has more header fields than this server accepts" },
  "body-too-large": { status: 413, why: "the request body is larger than this server accepts" },
  "unsupported-version": { status: 505, why: "only HTTP/1.0 and HTTP/1.1 are supported" },
  "unknown-method": { status: 501, why: "this method is not implemented by this server" },
  "unsupported-transfer-coding": { status: 501, why: "only the chunked transfer coding is supported" },
  "request-timeout": { status: 408, why: "the request did not arrive in time" },
  "server-busy": {
    status: 503,
    why: "every connection slot is busy; retry shortly",
    extraHeaders: `Retry-After: ${BUSY_RETRY_AFTER_S}\r\n`,
  },
};

function build(code: ProtocolError): Uint8Array {
  const e = ERRORS[code];
  const body = `${e.status} ${statusText(e.status)}: ${e.why}\n`;
  return new TextEncoder().encode(
    `HTTP/1.1 ${e.status} ${statusText(e.status)}\r\nContent-Type: text/plain; charset=utf-8\r\n` +
      `Content-Length: ${body.length}\r\n${e.extraHeaders ?? ""}Connection: close\r\n\r\n${body}`,
  );
}

const PREBUILT = new Map<ProtocolError, Uint8Array>(Object.keys(ERRORS).map((k) => [k as ProtocolError, build(k as ProtocolError)]));

/** The complete reply bytes for a protocol failure; the connection closes after sending them. */
export function protocolErrorReply(code: ProtocolError): Uint8Array {
  return PREBUILT.get(code)!;
}

export function protocolErrorStatus(code: ProtocolError): number {
  return ERRORS[code].status;
}
