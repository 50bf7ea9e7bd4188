/**
 * @module `npm run image -- --leader-pin` (issue 21) on a synthetic Bookworm image: /etc/default/httap holds the
 * PIN's salted hash (never the PIN), is root's with mode 0600, and the firmware accepts that hash; the installer's
 * output never shows the PIN; a PIN that is not 4-12 digits is refused before anything is written.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { readConfig } from "../src/config.ts";
import { leaderPinMatches } from "../src/leader/leader-pin.ts";
import { BUILD_TIMEOUT_MS, buildBinaries } from "./support/build.ts";
import { makeSyntheticImage, syntheticOffsets } from "./support/synthetic-image.ts";

const ROOT = resolve(import.meta.dir, "..");
const dir = mkdtempSync(join(tmpdir(), "httap-leader-image-"));
const PIN = "90417";

beforeAll(() => buildBinaries(["arm64"]), BUILD_TIMEOUT_MS + 5_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function sh(cmd: string[]): { code: number; out: string } {
  const env = { ...process.env, PATH: `${process.env.PATH}:/usr/sbin:/sbin`, LC_ALL: "C" };
  const r = Bun.spawnSync(cmd, { stdout: "pipe", stderr: "pipe", env, timeout: 120_000 });
  return { code: r.exitCode ?? -1, out: `${r.stdout}${r.stderr}` };
}

test("--leader-pin writes only a salted hash, in a 0600 file of root's; a bad PIN is refused", () => {
  const path = join(dir, "disk.img");
  makeSyntheticImage(path);
  const ext4 = `${path}?offset=${syntheticOffsets().root}`;
  const image = (...args: string[]) => sh([process.execPath, join(ROOT, "scripts/image.ts"), path, "--hostname", "car-01", ...args]);

  const bad = image("--leader-pin", "12ab");
  expect(bad.code).not.toBe(0);
  expect(bad.out).toContain("--leader-pin must be 4 to 12 digits");

  const r = image("--leader-pin", PIN);
  expect(r.code).toBe(0);
  expect(r.out).not.toContain(PIN);
  const text = sh(["debugfs", "-R", "cat /etc/default/httap", ext4]).out;
  expect(text).not.toContain(`=${PIN}`);
  const hash = /^HTTAP_LEADER_PIN=(\S+)$/m.exec(text)?.[1] ?? "";
  expect(leaderPinMatches(PIN, hash)).toBe(true);
  expect(readConfig({ HTTAP_LEADER_PIN: hash }).leaderPinHash).toBe(hash); // the firmware takes the hash as it is
  const stat = sh(["debugfs", "-R", "stat /etc/default/httap", ext4]).out;
  expect(/Mode:\s+(\d+)/.exec(stat)?.[1]).toBe("0600");
  expect(/User:\s+(\d+)/.exec(stat)?.[1]).toBe("0");
}, 180_000);
