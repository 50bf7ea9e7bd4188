/**
 * @module Unit tests of the request-head parser (STYLE rule 19): every valid fixture at every split point and one
 * byte short, coalesced pipelines, and every rejection with its exact ProtocolError code.
 */
import { describe, expect, test } from "bun:test";
import { MAX_HEAD_BYTES, MAX_HEADER_COUNT, MAX_TARGET_LENGTH } from "./limits.ts";
import type { ProtocolError } from "./protocol-errors.ts";
import { RequestHead } from "./request-head.ts";
import { parseRequestHead, type ParseResult } from "./request-parser.ts";

const bytesOf = (text: string): Buffer => Buffer.from(text, "latin1");

function parse(buf: Uint8Array, start = 0, end = buf.length, head = new RequestHead()): ParseResult {
  head.reset();
  return parseRequestHead(buf, start, end, head);
}

interface ValidFixture {
  readonly name: string;
  readonly head: string;
  readonly method: string;
  readonly target: string;
  readonly version: 10 | 11;
  readonly contentLength?: number;
  readonly isChunked?: boolean;
  readonly close?: boolean;
  readonly keepAlive?: boolean;
  readonly expectsContinue?: boolean;
  readonly headers?: Record<string, string | undefined>;
}

const MANY_HEADERS = Array.from({ length: 40 }, (_, i) => `X-Field-${i}: value ${i}\r\n`).join("");

const VALID: ValidFixture[] = [
  {
    name: "GET",
    head: "GET /index.html HTTP/1.1\r\nHost: pi.local:60000\r\n\r\n",
    method: "GET",
    target: "/index.html",
    version: 11,
    headers: { host: "pi.local:60000" },
  },
  { name: "HEAD", head: "HEAD / HTTP/1.1\r\nHost: a\r\n\r\n", method: "HEAD", target: "/", version: 11 },
  {
    name: "POST with Content-Length",
    head: "POST /?loopback HTTP/1.1\r\nHost: a\r\nContent-Length: 12\r\n\r\n",
    method: "POST",
    target: "/?loopback",
    version: 11,
    contentLength: 12,
  },
  {
    name: "POST chunked",
    head: "POST /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n",
    method: "POST",
    target: "/x",
    version: 11,
    isChunked: true,
  },
  {
    name: "chunked in any case with OWS",
    head: "POST /x HTTP/1.1\r\nHost: a\r\ntransfer-encoding:  CHUNKED \r\n\r\n",
    method: "POST",
    target: "/x",
    version: 11,
    isChunked: true,
  },
  {
    name: "Content-Length 0 with leading zeros",
    head: "PUT /x HTTP/1.1\r\nHost: a\r\ncontent-length: 000\r\n\r\n",
    method: "PUT",
    target: "/x",
    version: 11,
    contentLength: 0,
  },
  { name: "HTTP/1.0 without Host", head: "GET /a HTTP/1.0\r\n\r\n", method: "GET", target: "/a", version: 10 },
  {
    name: "HTTP/1.0 keep-alive",
    head: "GET /a HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n",
    method: "GET",
    target: "/a",
    version: 10,
    keepAlive: true,
  },
  {
    name: "absolute-form target",
    head: "GET http://pi.local:60000/a/b?x=1 HTTP/1.1\r\nHost: pi.local:60000\r\n\r\n",
    method: "GET",
    target: "/a/b?x=1",
    version: 11,
  },
  {
    name: "absolute-form without path",
    head: "GET HTTP://pi.local HTTP/1.1\r\nHost: pi.local\r\n\r\n",
    method: "GET",
    target: "/",
    version: 11,
  },
  {
    name: "absolute-form with query only",
    head: "GET https://pi.local?ping HTTP/1.1\r\nHost: pi.local\r\n\r\n",
    method: "GET",
    target: "/?ping",
    version: 11,
  },
  { name: "OPTIONS *", head: "OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n", method: "OPTIONS", target: "*", version: 11 },
  { name: "leading CRLFs tolerated", head: "\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", method: "GET", target: "/", version: 11 },
  {
    name: "obs-text in a value",
    head: "GET / HTTP/1.1\r\nHost: a\r\nX-Name: caf\xe9 \xff\r\n\r\n",
    method: "GET",
    target: "/",
    version: 11,
    headers: { "x-name": "caf\xe9 \xff" },
  },
  {
    name: "value OWS trimmed, empty value kept",
    head: "GET / HTTP/1.1\r\nHost:a\r\nX-A: \t spaced out \t\r\nX-Empty:\r\n\r\n",
    method: "GET",
    target: "/",
    version: 11,
    headers: { "x-a": "spaced out", "x-empty": "", "x-absent": undefined },
  },
  {
    name: "repeated fields joined",
    head: "GET / HTTP/1.1\r\nHost: a\r\nAccept: a/b\r\naccept: c/d\r\n\r\n",
    method: "GET",
    target: "/",
    version: 11,
    headers: { accept: "a/b, c/d" },
  },
  {
    name: "many headers",
    head: `GET / HTTP/1.1\r\nHost: a\r\n${MANY_HEADERS}\r\n`,
    method: "GET",
    target: "/",
    version: 11,
    headers: { "x-field-0": "value 0", "x-field-39": "value 39" },
  },
  {
    name: "Connection close among options",
    head: "GET / HTTP/1.1\r\nHost: a\r\nConnection: Upgrade , CLOSE\r\n\r\n",
    method: "GET",
    target: "/",
    version: 11,
    close: true,
  },
  {
    name: "Connection keep-alive and close",
    head: "GET / HTTP/1.1\r\nHost: a\r\nConnection: keep-alive\r\nConnection: close\r\n\r\n",
    method: "GET",
    target: "/",
    version: 11,
    close: true,
    keepAlive: true,
  },
  {
    name: "Expect 100-continue",
    head: "POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-Continue\r\nContent-Length: 3\r\n\r\n",
    method: "POST",
    target: "/",
    version: 11,
    contentLength: 3,
    expectsContinue: true,
  },
  {
    name: "Expect 100-continue ignored in HTTP/1.0",
    head: "POST / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n",
    method: "POST",
    target: "/",
    version: 10,
    contentLength: 3,
    expectsContinue: false,
  },
  { name: "empty Host", head: "GET / HTTP/1.1\r\nHost:\r\n\r\n", method: "GET", target: "/", version: 11, headers: { host: "" } },
  { name: "IPv6 literal Host", head: "DELETE /x HTTP/1.1\r\nHost: [fd00::2]:60000\r\n\r\n", method: "DELETE", target: "/x", version: 11 },
];

