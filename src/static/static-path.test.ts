/** @module Tests of static-path.ts. */
import { describe, expect, test } from "bun:test";
import { isAllowedAssetPath, staticKey } from "./static-path.ts";

describe("staticKey", () => {
  test("maps / and folder paths to the root page", () => {
    expect(staticKey("/", "index.html")).toBe("index.html");
    expect(staticKey("/docs/", "index.html")).toBe("docs/index.html");
    expect(staticKey("/", "home/start.html")).toBe("home/start.html");
  });

  test("keeps an ordinary path, without its leading slash", () => {
    expect(staticKey("/img/car.svg", "index.html")).toBe("img/car.svg");
    expect(staticKey("/A-z_0.9", "index.html")).toBe("A-z_0.9");
  });

  test.each([
    ["/../etc/passwd"],
    ["/a/../b"],
    ["/.."],
    ["/..."],
    ["/%2e%2e/x"],
    ["/%2E%2E%2Fetc"],
    ["/a\\b"],
    ["/..\\x"],
    ["/a\0b"],
    ['/with_"lovely"_quotes'],
    ["/a b"],
    ["/a?b"],
    ["/a#b"],
    ["/é"],
    ["/a:b"],
    ["/~user"],
    [""],
    ["a.html"],
    ["*"],
    ["/" + "a".repeat(256)],
  ])("refuses %p", (path) => {
    expect(staticKey(path, "index.html")).toBeNull();
  });

  test("allows exactly 256 characters", () => {
    expect(staticKey("/" + "a".repeat(255), "index.html")).toBe("a".repeat(255));
  });
});

describe("isAllowedAssetPath", () => {
  test.each([["index.html"], ["a/b/c.js"], [".well-known/security.txt"], ["a".repeat(255)]])("accepts %p", (path) => {
    expect(isAllowedAssetPath(path)).toBe(true);
  });

  test.each([[""], ["/abs"], ["a//b"], ["dir/"], ["a..b"], ["../x"], ["a b"], ["a%20b"], ["a".repeat(256)]])("refuses %p", (path) => {
    expect(isAllowedAssetPath(path)).toBe(false);
  });
});
