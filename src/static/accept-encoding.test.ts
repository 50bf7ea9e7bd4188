/** @module Tests of accept-encoding.ts. */
import { describe, expect, test } from "bun:test";
import { AcceptEncodingCache, chooseCoding, IDENTITY_ONLY, parseAcceptEncoding } from "./accept-encoding.ts";

function choose(value: string, hasGzip = true, hasBr = true): string {
  return chooseCoding(parseAcceptEncoding(value), hasGzip, hasBr);
}

describe("Accept-Encoding", () => {
  test("a browser's value picks brotli, then gzip when there is no brotli", () => {
    expect(choose("gzip, deflate, br, zstd")).toBe("br");
    expect(choose("gzip, deflate, br, zstd", true, false)).toBe("gzip");
    expect(choose("gzip, deflate, br, zstd", false, false)).toBe("identity");
  });

  test("q-values are honoured, q=0 excludes", () => {
    expect(choose("br;q=0.5, gzip;q=0.8")).toBe("gzip");
    expect(choose("br;q=0, gzip")).toBe("gzip");
    expect(choose("gzip;q=0, br;q=0")).toBe("identity");
    expect(choose("br;q=0.001")).toBe("br"); // identity not named: a fallback below any named coding
    expect(choose("br;q=0.001, identity")).toBe("identity");
    expect(choose("br;q=0.5, identity;q=0.5")).toBe("br"); // a tie goes to the smaller body
    expect(choose("gzip; Q=1.000 , identity;q=0.5")).toBe("gzip");
  });

  test("* stands for codings not named; *;q=0 excludes identity unless it is named", () => {
    expect(choose("*")).toBe("br");
    expect(choose("*;q=0.5, br;q=0")).toBe("gzip");
    expect(parseAcceptEncoding("*;q=0")).toEqual({ identity: 0, gzip: 0, br: 0 });
    expect(parseAcceptEncoding("*;q=0, identity")).toEqual({ identity: 1, gzip: 0, br: 0 });
  });

  test("x-gzip is gzip; unknown codings and case do not matter", () => {
    expect(choose("x-gzip", true, true)).toBe("gzip");
    expect(choose("GZIP, compress")).toBe("gzip");
  });

  test("an empty value means identity only; a malformed q-value drops its element", () => {
    expect(choose("")).toBe("identity");
    expect(parseAcceptEncoding("").identity).toBeGreaterThan(0);
    expect(choose("br;q=2, gzip;q=abc, gzip;q=0.1234")).toBe("identity");
  });

  test("when nothing is acceptable identity is sent anyway", () => {
    expect(choose("identity;q=0, br;q=0, gzip;q=0")).toBe("identity");
  });

  test("the cache answers identity-only without a header and remembers parsed values", () => {
    const cache = new AcceptEncodingCache();
    expect(cache.preferenceFor(undefined)).toBe(IDENTITY_ONLY);
    const first = cache.preferenceFor("gzip, br");
    expect(cache.preferenceFor("gzip, br")).toBe(first);
    expect(first).toEqual({ identity: Number.MIN_VALUE, gzip: 1, br: 1 });
    for (let i = 0; i < 100; i++) cache.preferenceFor(`gzip;q=0.${i % 10}, x${i}`); // stays bounded, still right
    expect(cache.preferenceFor("br;q=0")).toEqual({ identity: Number.MIN_VALUE, gzip: 0, br: 0 });
  });
});
