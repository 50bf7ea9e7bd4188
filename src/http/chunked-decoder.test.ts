/**
 * @module Unit tests of the chunked decoder (RFC 9112 §7.1): every fixture at every split point and byte by byte,
 * extensions, trailers, and every rejection.
 */
import { describe, expect, test } from "bun:test";
import { ChunkedDecoder, type ChunkProgress } from "./chunked-decoder.ts";
import { MAX_CHUNK_LINE_BYTES, MAX_TRAILER_BYTES } from "./limits.ts";

const bytesOf = (text: string): Buffer => Buffer.from(text, "latin1");
const LIMIT = 1024;

/** Feeds `buf` in the given pieces, moving the cursor by `consumed` like the connection does. */
function feedPieces(
  buf: Uint8Array,
  cuts: number[],
  limit = LIMIT,
): { progress: ChunkProgress; cursor: number; decoder: ChunkedDecoder; steps: ChunkProgress[] } {
  const decoder = new ChunkedDecoder(limit);
  let cursor = 0;
  let progress: ChunkProgress = "more";
  const steps: ChunkProgress[] = [];
  for (const end of [...cuts, buf.length]) {
    if (end < cursor) continue;
    progress = decoder.feed(buf, cursor, end);
    steps.push(progress);
    if (progress !== "more") {
      if (progress === "done") cursor += decoder.consumed;
      break;
    }
    cursor += decoder.consumed;
  }
  return { progress, cursor, decoder, steps };
}

const VALID: { name: string; encoded: string; body: string }[] = [
  { name: "one chunk", encoded: "5\r\nhello\r\n0\r\n\r\n", body: "hello" },
  {
    name: "several chunks, hex sizes in both cases",
    encoded: "3\r\nabc\r\na\r\n0123456789\r\nB\r\nABCDEFGHIJK\r\n0\r\n\r\n",
    body: "abc0123456789ABCDEFGHIJK",
  },
  { name: "empty body", encoded: "0\r\n\r\n", body: "" },
  { name: "leading zeros in sizes", encoded: "0003\r\nabc\r\n000\r\n\r\n", body: "abc" },
  { name: "regression: more than 8 digits of leading zeros is still a small size", encoded: "0000000003\r\nabc\r\n0\r\n\r\n", body: "abc" },
  { name: "binary data with CRLF inside", encoded: "4\r\n\r\n\0\xff\r\n0\r\n\r\n", body: "\r\n\0\xff" },
  { name: "token extension", encoded: "3;name\r\nabc\r\n0;last\r\n\r\n", body: "abc" },
  { name: "token=token extensions", encoded: "3;a=b;c=d\r\nabc\r\n0\r\n\r\n", body: "abc" },
  { name: "quoted extension with escapes", encoded: '3;a="x \\"y\\" ;z";b=1\r\nabc\r\n0\r\n\r\n', body: "abc" },
  { name: "empty quoted extension", encoded: '3;a=""\r\nabc\r\n0\r\n\r\n', body: "abc" },
  { name: "trailers are read and dropped", encoded: "3\r\nabc\r\n0\r\nX-Checksum: 123\r\nX-Other: caf\xe9\r\n\r\n", body: "abc" },
];

describe("ChunkedDecoder: valid bodies", () => {
  for (const f of VALID) {
    test(`${f.name}: at every split point`, () => {
      const buf = bytesOf(f.encoded);
      for (let k = 0; k <= buf.length; k++) {
        const { progress, cursor, decoder, steps } = feedPieces(buf, [k]);
        if (progress !== "done") throw new Error(`split at ${k}: ${steps.join(",")}`);
        if (k < buf.length && steps[0] !== "more") throw new Error(`split at ${k}: first piece gave ${steps[0]}`);
        expect(cursor).toBe(buf.length);
        expect(Buffer.from(decoder.body).toString("latin1")).toBe(f.body);
      }
    });

    test(`${f.name}: byte by byte`, () => {
      const buf = bytesOf(f.encoded);
      const { progress, cursor, decoder, steps } = feedPieces(
        buf,
        Array.from({ length: buf.length }, (_, i) => i + 1),
      );
      expect(progress).toBe("done");
      expect(steps.slice(0, -1).every((s) => s === "more")).toBe(true);
      expect(cursor).toBe(buf.length);
      expect(Buffer.from(decoder.body).toString("latin1")).toBe(f.body);
    });

    test(`${f.name}: one byte short is incomplete`, () => {
      const buf = bytesOf(f.encoded);
      const decoder = new ChunkedDecoder(LIMIT);
      expect(decoder.feed(buf, 0, buf.length - 1)).toBe("more");
      expect(decoder.consumed).toBe(buf.length - 1);
    });
  }

  test("bytes after the body (the next pipelined request) are not consumed", () => {
    const body = "5\r\nhello\r\n0\r\n\r\n";
    const buf = bytesOf(`${body}GET / HTTP/1.1\r\n`);
    const decoder = new ChunkedDecoder(LIMIT);
    expect(decoder.feed(buf, 0, buf.length)).toBe("done");
    expect(decoder.consumed).toBe(body.length);
  });

  test("decoding at an offset into a larger buffer", () => {
    const prefix = "POST / HTTP/1.1\r\n\r\n";
    const buf = bytesOf(`${prefix}2\r\nok\r\n0\r\n\r\n`);
    const decoder = new ChunkedDecoder(LIMIT);
    expect(decoder.feed(buf, prefix.length, buf.length)).toBe("done");
    expect(decoder.consumed).toBe(buf.length - prefix.length);
    expect(Buffer.from(decoder.body).toString()).toBe("ok");
  });

  test("a body of exactly the limit is accepted, spread over chunks", () => {
    const encoded = `200\r\n${"a".repeat(512)}\r\n200\r\n${"b".repeat(512)}\r\n0\r\n\r\n`;
    const { progress, decoder } = feedPieces(bytesOf(encoded), [100, 700]);
    expect(progress).toBe("done");
    expect(decoder.body.length).toBe(LIMIT);
  });
});

