/** @module Tests of embedded-source.ts. */
import { describe, expect, test } from "bun:test";
import { assetPathFromEmbeddedName, EmbeddedSource, PRECOMPRESSED_FOLDER } from "./embedded-source.ts";

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
    expect(await source.readPrecompressed()).toBeNull(); // its variants are compressed at start
  });
});

describe("precompressed variants embedded by scripts/build.ts", () => {
  // What Bun 1.4.5 names the staged folder's files with `--asset .cache/precompressed-<pid>/assets-precompressed`.
  const page = new File(["<p>hi</p>"], "assets/index.html");
  const gz = new File([new Uint8Array([0x1f, 0x8b, 1])], `${PRECOMPRESSED_FOLDER}/0123456789abcdef-gz`);
  const br = new File([new Uint8Array([0x0b, 2])], `${PRECOMPRESSED_FOLDER}/0123456789abcdef-br`);

  test("are found by tag name, and are not pages themselves", async () => {
    const source = new EmbeddedSource(() => {}, [page, gz, br, new File(["x"], "data-1a2b3c.txt")]);
    expect((await source.readFiles()).map((f) => f.path)).toEqual(["index.html"]);
    const bodies = await source.readPrecompressed();
    expect(bodies === null ? null : [...bodies].map(([name, body]) => [name, [...body]])).toEqual([
      ["0123456789abcdef-gz", [0x1f, 0x8b, 1]],
      ["0123456789abcdef-br", [0x0b, 2]],
    ]);
  });

  test("none embedded (a binary built without them): null, so the variants are compressed at start", async () => {
    expect(await new EmbeddedSource(() => {}, [page]).readPrecompressed()).toBeNull();
  });

  test("without pages they are ignored: the checkout's folder is read and compressed at start", async () => {
    const source = new EmbeddedSource(() => {}, [gz, br]);
    expect(source.description).toMatch(/assets folder /);
    expect(await source.readPrecompressed()).toBeNull();
  });
});
