/** @module Tests of arena.ts. */
import { describe, expect, test } from "bun:test";
import { ARENA_ALIGNMENT_BYTES, packArena } from "./arena.ts";

describe("packArena", () => {
  test("places every response, parts contiguous, at an aligned offset of one buffer", () => {
    const a = new Uint8Array([1, 2, 3]);
    const b = new Uint8Array(100).fill(7);
    const c = new Uint8Array([9]);
    const { buffer, views } = packArena([[a, b], [c], [], [b]]);
    expect(views.length).toBe(4);
    for (const view of views) {
      expect(view.buffer).toBe(buffer);
      expect(view.byteOffset % ARENA_ALIGNMENT_BYTES).toBe(0);
    }
    expect([...views[0]]).toEqual([...a, ...b]);
    expect([...views[1]]).toEqual([9]);
    expect(views[2].length).toBe(0);
    expect([...views[3]]).toEqual([...b]);
    expect(views[1].byteOffset).toBe(128); // 103 bytes rounded up to 64
    expect(buffer.byteLength % ARENA_ALIGNMENT_BYTES).toBe(0);
  });
});