describe("parseRequestHead: valid requests", () => {
  for (const f of VALID) {
    test(f.name, () => {
      const buf = bytesOf(f.head);
      const head = new RequestHead();
      expect(parse(buf, 0, buf.length, head)).toBe(buf.length);
      expect(head.method).toBe(f.method);
      expect(head.target).toBe(f.target);
      expect(head.version).toBe(f.version);
      expect(head.contentLength).toBe(f.contentLength ?? -1);
      expect(head.isChunked).toBe(f.isChunked ?? false);
      expect(head.hasConnectionClose).toBe(f.close ?? false);
      expect(head.hasConnectionKeepAlive).toBe(f.keepAlive ?? false);
      expect(head.expectsContinue).toBe(f.expectsContinue ?? false);
      for (const [name, value] of Object.entries(f.headers ?? {})) expect(head.header(buf, name)).toBe(value);
    });

    test(`${f.name}: incomplete at every split point, exact length at the end`, () => {
      const buf = bytesOf(f.head);
      const head = new RequestHead();
      for (let k = 0; k < buf.length; k++) {
        const r = parse(buf, 0, k, head);
        if (r !== 0) throw new Error(`prefix of ${k}/${buf.length} bytes gave ${r}, expected 0 (incomplete)`);
      }
      expect(parse(buf.subarray(0, buf.length - 1))).toBe(0); // one byte short
      expect(parse(buf)).toBe(buf.length);
    });

    test(`${f.name}: body and a following request do not count`, () => {
      const buf = bytesOf(`${f.head}hello world!GET / HTTP/1.1\r\n`);
      expect(parse(buf)).toBe(f.head.length);
    });
  }

  test("the keep-alive verdict follows RFC 9112 §9.3", () => {
    const verdict = (text: string) => {
      const head = new RequestHead();
      expect(parse(bytesOf(text), 0, text.length, head)).toBe(text.length);
      return head.wantsKeepAlive;
    };
    expect(verdict("GET / HTTP/1.1\r\nHost: a\r\n\r\n")).toBe(true);
    expect(verdict("GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")).toBe(false);
    expect(verdict("GET / HTTP/1.0\r\n\r\n")).toBe(false);
    expect(verdict("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")).toBe(true);
  });

  test("a target of exactly MAX_TARGET_LENGTH bytes is accepted", () => {
    const target = `/${"a".repeat(MAX_TARGET_LENGTH - 1)}`;
    const text = `GET ${target} HTTP/1.1\r\nHost: a\r\n\r\n`;
    const head = new RequestHead();
    expect(parse(bytesOf(text), 0, text.length, head)).toBe(text.length);
    expect(head.target).toBe(target);
  });

  test("exactly MAX_HEADER_COUNT fields are accepted", () => {
    const fields = Array.from({ length: MAX_HEADER_COUNT - 1 }, (_, i) => `X-${i}: ${i}\r\n`).join("");
    const text = `GET / HTTP/1.1\r\nHost: a\r\n${fields}\r\n`;
    const head = new RequestHead();
    expect(parse(bytesOf(text), 0, text.length, head)).toBe(text.length);
    expect(head.headerCount).toBe(MAX_HEADER_COUNT);
    expect(head.header(bytesOf(text), `x-${MAX_HEADER_COUNT - 2}`)).toBe(String(MAX_HEADER_COUNT - 2));
  });

  test("a header block just under MAX_HEAD_BYTES is accepted", () => {
    const block = `Host: a\r\nX-Big: ${"v".repeat(MAX_HEAD_BYTES - 100)}\r\n`;
    const text = `GET / HTTP/1.1\r\n${block}\r\n`;
    expect(parse(bytesOf(text))).toBe(text.length);
  });
});

