import { describe, expect, test } from "bun:test";
import { paramValue, parseSelector, splitAddress } from "./resource-address.ts";
import { defineResource } from "./resource.ts";

const get = () => ({ kind: "resource-reply", status: 200, format: "json", body: "0", errorCode: null }) as const;
const reg = defineResource({ name: "REG", get, members: ["R0", "R1", "R2"] });
const mem = defineResource({ name: "MEM", get, range: { size: 256 } });
const both = defineResource({ name: "B", get, members: ["ctl"], range: { size: 16 } });
const plain = defineResource({ name: "P", get });

describe("splitAddress and paramValue", () => {
  test("name, selector and parameters", () => {
    expect(splitAddress("REG")).toEqual({ name: "REG", selectorText: null, params: "" });
    expect(splitAddress("IO.SPI.1/a,b?hyx")).toEqual({ name: "IO.SPI.1", selectorText: "a,b", params: "hyx" });
    expect(splitAddress("loopback?name=a%20b.txt")).toEqual({ name: "loopback", selectorText: null, params: "name=a%20b.txt" });
  });

  test("flags, values, percent-decoding, bad encoding reads as absent", () => {
    expect(paramValue("hyx", "hyx")).toBe("");
    expect(paramValue("a=1&name=a%20b.txt", "name")).toBe("a b.txt");
    expect(paramValue("name=%zz", "name")).toBeNull();
    expect(paramValue("", "hyx")).toBeNull();
  });
});

describe("parseSelector", () => {
  test("members", () => {
    expect(parseSelector(reg, null)).toEqual({ ok: true, selector: { kind: "all" } });
    expect(parseSelector(reg, "R0,R2")).toEqual({ ok: true, selector: { kind: "members", members: ["R0", "R2"] } });
    expect(parseSelector(reg, "R0,R9")).toMatchObject({ ok: false, code: "not-found" });
  });

  test("hexadecimal inclusive ranges and single addresses", () => {
    expect(parseSelector(mem, "10-1F")).toEqual({ ok: true, selector: { kind: "range", start: 16, end: 31 } });
    expect(parseSelector(mem, "ff")).toEqual({ ok: true, selector: { kind: "range", start: 255, end: 255 } });
    expect(parseSelector(mem, "20-10")).toMatchObject({ ok: false, code: "bad-address" });
    expect(parseSelector(mem, "0-100")).toMatchObject({ ok: false, code: "out-of-range" });
    expect(parseSelector(mem, "x")).toMatchObject({ ok: false, code: "bad-address" });
    expect(parseSelector(mem, "")).toMatchObject({ ok: false, code: "bad-address" });
  });

  test("members win over addresses when a resource has both", () => {
    expect(parseSelector(both, "ctl")).toEqual({ ok: true, selector: { kind: "members", members: ["ctl"] } });
    expect(parseSelector(both, "c")).toEqual({ ok: true, selector: { kind: "range", start: 12, end: 12 } });
  });

  test("a resource without members or range has nothing to select", () => {
    expect(parseSelector(plain, "a")).toMatchObject({ ok: false, code: "not-found" });
  });
});
