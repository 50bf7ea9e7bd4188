/** @module Tests of mime-types.ts and mime-sidecar.ts. */
import { describe, expect, test } from "bun:test";
import { ConfigError } from "../config.ts";
import { applyMimeSidecars } from "./mime-sidecar.ts";
import { isCompressible, mimeTypeFor } from "./mime-types.ts";

const text = (s: string) => new TextEncoder().encode(s);

describe("mimeTypeFor", () => {
  test.each([
    ["index.html", "text/html; charset=utf-8"],
    ["a/B.CSS", "text/css; charset=utf-8"],
    ["app.js", "text/javascript; charset=utf-8"],
    ["m.mjs", "text/javascript; charset=utf-8"],
    ["d.json", "application/json"],
    ["i.svg", "image/svg+xml"],
    ["p.png", "image/png"],
    ["p.jpg", "image/jpeg"],
    ["p.jpeg", "image/jpeg"],
    ["p.gif", "image/gif"],
    ["favicon.ico", "image/x-icon"],
    ["p.webp", "image/webp"],
    ["m.wasm", "application/wasm"],
    ["r.txt", "text/plain; charset=utf-8"],
    ["f.woff2", "font/woff2"],
    ["s.mp3", "audio/mpeg"],
    ["s.wav", "audio/wav"],
    ["x.bin", "application/octet-stream"],
    ["README", "application/octet-stream"],
    [".env", "application/octet-stream"],
    ["dir.d/file", "application/octet-stream"],
  ])("%p is %p", (path, type) => {
    expect(mimeTypeFor(path)).toBe(type);
  });

  test("text-like types are compressible, already-compressed ones are not", () => {
    for (const t of ["text/html; charset=utf-8", "application/json", "image/svg+xml", "application/wasm", "image/x-icon"])
      expect(isCompressible(t)).toBe(true);
    for (const t of ["image/png", "font/woff2", "audio/mpeg", "application/octet-stream"]) expect(isCompressible(t)).toBe(false);
  });
});

describe("applyMimeSidecars", () => {
  test("a .mime sidecar overrides the table and is not served itself", () => {
    const typed = applyMimeSidecars([
      { path: "a/b.bin", bytes: text("x") },
      { path: "a/b.bin.mime", bytes: text("application/x-hyx; charset=utf-8\n") },
      { path: "c.bin", bytes: text("y") },
      { path: "orphan.mime", bytes: text("text/plain") },
    ]);
    expect(typed.map((f) => [f.path, f.mimeType])).toEqual([
      ["a/b.bin", "application/x-hyx; charset=utf-8"],
      ["c.bin", "application/octet-stream"],
    ]);
  });

  test.each([["text/plain\r\nSet-Cookie: x=1"], ["nonsense"], [""], ["text/plain; charset"], ["a/b".padEnd(300, "c")]])(
    "a bad sidecar %p is a configuration error",
    (content) => {
      expect(() =>
        applyMimeSidecars([
          { path: "f", bytes: text("x") },
          { path: "f.mime", bytes: text(content) },
        ]),
      ).toThrow(ConfigError);
    },
  );
});
