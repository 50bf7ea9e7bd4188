/** @module Tests of byte-range.ts. */
import { describe, expect, test } from "bun:test";
import { decideRange } from "./byte-range.ts";

describe("Range", () => {
  test.each([
    ["bytes=0-0", 0, 0],
    ["bytes=0-9", 0, 9],
    ["bytes=2-5", 2, 5],
    ["bytes=5-", 5, 9],
    ["bytes=-3", 7, 9],
    ["bytes=-100", 0, 9],
    ["bytes=3-999", 3, 9],
    ["BYTES=1-2", 1, 2],
    ["bytes= 1-2 ", 1, 2],
    ["bytes=9-9", 9, 9],
  ])("%p on 10 bytes is %d..%d", (value, first, last) => {
    expect(decideRange(value, 10)).toEqual({ kind: "partial", first, last });
  });

  test.each([["bytes=10-"], ["bytes=10-20"], ["bytes=-0"], ["bytes=99999999999999999999-"]])("%p on 10 bytes is 416", (value) => {
    expect(decideRange(value, 10)).toEqual({ kind: "unsatisfiable" });
  });

  test("every range of an empty body is unsatisfiable", () => {
    expect(decideRange("bytes=0-", 0).kind).toBe("unsatisfiable");
    expect(decideRange("bytes=-5", 0).kind).toBe("unsatisfiable");
  });

  test.each([
    ["bytes=0-1,3-4"],
    ["bytes=0-1, 3-4"],
    ["bytes=5-2"],
    ["items=0-1"],
    ["bytes="],
    ["bytes=-"],
    ["bytes=a-b"],
    ["bytes=1-2-3"],
    ["0-1"],
    ["bytes=+1-2"],
    ["bytes=1.5-2"],
    [""],
  ])("%p is ignored (full 200)", (value) => {
    expect(decideRange(value, 10)).toEqual({ kind: "ignore" });
  });
});
