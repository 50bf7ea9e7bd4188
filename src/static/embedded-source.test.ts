/** @module Tests of embedded-source.ts. */
import { describe, expect, test } from "bun:test";
import { assetPathFromEmbeddedName, EmbeddedSource } from "./embedded-source.ts";

describe("embedded asset names", () => {
  // What Bun 1.4.5 names blobs embedded with `bun build --compile --asset assets` (checked by compiling).
  test("assets/<path> maps to <path>; files embedded another way are not pages", () => {
    expect(assetPathFromEmbeddedName("assets/index.html")).toBe("index.html");
    expect(assetPathFromEmbeddedName("assets/sub/deep/b.css")).toBe("sub/deep/b.css");
    expect(assetPathFromEmbeddedName("data-brvx2cgw.txt")).toBeNull();
    expect(assetPathFromEmbeddedName("pages/index.html")).toBeNull();
  });

  test("the source reads the page blobs only, skipping names that break the path rules", async () => {
    const warnings: string[] = [];
    const blobs = [
      new File(["<p>hi</p>"], "assets/index.html"),
      new File(["p{}"], "assets/css/site.css"),
      new File(["x"], "data-1a2b3c.txt"),
      new File(["x"], "assets/bad name.txt"),
    ];
    const source = new EmbeddedSource((line) => warnings.push(line), blobs);
    expect(source.kind).toBe("embedded");
    expect(source.description).toBe("embedded assets");
    const files = await source.readFiles();
    expect(files.map((f) => [f.path, new TextDecoder().decode(f.bytes)])).toEqual([
      ["index.html", "<p>hi</p>"],
      ["css/site.css", "p{}"],
    ]);
    expect(warnings.length).toBe(1);
    expect(warnings[0]).toContain("assets/bad name.txt");
  });

  test("not compiled, it reads the checkout's assets folder", async () => {
    const source = new EmbeddedSource(() => {}, []);
    expect(source.description).toMatch(/assets folder .*\/assets\/$/);
    const files = await source.readFiles();
    expect(files.map((f) => f.path)).toContain("index.html");
  });
});