describe("parseRequestHead: coalesced pipelines", () => {
  const first = "GET /one HTTP/1.1\r\nHost: a\r\nX-Which: first\r\n\r\n";
  const second = "POST /two HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\nX-Which: second\r\n\r\n";

  test("two heads in one buffer: the first parse uses exactly the first head's bytes", () => {
    const buf = bytesOf(first + second);
    const head = new RequestHead();
    expect(parse(buf, 0, buf.length, head)).toBe(first.length);
    expect(head.target).toBe("/one");
    expect(head.header(buf, "x-which")).toBe("first");
    expect(parse(buf, first.length, buf.length, head)).toBe(second.length);
    expect(head.method).toBe("POST");
    expect(head.target).toBe("/two");
    expect(head.contentLength).toBe(0);
    expect(head.header(buf, "x-which")).toBe("second"); // field offsets are absolute buffer offsets
  });

  test("the second head at every split point is incomplete until its last byte", () => {
    const buf = bytesOf(first + second);
    for (let k = first.length; k < buf.length; k++) {
      const r = parse(buf, first.length, k);
      if (r !== 0) throw new Error(`second head cut at ${k} gave ${r}`);
    }
  });

  test("head.shift keeps field offsets valid after the buffer is compacted", () => {
    const buf = bytesOf(first + second);
    const head = new RequestHead();
    expect(parse(buf, first.length, buf.length, head)).toBe(second.length);
    const compacted = buf.subarray(first.length);
    head.shift(first.length);
    expect(head.header(compacted, "x-which")).toBe("second");
  });
});

