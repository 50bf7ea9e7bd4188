/** @module Tests of favicon.ts. */
import { describe, expect, test } from "bun:test";
import { builtInFavicon } from "./favicon.ts";

describe("built-in favicon", () => {
  const ico = builtInFavicon();
  const view = new DataView(ico.buffer, ico.byteOffset, ico.byteLength);

  test("is one 16x16 32-bit image in an ICO container whose sizes add up", () => {
    expect(ico.length).toBe(1150);
    expect([view.getUint16(0, true), view.getUint16(2, true), view.getUint16(4, true)]).toEqual([0, 1, 1]);
    expect([ico[6], ico[7]]).toEqual([16, 16]); // width, height
    expect(view.getUint16(6 + 6, true)).toBe(32); // bits per pixel
    const size = view.getUint32(6 + 8, true);
    const offset = view.getUint32(6 + 12, true);
    expect(offset).toBe(22);
    expect(offset + size).toBe(ico.length);
    expect(view.getUint32(offset, true)).toBe(40); // BITMAPINFOHEADER
    expect(view.getInt32(offset + 4, true)).toBe(16);
    expect(view.getInt32(offset + 8, true)).toBe(32); // image + mask rows
    expect(view.getUint16(offset + 14, true)).toBe(32);
  });

  test("draws the art: transparent corners, teal tile, white body (rows stored bottom-up, BGRA)", () => {
    const pixel = (x: number, y: number): number[] => {
      const at = 22 + 40 + ((15 - y) * 16 + x) * 4;
      return [...ico.subarray(at, at + 4)];
    };
    expect(pixel(0, 0)).toEqual([0, 0, 0, 0]);
    expect(pixel(15, 15)).toEqual([0, 0, 0, 0]);
    expect(pixel(8, 2)).toEqual([0x6e, 0x76, 0x0f, 0xff]);
    expect(pixel(8, 8)).toEqual([0xff, 0xff, 0xff, 0xff]);
  });
});
