import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";

const SRC = join(import.meta.dir, "..");
/** Node's modules with or without their prefix, and bun:ffi; the firmware's own modules are paths. */
const BUILT_IN = /^(node:|bun:ffi$|(fs|fs\/promises|os|path|crypto|zlib|net|dgram|child_process|events|stream|util)$)/;

describe("the OS layer", () => {
  test("raw libc and bun:ffi (`lib()`, `ffi()`) are called only inside src/os; src/os imports nothing above it", () => {
    const outside: string[] = [];
    const upward: string[] = [];
    for (const file of new Bun.Glob("**/*.ts").scanSync(SRC)) {
      const text = readFileSync(join(SRC, file), "utf8");
      if (file.startsWith("os/")) {
        for (const m of text.matchAll(/from "(\.\.\/[^"]+)"/g)) upward.push(`${file}: ${m[1]}`);
      } else if (/\b(lib|ffi)\(\)/.test(text)) {
        outside.push(file);
      }
    }
    expect(outside).toEqual([]);
    expect(upward).toEqual([]);
  });

  // issue 22: the bundler hoists a static import into the compiled binary's start-up, and node:fs alone cost ~1.5 MiB
  // of idle RSS and ~1.5 ms of start on a device serving HTTP only; node-builtins.ts fetches each on first use
  test("the firmware imports no Node built-in nor bun:ffi statically (types only): each is fetched on first use", () => {
    const hoisted: string[] = [];
    for (const file of new Bun.Glob("**/*.ts").scanSync(SRC)) {
      if (/\.test\.ts$|\.test-support\.ts$/.test(file)) continue;
      const text = readFileSync(join(SRC, file), "utf8");
      const statements = /^(?:import|export) (?!type )[^;]*?from "([^"]+)"|^import "([^"]+)"/gm;
      for (const m of text.matchAll(statements)) {
        const name = m[1] ?? m[2];
        if (BUILT_IN.test(name)) hoisted.push(`${file}: ${name}`);
      }
    }
    expect(hoisted).toEqual([]);
  });
});