const HOST = "Host: a\r\n";
const REJECTED: { name: string; text: string; code: ProtocolError }[] = [
  // request line
  { name: "extra SP between method and target", text: `GET  / HTTP/1.1\r\n${HOST}\r\n`, code: "bad-request-line" },
  { name: "extra SP between target and version", text: `GET /  HTTP/1.1\r\n${HOST}\r\n`, code: "bad-request-line" },
  { name: "SP after the version", text: `GET / HTTP/1.1 \r\n${HOST}\r\n`, code: "bad-request-line" },
  { name: "missing version", text: `GET /\r\n${HOST}\r\n`, code: "bad-request-line" },
  { name: "lowercase http/1.1", text: `GET / http/1.1\r\n${HOST}\r\n`, code: "bad-request-line" },
  { name: "tab separators", text: `GET\t/\tHTTP/1.1\r\n${HOST}\r\n`, code: "bad-request-line" },
  { name: "NUL in the method", text: `G\0ET / HTTP/1.1\r\n${HOST}\r\n`, code: "bad-request-line" },
  { name: "NUL in the target", text: `GET /a\0b HTTP/1.1\r\n${HOST}\r\n`, code: "bad-request-line" },
  { name: "empty method", text: ` / HTTP/1.1\r\n${HOST}\r\n`, code: "bad-request-line" },
  { name: "method token too long", text: `${"A".repeat(17)} / HTTP/1.1\r\n${HOST}\r\n`, code: "bad-request-line" },
  { name: "version with two-digit minor", text: `GET / HTTP/1.10\r\n${HOST}\r\n`, code: "bad-request-line" },
  { name: "target with bytes >= 0x80", text: `GET /caf\xe9 HTTP/1.1\r\n${HOST}\r\n`, code: "bad-request-line" },
  { name: "a leading LF", text: `\nGET / HTTP/1.1\r\n${HOST}\r\n`, code: "bad-request-line" },
  { name: "too many leading CRLFs", text: `${"\r\n".repeat(5)}GET / HTTP/1.1\r\n${HOST}\r\n`, code: "bad-request-line" },
  { name: "leading bare CR", text: `\rGET / HTTP/1.1\r\n${HOST}\r\n`, code: "bad-request-line" },
  // bare CR and bare LF
  { name: "bare CR ending the request line", text: `GET / HTTP/1.1\rHost: a\r\n\r\n`, code: "bare-cr" },
  { name: "bare CR inside the target", text: `GET /a\rb HTTP/1.1\r\n${HOST}\r\n`, code: "bad-request-line" },
  { name: "bare CR in a header value", text: `GET / HTTP/1.1\r\nHost: a\rb\r\n\r\n`, code: "bare-cr" },
  { name: "bare CR ending a header line", text: `GET / HTTP/1.1\r\nHost: a\rX-B: c\r\n\r\n`, code: "bare-cr" },
  { name: "bare CR after a header name", text: `GET / HTTP/1.1\r\nHost\r: a\r\n\r\n`, code: "bad-header" },
  { name: "bare CR instead of the blank line", text: `GET / HTTP/1.1\r\n${HOST}\rX`, code: "bare-cr" },
  { name: "bare LF ending the request line", text: `GET / HTTP/1.1\n${HOST}\r\n`, code: "bad-request-line" },
  { name: "bare LF ending a header line", text: `GET / HTTP/1.1\r\nHost: a\nX: b\r\n\r\n`, code: "bad-header" },
  { name: "bare LF as the blank line", text: `GET / HTTP/1.1\r\n${HOST}\n`, code: "bad-header" },
  // header syntax
  { name: "obs-fold", text: `GET / HTTP/1.1\r\n${HOST}X-A: b\r\n  continued\r\n\r\n`, code: "bad-header" },
  { name: "whitespace before the colon", text: `GET / HTTP/1.1\r\nHost : a\r\n\r\n`, code: "bad-header" },
  { name: "tab before the colon", text: `GET / HTTP/1.1\r\n${HOST}X-A\t: b\r\n\r\n`, code: "bad-header" },
  { name: "empty header name", text: `GET / HTTP/1.1\r\n${HOST}: b\r\n\r\n`, code: "bad-header" },
  { name: "header line without a colon", text: `GET / HTTP/1.1\r\n${HOST}NoColon\r\n\r\n`, code: "bad-header" },
  { name: "non-token byte in a name", text: `GET / HTTP/1.1\r\n${HOST}X(A): b\r\n\r\n`, code: "bad-header" },
  { name: "\\x01 in a value", text: `GET / HTTP/1.1\r\n${HOST}X-A: a\x01b\r\n\r\n`, code: "bad-header" },
  { name: "\\x7f in a value", text: `GET / HTTP/1.1\r\n${HOST}X-A: a\x7fb\r\n\r\n`, code: "bad-header" },
  { name: "NUL in a value", text: `GET / HTTP/1.1\r\n${HOST}X-A: a\0b\r\n\r\n`, code: "bad-header" },
  // framing (RFC 9112 §6)
  {
    name: "Content-Length and Transfer-Encoding",
    text: `POST / HTTP/1.1\r\n${HOST}Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n`,
    code: "conflicting-framing",
  },
  {
    name: "Transfer-Encoding then Content-Length",
    text: `POST / HTTP/1.1\r\n${HOST}Transfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n`,
    code: "conflicting-framing",
  },
  {
    name: "duplicate equal Content-Length",
    text: `POST / HTTP/1.1\r\n${HOST}Content-Length: 3\r\nContent-Length: 3\r\n\r\n`,
    code: "bad-content-length",
  },
  {
    name: "duplicate unequal Content-Length",
    text: `POST / HTTP/1.1\r\n${HOST}Content-Length: 3\r\nContent-Length: 4\r\n\r\n`,
    code: "bad-content-length",
  },
  { name: "Content-Length with a sign", text: `POST / HTTP/1.1\r\n${HOST}Content-Length: +3\r\n\r\n`, code: "bad-content-length" },
  { name: "negative Content-Length", text: `POST / HTTP/1.1\r\n${HOST}Content-Length: -1\r\n\r\n`, code: "bad-content-length" },
  { name: "Content-Length list", text: `POST / HTTP/1.1\r\n${HOST}Content-Length: 3,3\r\n\r\n`, code: "bad-content-length" },
  { name: "Content-Length with a space inside", text: `POST / HTTP/1.1\r\n${HOST}Content-Length: 1 2\r\n\r\n`, code: "bad-content-length" },
  { name: "empty Content-Length", text: `POST / HTTP/1.1\r\n${HOST}Content-Length: \r\n\r\n`, code: "bad-content-length" },
  { name: "hexadecimal Content-Length", text: `POST / HTTP/1.1\r\n${HOST}Content-Length: 0x10\r\n\r\n`, code: "bad-content-length" },
  {
    name: "Transfer-Encoding not ending in chunked",
    text: `POST / HTTP/1.1\r\n${HOST}Transfer-Encoding: chunked, gzip\r\n\r\n`,
    code: "bad-transfer-encoding",
  },
  {
    name: "Transfer-Encoding identity",
    text: `POST / HTTP/1.1\r\n${HOST}Transfer-Encoding: identity\r\n\r\n`,
    code: "bad-transfer-encoding",
  },
  { name: "empty Transfer-Encoding", text: `POST / HTTP/1.1\r\n${HOST}Transfer-Encoding: \r\n\r\n`, code: "bad-transfer-encoding" },
  {
    name: "Transfer-Encoding chunked twice in one line",
    text: `POST / HTTP/1.1\r\n${HOST}Transfer-Encoding: chunked, chunked\r\n\r\n`,
    code: "bad-transfer-encoding",
  },
  {
    name: "Transfer-Encoding with an empty element",
    text: `POST / HTTP/1.1\r\n${HOST}Transfer-Encoding: ,chunked\r\n\r\n`,
    code: "bad-transfer-encoding",
  },
  {
    name: "Transfer-Encoding gzip, chunked",
    text: `POST / HTTP/1.1\r\n${HOST}Transfer-Encoding: gzip, chunked\r\n\r\n`,
    code: "unsupported-transfer-coding",
  },
  {
    name: "Transfer-Encoding given twice",
    text: `POST / HTTP/1.1\r\n${HOST}Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n`,
    code: "bad-transfer-encoding",
  },
  { name: "Transfer-Encoding in HTTP/1.0", text: `POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n`, code: "bad-transfer-encoding" },
  // Host (RFC 9112 §3.2)
  { name: "HTTP/1.1 without Host", text: `GET / HTTP/1.1\r\nX-A: b\r\n\r\n`, code: "bad-host" },
  { name: "two Host fields", text: `GET / HTTP/1.1\r\nHost: a\r\nhost: a\r\n\r\n`, code: "bad-host" },
  { name: "Host with a space", text: `GET / HTTP/1.1\r\nHost: a b\r\n\r\n`, code: "bad-host" },
  { name: "Host with a slash", text: `GET / HTTP/1.1\r\nHost: a/b\r\n\r\n`, code: "bad-host" },
  { name: "Host with an at sign", text: `GET / HTTP/1.1\r\nHost: user@a\r\n\r\n`, code: "bad-host" },
  // target forms
  { name: "asterisk target for GET", text: `GET * HTTP/1.1\r\n${HOST}\r\n`, code: "bad-target" },
  { name: "authority-form target", text: `CONNECT pi.local:443 HTTP/1.1\r\n${HOST}\r\n`, code: "bad-target" },
  { name: "relative target", text: `GET index.html HTTP/1.1\r\n${HOST}\r\n`, code: "bad-target" },
  { name: "ftp absolute-form target", text: `GET ftp://a/b HTTP/1.1\r\n${HOST}\r\n`, code: "bad-target" },
  // versions and methods
  { name: "HTTP/2.0", text: `GET / HTTP/2.0\r\n${HOST}\r\n`, code: "unsupported-version" },
  { name: "HTTP/0.9", text: `GET / HTTP/0.9\r\n${HOST}\r\n`, code: "unsupported-version" },
  { name: "HTTP/1.2", text: `GET / HTTP/1.2\r\n${HOST}\r\n`, code: "unsupported-version" },
  { name: "unknown method FOO", text: `FOO / HTTP/1.1\r\n${HOST}\r\n`, code: "unknown-method" },
  { name: "lowercase method (methods are case-sensitive)", text: `get / HTTP/1.1\r\n${HOST}\r\n`, code: "unknown-method" },
];

