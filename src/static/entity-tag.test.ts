/** @module Tests of entity-tag.ts. */
import { describe, expect, test } from "bun:test";
import { ifRangeAllows, noneMatchHits } from "./entity-tag.ts";

const TAG = '"0123456789abcdef"';

describe("If-None-Match", () => {
  test.each([[TAG], ["*"], [" * "], [`W/${TAG}`], [`"x", ${TAG}`], [`"x",${TAG} , "y"`], [`W/"x", W/${TAG}`], [`,, ${TAG}`]])(
    "%p matches",
    (value) => {
      expect(noneMatchHits(value, TAG)).toBe(true);
    },
  );

  test.each([
    ['"0123456789abcdef-gz"'],
    ['"0123456789abcde"'],
    ['"x", "y"'],
    ["0123456789abcdef"],
    [""],
    ["W/"],
    [`"x" ${TAG}`],
    [`"unterminated, ${TAG}`],
    ['"a,b"'],
    ['*, "x"'],
  ])("%p does not match", (value) => {
    expect(noneMatchHits(value, TAG)).toBe(false);
  });
});

describe("If-Range", () => {
  test("only the exact strong tag allows the range", () => {
    expect(ifRangeAllows(TAG, TAG)).toBe(true);
    expect(ifRangeAllows(` ${TAG} `, TAG)).toBe(true);
    expect(ifRangeAllows(`W/${TAG}`, TAG)).toBe(false);
    expect(ifRangeAllows('"other"', TAG)).toBe(false);
    expect(ifRangeAllows("Sat, 01 Jan 2000 00:00:00 GMT", TAG)).toBe(false);
  });
});
