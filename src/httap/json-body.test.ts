import { describe, expect, test } from "bun:test";
import { decodeJsonBody } from "./json-body.ts";

const enc = (s: string) => new TextEncoder().encode(s);

describe("decodeJsonBody", () => {
  test("valid JSON decodes", () => {
    expect(decodeJsonBody(enc(' {"a":[1,2.5e3,"x\\n",true,null]} '))).toEqual({ ok: true, value: { a: [1, 2500, "x\n", true, null] } });
  });

  test.each([
    ["", 0, "unexpected end of body"],
    ['{"a":1,}', 7, "member name"],
    ["[1 2]", 3, '"," or "]"'],
    ['{"a" 1}', 5, '":"'],
    ['"abc', 4, "closing"],
    ["tru", 0, "JSON value"],
    ["1 x", 2, "end of the body"],
    ["-", 0, "a number"],
    ['"\\q"', 2, "escape"],
  ])("%j fails at offset %d saying %s", (text, offset, reason) => {
    const r = decodeJsonBody(enc(text));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.offset).toBe(offset);
    expect(r.reason).toContain(reason);
  });

  test("line and column count from 1", () => {
    const r = decodeJsonBody(enc('{\n  "a": 1,\n  "b": x\n}'));
    expect(r).toMatchObject({ ok: false, line: 3, column: 8 });
  });

  test("invalid UTF-8 is refused with its offset", () => {
    const r = decodeJsonBody(new Uint8Array([0x22, 0x61, 0xff, 0x22]));
    expect(r).toMatchObject({ ok: false, offset: 2 });
  });

  test("very deep nesting does not overflow the locator", () => {
    const r = decodeJsonBody(enc("[".repeat(5000)));
    expect(r.ok).toBe(false);
  });
});