describe("parseRequestHead: rejections", () => {
  for (const r of REJECTED) {
    test(`${r.name} → ${r.code}`, () => {
      const buf = bytesOf(r.text);
      expect(parse(buf)).toBe(r.code);
      // No prefix may be accepted or refused for another reason: each is incomplete or this very failure.
      for (let k = 0; k < buf.length; k++) {
        const got = parse(buf, 0, k);
        if (got !== 0 && got !== r.code) throw new Error(`prefix of ${k} bytes gave ${got}, expected 0 or ${r.code}`);
      }
    });
  }

  test("a target over MAX_TARGET_LENGTH → target-too-long, even before its end arrives", () => {
    const prefix = `GET /${"a".repeat(MAX_TARGET_LENGTH)}`;
    expect(parse(bytesOf(prefix))).toBe("target-too-long");
    expect(parse(bytesOf(prefix.slice(0, -1)))).toBe(0); // exactly MAX_TARGET_LENGTH so far: still waiting
    expect(parse(bytesOf(`${prefix} HTTP/1.1\r\n${HOST}\r\n`))).toBe("target-too-long");
  });

  test("a header block over MAX_HEAD_BYTES → head-too-large, even before its end arrives", () => {
    const longValue = `GET / HTTP/1.1\r\n${HOST}X-Big: ${"v".repeat(MAX_HEAD_BYTES)}`;
    expect(parse(bytesOf(longValue))).toBe("head-too-large");
    const manyLines = `GET / HTTP/1.1\r\n${HOST}${`X-Line: ${"0".repeat(90)}\r\n`.repeat(Math.ceil(MAX_HEAD_BYTES / 100))}`;
    expect(parse(bytesOf(manyLines))).toBe("head-too-large");
    const longName = `GET / HTTP/1.1\r\n${HOST}X-${"n".repeat(MAX_HEAD_BYTES)}`;
    expect(parse(bytesOf(longName))).toBe("head-too-large");
    expect(parse(bytesOf(`${longValue}\r\n\r\n`))).toBe("head-too-large");
  });

  test("more than MAX_HEADER_COUNT fields → too-many-headers", () => {
    const fields = Array.from({ length: MAX_HEADER_COUNT }, (_, i) => `X-${i}: ${i}\r\n`).join("");
    expect(parse(bytesOf(`GET / HTTP/1.1\r\n${HOST}${fields}\r\n`))).toBe("too-many-headers");
  });

  test("a bad version is refused before the request line ends", () => {
    expect(parse(bytesOf("GET / HTTP/2.0"))).toBe("unsupported-version");
    expect(parse(bytesOf("GET / HTTX"))).toBe("bad-request-line");
  });
});