const REJECTED: { name: string; encoded: string; progress: ChunkProgress }[] = [
  { name: "size followed by a space", encoded: "3 \r\nabc\r\n0\r\n\r\n", progress: "bad-chunk" },
  { name: "size preceded by a space", encoded: " 3\r\nabc\r\n0\r\n\r\n", progress: "bad-chunk" },
  { name: "size followed by a tab", encoded: "3\t\r\nabc\r\n0\r\n\r\n", progress: "bad-chunk" },
  { name: "non-hex size", encoded: "g\r\nabc\r\n0\r\n\r\n", progress: "bad-chunk" },
  { name: "hex prefix 0x", encoded: "0x3\r\nabc\r\n0\r\n\r\n", progress: "bad-chunk" },
  { name: "empty size line", encoded: "\r\nabc\r\n0\r\n\r\n", progress: "bad-chunk" },
  { name: "negative size", encoded: "-3\r\nabc\r\n0\r\n\r\n", progress: "bad-chunk" },
  { name: "bare LF after the size", encoded: "3\nabc\r\n0\r\n\r\n", progress: "bad-chunk" },
  { name: "bare CR after the size", encoded: "3\rabc\r\n0\r\n\r\n", progress: "bad-chunk" },
  { name: "empty extension name", encoded: "2;\r\nab\r\n0\r\n\r\n", progress: "bad-chunk" },
  { name: "space before an extension", encoded: "2 ;a\r\nab\r\n0\r\n\r\n", progress: "bad-chunk" },
  { name: "empty extension value", encoded: "2;a=\r\nab\r\n0\r\n\r\n", progress: "bad-chunk" },
  { name: "unterminated quoted extension", encoded: '2;a="abc\r\nab\r\n0\r\n\r\n', progress: "bad-chunk" },
  { name: "junk after a quoted extension", encoded: '2;a="x"y\r\nab\r\n0\r\n\r\n', progress: "bad-chunk" },
  { name: "control byte in a quoted extension", encoded: '2;a="\x01"\r\nab\r\n0\r\n\r\n', progress: "bad-chunk" },
  { name: "missing CRLF after the data", encoded: "2\r\nabc\r\n0\r\n\r\n", progress: "bad-chunk" },
  { name: "LF only after the data", encoded: "2\r\nab\n0\r\n\r\n", progress: "bad-chunk" },
  { name: "CR without LF after the data", encoded: "2\r\nab\rX0\r\n\r\n", progress: "bad-chunk" },
  { name: "trailer line starting with whitespace (obs-fold)", encoded: "0\r\n X: y\r\n\r\n", progress: "bad-chunk" },
  { name: "control byte in a trailer", encoded: "0\r\nX: \x01\r\n\r\n", progress: "bad-chunk" },
  { name: "bare CR in a trailer", encoded: "0\r\nX: y\rz\r\n\r\n", progress: "bad-chunk" },
  { name: "more than 8 hex digits", encoded: "100000000\r\n", progress: "body-too-large" },
  { name: "a size beyond the body limit is refused as soon as its digits say so", encoded: "FFFFF", progress: "body-too-large" },
  { name: "a chunk over the body limit", encoded: "401\r\n", progress: "body-too-large" },
  { name: "chunks adding up over the body limit", encoded: `200\r\n${"a".repeat(512)}\r\n201\r\n`, progress: "body-too-large" },
  {
    name: "a size line over MAX_CHUNK_LINE_BYTES",
    encoded: `1;${"e".repeat(MAX_CHUNK_LINE_BYTES)}\r\na\r\n0\r\n\r\n`,
    progress: "bad-chunk",
  },
  {
    name: "trailers over MAX_TRAILER_BYTES",
    encoded: `0\r\n${`X: ${"t".repeat(97)}\r\n`.repeat(Math.ceil(MAX_TRAILER_BYTES / 100) + 1)}\r\n`,
    progress: "bad-chunk",
  },
];

describe("ChunkedDecoder: rejections", () => {
  for (const r of REJECTED) {
    test(`${r.name} → ${r.progress}`, () => {
      const buf = bytesOf(r.encoded);
      expect(new ChunkedDecoder(LIMIT).feed(buf, 0, buf.length)).toBe(r.progress);
      // Fed at any split point, the same verdict comes (never "done").
      for (let k = 0; k <= buf.length; k++) {
        const { progress, steps } = feedPieces(buf, [k]);
        if (progress !== r.progress) throw new Error(`split at ${k}: ${steps.join(",")}, expected ${r.progress}`);
      }
    });
  }
});
