/** The whole tree type-checks (strict): a type error is a failed test, not a surprise in the compiled binary. */
import { expect, test } from "bun:test";
import { join } from "node:path";
import { REPO, runToExit } from "./support/server.ts";

test("tsc --noEmit reports no type errors", async () => {
  const r = await runToExit([join(REPO, "node_modules/.bin/tsc"), "--noEmit", "-p", "."], {}, 120_000);
  expect(r.stdout + r.stderr).toBe("");
  expect(r.code).toBe(0);
}, 130_000);
