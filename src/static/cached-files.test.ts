/**
 * @module Tests of cached-files.ts: a file's representations are made on its first lookup and kept, and the table
 * answers as a map of every file would.
 */
import { describe, expect, test } from "bun:test";
import { CachedFiles } from "./cached-files.ts";
import { packStaticCache } from "./static-cache.ts";

const encoder = new TextEncoder();
const PACKED = packStaticCache([
  { path: "index.html", bytes: encoder.encode(`<!doctype html><title>t</title>\n${"<p>Drive the car.</p>\n".repeat(40)}`) },
  { path: "tiny.txt", bytes: encoder.encode("hello") },
]);

describe("CachedFiles", () => {
  test("knows every path before any is opened, and an unknown one is undefined", () => {
    const files = new CachedFiles(PACKED);
    expect(files.size).toBe(3); // the built-in favicon is added
    expect([...files.keys()].sort()).toEqual(["favicon.ico", "index.html", "tiny.txt"]);
    expect(files.has("tiny.txt")).toBe(true);
    expect(files.has("nope.txt")).toBe(false);
    expect(files.get("nope.txt")).toBeUndefined();
  });

  test("a file opened once is the same object on every lookup and in an enumeration", () => {
    const files = new CachedFiles(PACKED);
    const tiny = files.get("tiny.txt")!;
    expect(files.get("tiny.txt")).toBe(tiny);
    expect([...files.values()].find((f) => f.path === "tiny.txt")).toBe(tiny);
    expect(new Map(files).get("tiny.txt")).toBe(tiny);
    expect(new TextDecoder().decode(tiny.body)).toBe("hello");
  });

  test("its responses are views of the one arena, nothing copied", () => {
    const files = new CachedFiles(PACKED);
    const index = files.get("index.html")!;
    expect(index.gzip).not.toBeNull();
    expect(index.gzip!.ok.bytes.buffer).toBe(PACKED.arena.buffer);
    expect(index.identity.notModified.bytes.buffer).toBe(PACKED.arena.buffer);
    let visited = 0;
    files.forEach((file, path, map) => {
      expect(file.path).toBe(path);
      expect(map).toBe(files);
      visited++;
    });
    expect(visited).toBe(3);
  });
});
