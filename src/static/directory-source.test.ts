/** @module Tests of directory-source.ts. */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError } from "../config.ts";
import { DirectorySource } from "./directory-source.ts";
import { MAX_STATIC_TOTAL_BYTES } from "./static-limits.ts";

let top: string;
let served: string;

beforeAll(() => {
  top = mkdtempSync(join(tmpdir(), "httap-dir-source-"));
  served = join(top, "served");
  mkdirSync(join(served, "sub/deeper"), { recursive: true });
  mkdirSync(join(top, "outside"));
  writeFileSync(join(top, "canary.txt"), "CANARY");
  writeFileSync(join(top, "outside/secret.txt"), "SECRET");
  writeFileSync(join(served, "index.html"), "<p>hi</p>");
  writeFileSync(join(served, "sub/a.js"), "x = 1;");
  writeFileSync(join(served, "sub/deeper/b.css"), "p {}");
  writeFileSync(join(served, "bad name.txt"), "no");
  writeFileSync(join(served, "a..b"), "no");
  symlinkSync(join(top, "canary.txt"), join(served, "canary-link.txt"));
  symlinkSync(join(top, "outside"), join(served, "outside-link"));
  symlinkSync("../../canary.txt", join(served, "sub/relative-link.txt"));
  Bun.spawnSync(["mkfifo", join(served, "pipe")]);
});

afterAll(() => rmSync(top, { recursive: true, force: true }));

describe("DirectorySource", () => {
  test("reads regular files under allowed names, never through a link, and warns once per skipped entry", async () => {
    const warnings: string[] = [];
    const files = await new DirectorySource(served, (line) => warnings.push(line)).readFiles();
    expect(files.map((f) => f.path)).toEqual(["index.html", "sub/a.js", "sub/deeper/b.css"]);
    expect(new TextDecoder().decode(files[0].bytes)).toBe("<p>hi</p>");
    for (const file of files) expect(new TextDecoder().decode(file.bytes)).not.toMatch(/CANARY|SECRET/);
    const about = (name: string) => warnings.filter((w) => w.includes(name));
    expect(about("canary-link.txt")[0]).toContain("symbolic link");
    expect(about("outside-link")[0]).toContain("symbolic link");
    expect(about("relative-link.txt")[0]).toContain("symbolic link");
    expect(about("bad name.txt").length).toBe(1);
    expect(about("a..b").length).toBe(1);
    expect(about("pipe")[0]).toContain("not a regular file");
    expect(warnings.length).toBe(6);
  });

  test("a served directory given through a link is followed (the operator chose it)", async () => {
    const link = join(top, "served-link");
    symlinkSync(served, link);
    const files = await new DirectorySource(link, () => {}).readFiles();
    expect(files.length).toBe(3);
  });

  test("a missing directory, or a file, is a configuration error naming it", async () => {
    const missing = join(top, "nope");
    await expect(new DirectorySource(missing, () => {}).readFiles()).rejects.toThrow(new RegExp(`HTTAP_STATICPATH.*${missing}`));
    await expect(new DirectorySource(join(top, "canary.txt"), () => {}).readFiles()).rejects.toThrow(ConfigError);
  });

  test("more than the total limit is a configuration error (checked before reading)", async () => {
    const big = mkdtempSync(join(tmpdir(), "httap-dir-big-"));
    writeFileSync(join(big, "huge.bin"), "");
    truncateSync(join(big, "huge.bin"), MAX_STATIC_TOTAL_BYTES + 1); // sparse: costs no disk
    try {
      await expect(new DirectorySource(big, () => {}).readFiles()).rejects.toThrow(/exceed 64 MiB/);
    } finally {
      rmSync(big, { recursive: true, force: true });
    }
  });
});
