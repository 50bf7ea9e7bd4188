import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";

const SRC = join(import.meta.dir, "..");

describe("the OS layer", () => {
  test("raw libc (`lib()`) is called only inside src/os; src/os imports nothing above it", () => {
    const outside: string[] = [];
    const upward: string[] = [];
    for (const file of new Bun.Glob("**/*.ts").scanSync(SRC)) {
      const text = readFileSync(join(SRC, file), "utf8");
      if (file.startsWith("os/")) {
        for (const m of text.matchAll(/from "(\.\.\/[^"]+)"/g)) upward.push(`${file}: ${m[1]}`);
      } else if (/\blib\(\)/.test(text)) {
        outside.push(file);
      }
    }
    expect(outside).toEqual([]);
    expect(upward).toEqual([]);
  });
});
