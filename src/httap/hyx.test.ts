import { expect, test } from "bun:test";
import { encodeHyx } from "./hyx.ts";

test("HYX: magic line, comment, address marker, 16 hex pairs per line", () => {
  const bytes = Uint8Array.from({ length: 18 }, (_, i) => i * 15);
  expect(encodeHyx(bytes, 0x1f0, "MEM 1F0-201")).toBe(
    ";;hyx1\n; MEM 1F0-201\n:1F0\n00 0F 1E 2D 3C 4B 5A 69 78 87 96 A5 B4 C3 D2 E1\nF0 FF\n",
  );
});

test("HYX: a comment cannot inject a line", () => {
  expect(encodeHyx(new Uint8Array(1), 0, "a\nb").split("\n")[1]).toBe("; a b");
});
