/** @module Tests of embedded-source.ts. */
import { describe, expect, test } from "bun:test";
import { CACHE_IMAGE_FILE, CACHE_IMAGE_FOLDER, EmbeddedSource } from "./embedded-source.ts";

describe("the pages embedded by scripts/build.ts", () => {
  // What Bun 1.4.5 names the staged image with `--asset .cache/static-<pid>/httap-static` (checked by compiling).
  const image = new File([new Uint8Array([0x48, 0x54, 1, 2])], `${CACHE_IMAGE_FOLDER}/${CACHE_IMAGE_FILE}`);

  test("the cache image is found by its name among other embedded files, and read once as bytes", async () => {
    const source = new EmbeddedSource(() => {}, [new File(["x"], "data-1a2b3c.txt"), image, new File(["<p>"], "assets/index.html")]);
    expect(source.kind).toBe("embedded");
    expect(source.description).toBe("embedded assets");
    expect([...((await source.readImage()) ?? [])]).toEqual([0x48, 0x54, 1, 2]);
    expect(await source.readFiles()).toEqual([]); // the image holds every response: no file is read
  });

  test("not compiled and no image: it reads the checkout's assets folder, to lay out at start", async () => {
    const source = new EmbeddedSource(() => {}, [new File(["x"], "httap-static/other.bin")]);
    expect(source.description).toMatch(/assets folder .*\/assets\/$/);
    expect(await source.readImage()).toBeNull();
    const files = await source.readFiles();
    expect(files.map((f) => f.path)).toContain("index.html");
  });
});
