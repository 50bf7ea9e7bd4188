/**
 * @module The tree is formatted (issue 17): Biome's formatter (biome.json) has nothing to change, and no source line
 * is over 140 characters (what Biome cannot break, long strings and comments, is wrapped by hand). `npm run format`
 * fixes the first.
 */
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { REPO } from "./support/server.ts";

const MAX_COLUMNS = 140;

describe("formatting", () => {
  test("biome format finds nothing to change", () => {
    const r = Bun.spawnSync([join(REPO, "node_modules/.bin/biome"), "format", "."], { cwd: REPO, stdout: "pipe", stderr: "pipe" });
    const out = `${r.stdout.toString()}${r.stderr.toString()}`;
    expect(out.split("\n").filter((l) => / format ━/.test(l))).toEqual([]); // the files it would change
    expect(r.exitCode).toBe(0);
  });

  test(`no source line is over ${MAX_COLUMNS} characters`, () => {
    const files = Bun.spawnSync(["git", "ls-files", "src/*.ts", "scripts/*.ts", "test/*.ts", "assets/*.js"], { cwd: REPO, stdout: "pipe" })
      .stdout.toString()
      .split("\n")
      .filter((f) => f !== "" && !f.includes("/vendor/"));
    expect(files.length).toBeGreaterThan(100);
    const long: string[] = [];
    for (const file of files) {
      readFileSync(join(REPO, file), "utf8")
        .split("\n")
        .forEach((line, i) => {
          if (line.length > MAX_COLUMNS) long.push(`${file}:${i + 1} (${line.length})`);
        });
    }
    expect(long).toEqual([]);
  });
});
