/** @module Tests of sim-file.ts: the simulator file is all zeros at start, whether new or left by an earlier run. */
import { afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { attachSimFile, createSimFile } from "./sim-file.ts";
import { SIM_FILE_BYTES } from "./sim-layout.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const freshDir = () => {
  const d = mkdtempSync(join(tmpdir(), "httap-simfile-"));
  dirs.push(d);
  return d;
};
const allZero = (buffer: ArrayBuffer) => new Uint8Array(buffer).every((b) => b === 0);

describe("createSimFile", () => {
  test("a new file: the simulator's size, every byte zero, and it takes no disk block until written", () => {
    const path = join(freshDir(), "sim.bin");
    const m = createSimFile(path);
    try {
      expect(m.length).toBe(SIM_FILE_BYTES);
      expect(statSync(path).size).toBe(SIM_FILE_BYTES);
      expect(statSync(path).blocks).toBeLessThan(SIM_FILE_BYTES / 512); // sized, not written: pages come when touched
      expect(allZero(m.buffer)).toBe(true);
    } finally {
      m.close();
    }
  });

  test("a file left by an earlier run, longer and full of old state: zeroed in place and cut to size", () => {
    const path = join(freshDir(), "sim.bin");
    writeFileSync(path, Buffer.alloc(SIM_FILE_BYTES + 4096, 0xa5));
    const m = createSimFile(path);
    try {
      expect(statSync(path).size).toBe(SIM_FILE_BYTES);
      expect(allZero(m.buffer)).toBe(true);
    } finally {
      m.close();
    }
  });
});

describe("attachSimFile", () => {
  test("a file too short for the simulator is refused with its path, never mapped short", () => {
    const empty = join(freshDir(), "empty.bin");
    writeFileSync(empty, "");
    expect(() => attachSimFile(empty)).toThrow(empty);
    const short = join(freshDir(), "short.bin");
    writeFileSync(short, Buffer.alloc(4096));
    expect(() => attachSimFile(short)).toThrow(`${short}: the file holds 4096 bytes`);
    expect(() => attachSimFile(join(freshDir(), "missing.bin"))).toThrow("missing.bin");
  });
});
