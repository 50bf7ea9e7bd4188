/** @module Tests of lazy-identity.ts: the identity body made from the gzip body, exact, once, and only when asked. */
import { describe, expect, test } from "bun:test";
import { prebuiltReply } from "../http/reply.ts";
import { LazyIdentity } from "./lazy-identity.ts";

const encoder = new TextEncoder();
const BODY = encoder.encode("<p>Drive the car, play a tone.</p>\n".repeat(200));
const HEAD = encoder.encode(`HTTP/1.1 200 OK\r\nContent-Length: ${BODY.length}\r\n\r\n`);
const NOT_MODIFIED = prebuiltReply(304, encoder.encode('HTTP/1.1 304 Not Modified\r\nETag: "x"\r\n\r\n'), 38);

describe("LazyIdentity", () => {
  test("holds no identity body until its 200 is asked for; the tag and 304 need none", () => {
    const identity = new LazyIdentity('"x"', NOT_MODIFIED, HEAD, Bun.gzipSync(BODY));
    expect([identity.coding, identity.etag, identity.notModified]).toEqual(["identity", '"x"', NOT_MODIFIED]);
    expect(identity.isResident).toBe(false);
  });

  test("its 200 is the head then the exact body, in one buffer, made once and kept", () => {
    const identity = new LazyIdentity('"x"', NOT_MODIFIED, HEAD, Bun.gzipSync(BODY, { level: 9 }));
    const ok = identity.ok;
    expect(identity.isResident).toBe(true);
    expect([ok.kind, ok.status, ok.headLength]).toEqual(["prebuilt", 200, HEAD.length]);
    expect(ok.bytes.subarray(0, ok.headLength)).toEqual(HEAD);
    expect(ok.bytes.subarray(ok.headLength)).toEqual(BODY);
    expect(identity.ok).toBe(ok); // the same object: nothing made twice
  });
});
