/** @module Tests of the handler's responses: exact heads, content coding, If-None-Match, Range, the arena. */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { brotliDecompressSync, gunzipSync } from "node:zlib";
import type { Reply, RequestHandler } from "../http/types.ts";
import { ARENA_ALIGNMENT_BYTES } from "./arena.ts";
import { DirectorySource } from "./directory-source.ts";
import { bodyBytes, fakeRequest, headerValue, headText } from "./fake-request.ts";
import { LazyIdentity } from "./lazy-identity.ts";
import { buildStaticCache, type StaticCache } from "./static-cache.ts";
import { createStaticHandler } from "./static-handler.ts";

const PAGE = `<!doctype html><title>t</title>\n${"<p>Drive the car, play a tone, repeat the pattern.</p>\n".repeat(40)}`;
const PHOTO = crypto.getRandomValues(new Uint8Array(2000)); // random bytes: do not compress
let dir: string;
let handle: RequestHandler;
let cache: StaticCache;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "httap-static-"));
  mkdirSync(join(dir, "sub"));
  writeFileSync(join(dir, "index.html"), PAGE);
  writeFileSync(join(dir, "photo.png"), PHOTO);
  writeFileSync(join(dir, "tiny.txt"), "hello");
  writeFileSync(join(dir, "empty.txt"), "");
  writeFileSync(join(dir, "sub/index.html"), "<p>sub</p>");
  handle = (await createStaticHandler({ staticPath: dir, rootPage: "index.html", warn: () => {} })).handle;
  cache = await buildStaticCache(new DirectorySource(dir, () => {}));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const get = (target: string, headers: Record<string, string> = {}): Reply => handle(fakeRequest(target, headers));
const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);
const etagOf = (reply: Reply): string => headerValue(reply, "ETag")!;

describe("200 responses", () => {
  test("GET / is the root page, prebuilt: exact head, then the body", () => {
    const reply = get("/");
    expect(reply.kind).toBe("prebuilt");
    expect(reply.status).toBe(200);
    const etag = etagOf(reply);
    expect(etag).toMatch(/^"[0-9a-f]{16}"$/);
    expect(headText(reply)).toBe(
      "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n" +
        `Content-Length: ${PAGE.length}\r\nETag: ${etag}\r\nCache-Control: no-cache\r\nAccept-Ranges: bytes\r\n` +
        "Vary: Accept-Encoding\r\nX-Content-Type-Options: nosniff\r\n\r\n",
    );
    expect(text(bodyBytes(reply))).toBe(PAGE);
    expect(get("/index.html")).toBe(reply); // the same prebuilt object: nothing allocated
    expect(get("/index.html?v=2")).toBe(reply); // the query does not matter for files
  });

  test("HEAD gets the same prebuilt reply; its head announces the body length", () => {
    const reply = handle(fakeRequest("/index.html", {}, "HEAD"));
    expect(reply).toBe(get("/index.html"));
    if (reply.kind !== "prebuilt") throw new Error("expected prebuilt");
    expect(text(reply.bytes.subarray(reply.headLength - 4, reply.headLength))).toBe("\r\n\r\n");
    expect(Number(headerValue(reply, "Content-Length"))).toBe(reply.bytes.length - reply.headLength);
  });

  test("a folder path serves its index; an empty file is a 200 with length 0", () => {
    expect(text(bodyBytes(get("/sub/")))).toBe("<p>sub</p>");
    const empty = get("/empty.txt");
    expect(empty.status).toBe(200);
    expect(headerValue(empty, "Content-Length")).toBe("0");
  });
});

