/**
 * @module scripts/build.ts's buildPathIn() (issue 16): the check that fails a build whose executable names the build
 * directory. It must find a planted path anywhere in a file, with its offset and the text around it, and return null
 * for a clean file; a short root is looked for as its src/ folder, so it does not match by chance.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildPathIn } from "../scripts/build.ts";
import { REPO } from "./support/server.ts";

const dir = mkdtempSync(join(tmpdir(), "httap-build-path-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A file of `size` bytes cycling through every value (as machine code does), with `planted` written at `at`. */
function file(name: string, planted = "", at = 0, size = 256 * 1024): string {
  const bytes = Buffer.alloc(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 7919 + 13) & 0xff;
  bytes.write(planted, at, "latin1");
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

describe("buildPathIn()", () => {
  test("finds the checkout's path planted deep in a file, with its offset and the text around it", () => {
    const root = "/home/builder/work/httap";
    const path = file("leaky", `\0${root}/src/engine/engine-worker.ts\0`, 200_001);
    const found = buildPathIn(path, root);
    expect(found).not.toBeNull();
    expect(found!).toStartWith("offset 200002: ");
    expect(found!).toContain(`${root}/src/engine/engine-worker.ts`);
  });

  test("returns null for a clean file, and for a file naming only another checkout", () => {
    expect(buildPathIn(file("clean"), "/home/builder/work/httap")).toBeNull();
    expect(buildPathIn(file("other", "/home/builder/work/httap-old/src/x.ts", 1000), "/home/builder/work/httap2")).toBeNull();
  });

  test("a short root is looked for as root/src, not alone", () => {
    const path = file("short", "xx/w/yy and later /w/src/main.ts", 5000);
    expect(buildPathIn(path, "/w")).toContain("/w/src/main.ts");
    expect(buildPathIn(file("short-clean", "xx/w/yy only", 5000), "/w")).toBeNull();
  });

  test("by default it looks for this checkout", () => {
    expect(buildPathIn(file("this", `${REPO}src/main.ts`, 10))).toContain(`${REPO}src/main.ts`);
    expect(buildPathIn(file("this-clean"))).toBeNull();
  });
});
