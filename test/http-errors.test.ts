/**
 * @module Black-box tests of every protocol rejection over the wire: the status, a body that says why,
 * `Connection: close`, and the connection closed after it, at once: not by a deadline, which the server's own
 * counters would show at the end (no stopwatch). Literal bytes over TCP to 127.0.0.1.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { exchange } from "./support/raw-client.ts";
import { startServer, type RunningServer } from "./support/server.ts";
import { WAIT_MS } from "./support/wait.ts";

let dir = "";
let server: RunningServer;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "httap-errors-"));
  writeFileSync(join(dir, "a.txt"), "alpha\n");
  server = await startServer({ HTTAP_STATICPATH: dir, HTTAP_MAXBODY: "1000" });
});

afterAll(async () => {
  await server?.stop();
  if (dir !== "") rmSync(dir, { recursive: true, force: true });
});

const H = "Host: a\r\n";
const WHY = {
  requestLine: "the request line is malformed",
  target: "the request-target is neither",
  header: "a header line is malformed",
  bareCr: "a CR not followed by LF",
  host: "exactly one valid Host header",
  contentLength: "Content-Length must be one decimal number",
  framing: "both Content-Length and Transfer-Encoding",
  transferEncoding: "Transfer-Encoding must be given once",
  chunk: "the chunked body is malformed",
  targetLong: "the request-target is longer",
  headLarge: "larger than 8 KiB",
  manyHeaders: "more header fields",
  bodyLarge: "the request body is larger",
  version: "only HTTP/1.0 and HTTP/1.1",
  method: "this method is not implemented",
  coding: "only the chunked transfer coding",
};

const CASES: { name: string; data: string; status: number; why: string }[] = [
  { name: "extra SP in the request line", data: `GET  / HTTP/1.1\r\n${H}\r\n`, status: 400, why: WHY.requestLine },
  { name: "missing version", data: `GET /\r\n${H}\r\n`, status: 400, why: WHY.requestLine },
  { name: "lowercase http/1.1", data: `GET / http/1.1\r\n${H}\r\n`, status: 400, why: WHY.requestLine },
  { name: "tab separators", data: `GET\t/\tHTTP/1.1\r\n${H}\r\n`, status: 400, why: WHY.requestLine },
  { name: "NUL in the request line", data: `GET /\0 HTTP/1.1\r\n${H}\r\n`, status: 400, why: WHY.requestLine },
  { name: "target with a byte >= 0x80", data: `GET /caf\xe9 HTTP/1.1\r\n${H}\r\n`, status: 400, why: WHY.requestLine },
  { name: "bare CR ending the request line", data: `GET / HTTP/1.1\r${H}\r\n`, status: 400, why: WHY.bareCr },
  { name: "bare CR in a header value", data: `GET / HTTP/1.1\r\nHost: a\rb\r\n\r\n`, status: 400, why: WHY.bareCr },
  { name: "bare CR after a header name", data: `GET / HTTP/1.1\r\nHost\r: a\r\n\r\n`, status: 400, why: WHY.header },
  { name: "bare LF line endings", data: "GET / HTTP/1.1\nHost: a\n\n", status: 400, why: WHY.requestLine },
  { name: "bare LF ending a header", data: "GET / HTTP/1.1\r\nHost: a\n\r\n", status: 400, why: WHY.header },
  { name: "obs-fold", data: `GET / HTTP/1.1\r\n${H}X-A: b\r\n c\r\n\r\n`, status: 400, why: WHY.header },
  { name: "whitespace before the colon", data: `GET / HTTP/1.1\r\nHost : a\r\n\r\n`, status: 400, why: WHY.header },
  { name: "empty header name", data: `GET / HTTP/1.1\r\n${H}: b\r\n\r\n`, status: 400, why: WHY.header },
  { name: "\\x01 in a value", data: `GET / HTTP/1.1\r\n${H}X-A: \x01\r\n\r\n`, status: 400, why: WHY.header },
  { name: "\\x7f in a value", data: `GET / HTTP/1.1\r\n${H}X-A: \x7f\r\n\r\n`, status: 400, why: WHY.header },
  { name: "NUL in a value", data: `GET / HTTP/1.1\r\n${H}X-A: a\0\r\n\r\n`, status: 400, why: WHY.header },
  {
    name: "Content-Length and Transfer-Encoding",
    data: `POST / HTTP/1.1\r\n${H}Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`,
    status: 400,
    why: WHY.framing,
  },
  {
    name: "duplicate equal Content-Length",
    data: `POST / HTTP/1.1\r\n${H}Content-Length: 2\r\nContent-Length: 2\r\n\r\nhi`,
    status: 400,
    why: WHY.contentLength,
  },
  {
    name: "duplicate unequal Content-Length",
    data: `POST / HTTP/1.1\r\n${H}Content-Length: 2\r\nContent-Length: 3\r\n\r\nhi`,
    status: 400,
    why: WHY.contentLength,
  },
  { name: "Content-Length with a sign", data: `POST / HTTP/1.1\r\n${H}Content-Length: +2\r\n\r\nhi`, status: 400, why: WHY.contentLength },
  {
    name: "Content-Length with a comma",
    data: `POST / HTTP/1.1\r\n${H}Content-Length: 2,2\r\n\r\nhi`,
    status: 400,
    why: WHY.contentLength,
  },
  {
    name: "Content-Length with a space inside",
    data: `POST / HTTP/1.1\r\n${H}Content-Length: 1 1\r\n\r\nhi`,
    status: 400,
    why: WHY.contentLength,
  },
  { name: "empty Content-Length", data: `POST / HTTP/1.1\r\n${H}Content-Length:\r\n\r\n`, status: 400, why: WHY.contentLength },
  {
    name: "Transfer-Encoding not ending in chunked",
    data: `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked, gzip\r\n\r\n`,
    status: 400,
    why: WHY.transferEncoding,
  },
  {
    name: "Transfer-Encoding twice",
    data: `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`,
    status: 400,
    why: WHY.transferEncoding,
  },
  {
    name: "Transfer-Encoding in HTTP/1.0",
    data: `POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`,
    status: 400,
    why: WHY.transferEncoding,
  },
  {
    name: "Transfer-Encoding gzip, chunked",
    data: `POST / HTTP/1.1\r\n${H}Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n`,
    status: 501,
    why: WHY.coding,
  },
  { name: "HTTP/1.1 without Host", data: "GET / HTTP/1.1\r\n\r\n", status: 400, why: WHY.host },
  { name: "two Host fields", data: `GET / HTTP/1.1\r\n${H}${H}\r\n`, status: 400, why: WHY.host },
  { name: "Host with a space", data: "GET / HTTP/1.1\r\nHost: a b\r\n\r\n", status: 400, why: WHY.host },
  { name: "Host with a bad character", data: "GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", status: 400, why: WHY.host },
  { name: "asterisk target for GET", data: `GET * HTTP/1.1\r\n${H}\r\n`, status: 400, why: WHY.target },
  { name: "HTTP/2.0", data: `GET / HTTP/2.0\r\n${H}\r\n`, status: 505, why: WHY.version },
  { name: "HTTP/0.9", data: `GET / HTTP/0.9\r\n${H}\r\n`, status: 505, why: WHY.version },
  { name: "unknown method FOO", data: `FOO / HTTP/1.1\r\n${H}\r\n`, status: 501, why: WHY.method },
  { name: "target over MAX_TARGET_LENGTH", data: `GET /${"a".repeat(5000)} HTTP/1.1\r\n${H}\r\n`, status: 414, why: WHY.targetLong },
  { name: "target over MAX_TARGET_LENGTH, line unfinished", data: `GET /${"a".repeat(5000)}`, status: 414, why: WHY.targetLong },
  { name: "header block over 8 KiB", data: `GET / HTTP/1.1\r\n${H}X-Big: ${"v".repeat(9000)}\r\n\r\n`, status: 431, why: WHY.headLarge },
  {
    name: "header block over 8 KiB, unfinished",
    data: `GET / HTTP/1.1\r\n${H}X-Big: ${"v".repeat(9000)}`,
    status: 431,
    why: WHY.headLarge,
  },
  { name: "more than 100 header fields", data: `GET / HTTP/1.1\r\n${H}${"X-F: 1\r\n".repeat(100)}\r\n`, status: 431, why: WHY.manyHeaders },
  {
    name: "Content-Length over HTTAP_MAXBODY",
    data: `POST / HTTP/1.1\r\n${H}Content-Length: 1001\r\n\r\n`,
    status: 413,
    why: WHY.bodyLarge,
  },
  {
    name: "huge Content-Length",
    data: `POST / HTTP/1.1\r\n${H}Content-Length: 99999999999999999999999\r\n\r\n`,
    status: 413,
    why: WHY.bodyLarge,
  },
  {
    name: "chunked body over HTTAP_MAXBODY",
    data: `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n3e9\r\n`,
    status: 413,
    why: WHY.bodyLarge,
  },
  {
    name: "chunk size with a trailing space",
    data: `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n2 \r\nhi\r\n0\r\n\r\n`,
    status: 400,
    why: WHY.chunk,
  },
  {
    name: "chunk data without its CRLF",
    data: `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n2\r\nhix0\r\n\r\n`,
    status: 400,
    why: WHY.chunk,
  },
];

describe("protocol errors over the wire", () => {
  for (const c of CASES) {
    test(`${c.name} → ${c.status}, says why, closes`, async () => {
      const ex = await exchange(server.port, Buffer.from(c.data, "latin1"), { idleMs: WAIT_MS });
      expect(ex.responses.length).toBe(1);
      const r = ex.responses[0];
      expect(r.status).toBe(c.status);
      expect(r.body.toString()).toContain(c.why);
      expect(r.body.toString()).toStartWith(`${c.status} `);
      expect(r.headers.get("connection")).toBe("close");
      expect(r.headers.get("content-type")).toBe("text/plain; charset=utf-8");
      expect(ex.closed).toBe(true); // at once, not after a timeout: see the last test
    });
  }

  test("refused at once: no connection was closed by a deadline (a 408 would also have been a second response)", async () => {
    const stats = (await (await fetch(`http://127.0.0.1:${server.port}/?stats`)).json()) as { timedOut: Record<string, number> };
    expect(stats.timedOut).toEqual({ "request-head": 0, body: 0, "keep-alive": 0, send: 0 });
  });

  test("the server keeps serving after every refusal", async () => {
    const ex = await exchange(server.port, "GET /a.txt HTTP/1.1\r\nHost: a\r\n\r\n", { responses: 1 });
    expect(ex.responses[0]?.status).toBe(200);
    expect(ex.responses[0]?.body.toString()).toBe("alpha\n");
  });

  test("a body exactly at HTTAP_MAXBODY is accepted (the static layer then answers 405)", async () => {
    const ex = await exchange(server.port, `POST /a.txt HTTP/1.1\r\n${H}Content-Length: 1000\r\n\r\n${"b".repeat(1000)}`, { responses: 1 });
    expect(ex.responses[0]?.status).toBe(405);
  });
});