describe("content coding", () => {
  test("brotli when offered, and it decompresses to the file", () => {
    const reply = get("/", { "accept-encoding": "gzip, deflate, br, zstd" });
    expect(headerValue(reply, "Content-Encoding")).toBe("br");
    expect(etagOf(reply)).toBe(etagOf(get("/")).replace(/"$/, '-br"'));
    const body = bodyBytes(reply);
    expect(body.length).toBeLessThan(PAGE.length);
    expect(Number(headerValue(reply, "Content-Length"))).toBe(body.length);
    expect(text(brotliDecompressSync(body))).toBe(PAGE);
  });

  test("gzip when brotli is refused (q=0) or ranked lower, and it decompresses to the file", () => {
    for (const value of ["gzip, br;q=0", "br;q=0.5, gzip", "x-gzip"]) {
      const reply = get("/", { "accept-encoding": value });
      expect(headerValue(reply, "Content-Encoding")).toBe("gzip");
      expect(etagOf(reply)).toBe(etagOf(get("/")).replace(/"$/, '-gz"'));
      expect(text(gunzipSync(bodyBytes(reply)))).toBe(PAGE);
    }
  });

  test("identity without the header, when codings are refused, or for files not worth compressing", () => {
    for (const headers of [
      {},
      { "accept-encoding": "" },
      { "accept-encoding": "gzip;q=0, br;q=0" },
      { "accept-encoding": "deflate" },
    ] as Record<string, string>[]) {
      expect(get("/", headers)).toBe(get("/"));
    }
    for (const path of ["/tiny.txt", "/photo.png"]) {
      const reply = get(path, { "accept-encoding": "gzip, br" });
      expect(headerValue(reply, "Content-Encoding")).toBeUndefined();
      expect(headerValue(reply, "Vary")).toBeUndefined(); // one representation: nothing varies
    }
    expect(bodyBytes(get("/photo.png"))).toEqual(PHOTO);
  });
});

describe("If-None-Match", () => {
  test("the tag, a list holding it, * and W/ all give the prebuilt 304", () => {
    const etag = etagOf(get("/"));
    const notModified = get("/", { "if-none-match": etag });
    expect(notModified.kind).toBe("prebuilt");
    expect(notModified.status).toBe(304);
    expect(headText(notModified)).toBe(
      `HTTP/1.1 304 Not Modified\r\nETag: ${etag}\r\nCache-Control: no-cache\r\nVary: Accept-Encoding\r\n\r\n`,
    );
    expect(bodyBytes(notModified).length).toBe(0);
    for (const value of [`"zzz", ${etag}`, "*", `W/${etag}`]) expect(get("/", { "if-none-match": value })).toBe(notModified);
  });

  test("a tag of another representation does not match: 200 of the one negotiated", () => {
    const identityTag = etagOf(get("/"));
    const gzip = get("/", { "if-none-match": identityTag, "accept-encoding": "gzip" });
    expect(gzip.status).toBe(200);
    expect(headerValue(gzip, "Content-Encoding")).toBe("gzip");
    const again = get("/", { "if-none-match": etagOf(gzip), "accept-encoding": "gzip" });
    expect(again.status).toBe(304);
    expect(etagOf(again)).toBe(etagOf(gzip));
    expect(get("/", { "if-none-match": '"other"' }).status).toBe(200);
  });
});

describe("Range", () => {
  test("a single range gives 206 of the identity body, a view into the arena", () => {
    const full = get("/");
    if (full.kind !== "prebuilt") throw new Error("expected prebuilt");
    const reply = get("/", { range: "bytes=0-9", "accept-encoding": "gzip, br" });
    expect(reply.kind).toBe("dynamic");
    expect(reply.status).toBe(206);
    expect(headText(reply)).toBe(
      `Content-Range: bytes 0-9/${PAGE.length}\r\nContent-Type: text/html; charset=utf-8\r\nETag: ${etagOf(full)}\r\n` +
        "Cache-Control: no-cache\r\nAccept-Ranges: bytes\r\nVary: Accept-Encoding\r\nX-Content-Type-Options: nosniff\r\n",
    );
    const body = bodyBytes(reply);
    expect(text(body)).toBe(PAGE.slice(0, 10));
    expect(body.buffer).toBe(full.bytes.buffer); // no copy
    expect(text(bodyBytes(get("/", { range: "bytes=-5" })))).toBe(PAGE.slice(-5));
    expect(headerValue(get("/", { range: "bytes=100-" }), "Content-Range")).toBe(`bytes 100-${PAGE.length - 1}/${PAGE.length}`);
  });

  test("past the end is 416 with bytes */length", () => {
    const reply = get("/", { range: `bytes=${PAGE.length}-` });
    expect(reply.status).toBe(416);
    expect(headerValue(reply, "Content-Range")).toBe(`bytes */${PAGE.length}`);
    expect(get("/empty.txt", { range: "bytes=0-" }).status).toBe(416);
  });

  test("multi-range, malformed, HEAD, a failed If-Range or a refused identity: the full 200", () => {
    const full = get("/");
    for (const range of ["bytes=0-1,5-6", "bytes=9-2", "bytes=x", "lines=1-2"]) expect(get("/", { range })).toBe(full);
    expect(handle(fakeRequest("/", { range: "bytes=0-1" }, "HEAD"))).toBe(full);
    expect(get("/", { range: "bytes=0-1", "if-range": '"stale"' })).toBe(full);
    expect(get("/", { range: "bytes=0-1", "if-range": `W/${etagOf(full)}` })).toBe(full);
    expect(get("/", { range: "bytes=0-1", "accept-encoding": "br, identity;q=0" }).status).toBe(200);
  });

  test("a matching If-Range allows the range; If-None-Match is decided first (304)", () => {
    const etag = etagOf(get("/"));
    expect(get("/", { range: "bytes=0-1", "if-range": etag }).status).toBe(206);
    expect(get("/", { range: "bytes=0-1", "if-none-match": etag }).status).toBe(304);
  });
});

describe("the arena", () => {
  test("every prebuilt response sits at an aligned offset of one buffer, and the handler reports its size", async () => {
    const fresh = await buildStaticCache(new DirectorySource(dir, () => {}));
    const files = [...fresh.files.values()];
    // Before anyone asks: a file with a gzip variant has only its identity's 304 in the arena, no identity body.
    const lazy = files.filter((f) => f.identity instanceof LazyIdentity);
    expect(lazy.map((f) => f.path).sort()).toEqual(["favicon.ico", "index.html"]);
    expect(lazy.every((f) => !(f.identity as LazyIdentity).isResident)).toBe(true);
    const replies = files.flatMap((f) =>
      [f.identity, f.gzip, f.br].flatMap((r) => (r === null ? [] : r instanceof LazyIdentity ? [r.notModified] : [r.ok, r.notModified])),
    );
    expect(replies.length).toBeGreaterThan(fresh.files.size * 2);
    for (const reply of replies) {
      expect(reply.bytes.buffer).toBe(fresh.arena);
      expect(reply.bytes.byteOffset % ARENA_ALIGNMENT_BYTES).toBe(0);
    }
    const created = await createStaticHandler({ staticPath: dir, rootPage: "index.html", warn: () => {} });
    expect(created.source).toBe("directory");
    expect(created.fileCount).toBe(6); // 5 files and the built-in favicon
    expect(created.totalBytes).toBe(fresh.arena.byteLength);
  });
});
