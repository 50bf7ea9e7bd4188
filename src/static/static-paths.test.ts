/** @module Tests of the handler against a served directory: path rules, traversal, methods, types, favicon, root page. */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Reply, RequestHandler } from "../http/types.ts";
import { bodyBytes, fakeRequest, headerValue, headText } from "./fake-request.ts";
import { builtInFavicon } from "./favicon.ts";
import { createStaticHandler } from "./static-handler.ts";

// A served directory with a canary just outside it: no request may ever get the canary's bytes.
let top: string;
let served: string;
let handle: RequestHandler;

beforeAll(async () => {
  top = mkdtempSync(join(tmpdir(), "httap-paths-"));
  served = join(top, "www");
  mkdirSync(join(served, "sub"), { recursive: true });
  writeFileSync(join(top, "canary.txt"), "CANARY-OUTSIDE");
  writeFileSync(join(served, "index.html"), "<p>home</p>");
  writeFileSync(join(served, "start.html"), "<p>start</p>");
  writeFileSync(join(served, "sub/page.html"), "<p>page</p>");
  writeFileSync(join(served, "data.bin"), new Uint8Array([1, 2, 3]));
  writeFileSync(join(served, "data.bin.mime"), "application/x-hyx; charset=utf-8\n");
  symlinkSync(join(top, "canary.txt"), join(served, "link.txt"));
  symlinkSync(top, join(served, "up"));
  handle = (await createStaticHandler({ staticPath: served, rootPage: "index.html", warn: () => {} })).handle;
});

afterAll(() => rmSync(top, { recursive: true, force: true }));

const text = (reply: Reply): string => new TextDecoder().decode(bodyBytes(reply));

describe("paths that name no file get 404 naming the path", () => {
  test.each([
    ["/missing.html"],
    ["/../canary.txt"],
    ["/sub/../../canary.txt"],
    ["/%2e%2e/canary.txt"],
    ["/%2E%2E%2Fcanary.txt"],
    ["/..%2fcanary.txt"],
    ["/sub/..\\..\\canary.txt"],
    ["/\\canary.txt"],
    ['/with_"lovely"_quotes'],
    ["/index.html\0"],
    ["/link.txt"],
    ["/up/canary.txt"],
    ["/data.bin.mime"],
    ["//index.html"],
    ["/./index.html"],
    ["/sub"],
    ["/INDEX.HTML"],
    ["/" + "a".repeat(300)],
    ["/index%2ehtml"],
  ])("%p", (path) => {
    const reply = handle(fakeRequest(path));
    expect(reply.status).toBe(404);
    expect(headerValue(reply, "Content-Type")).toBe("text/plain; charset=utf-8");
    expect(text(reply)).toStartWith("Not found: /");
    expect(text(reply)).not.toContain("CANARY");
  });

  test("the body quotes the path, printable and shortened", () => {
    expect(text(handle(fakeRequest('/with_"lovely"_quotes')))).toBe('Not found: /with_"lovely"_quotes\n');
    expect(text(handle(fakeRequest("/a\0b\r\n")))).toBe("Not found: /a?b??\n");
    expect(text(handle(fakeRequest("/" + "b".repeat(1000)))).length).toBeLessThan(320);
  });

  test("a traversal sweep never reaches outside the directory", () => {
    const dots = ["..", "%2e%2e", "%2E%2E", ".%2e", "%2e.", "..%00", "%252e%252e", "..%c0%af", "....", ".", "...."];
    const seps = ["/", "\\", "%2f", "%5c", "//", "/./"];
    const targets = ["canary.txt", "www/../canary.txt", "etc/passwd"];
    let count = 0;
    for (const dot of dots) {
      for (const sep of seps) {
        for (const target of targets) {
          for (let depth = 1; depth <= 4; depth++) {
            const path = `/${`${dot}${sep}`.repeat(depth)}${target}`;
            for (const method of ["GET", "HEAD"]) {
              const reply = handle(fakeRequest(path, {}, method));
              expect(reply.status).toBe(404);
              expect(new TextDecoder().decode(reply.kind === "prebuilt" ? reply.bytes : bodyBytes(reply))).not.toContain("CANARY");
              count++;
            }
          }
        }
      }
    }
    expect(count).toBe(dots.length * seps.length * targets.length * 4 * 2);
  });
});

describe("methods", () => {
  test.each([["POST"], ["PUT"], ["DELETE"], ["PATCH"], ["OPTIONS"], ["get"], ["BREW"]])("%p gets 405 with Allow and a reason", (method) => {
    const reply = handle(fakeRequest("/index.html", {}, method));
    expect(reply.status).toBe(405);
    expect(headText(reply)).toStartWith("Allow: GET, HEAD\r\n");
    expect(text(reply)).toBe(`Method ${method} is not allowed here: static files answer only GET and HEAD.\n`);
  });
});

describe("types, favicon and root page", () => {
  test("a .mime sidecar sets the type", () => {
    const reply = handle(fakeRequest("/data.bin"));
    expect(headerValue(reply, "Content-Type")).toBe("application/x-hyx; charset=utf-8");
    expect([...bodyBytes(reply)]).toEqual([1, 2, 3]);
  });

  test("/favicon.ico is the built-in icon when the directory has none, cacheable for a day", () => {
    const reply = handle(fakeRequest("/favicon.ico"));
    expect(reply.status).toBe(200);
    expect(headerValue(reply, "Content-Type")).toBe("image/x-icon");
    expect(headerValue(reply, "Cache-Control")).toBe("public, max-age=86400");
    expect(bodyBytes(reply)).toEqual(builtInFavicon());
  });

  test("the directory's own favicon wins; HTTAP_ROOTPAGE maps /; a missing root page is warned about", async () => {
    const own = mkdtempSync(join(tmpdir(), "httap-own-"));
    try {
      writeFileSync(join(own, "favicon.ico"), "ICON");
      writeFileSync(join(own, "start.html"), "<p>start</p>");
      const warnings: string[] = [];
      const made = await createStaticHandler({ staticPath: own, rootPage: "start.html", warn: (l) => warnings.push(l) });
      expect(new TextDecoder().decode(bodyBytes(made.handle(fakeRequest("/favicon.ico"))))).toBe("ICON");
      expect(new TextDecoder().decode(bodyBytes(made.handle(fakeRequest("/"))))).toBe("<p>start</p>");
      expect(made.fileCount).toBe(2);
      expect(warnings).toEqual([]);
      const missing = await createStaticHandler({ staticPath: own, rootPage: "index.html", warn: (l) => warnings.push(l) });
      expect(missing.handle(fakeRequest("/")).status).toBe(404);
      expect(warnings.length).toBe(1);
      expect(warnings[0]).toContain('root page "index.html"');
    } finally {
      rmSync(own, { recursive: true, force: true });
    }
  });

  test("the shipped assets serve an index page that declares the favicon", async () => {
    const shipped = await createStaticHandler({ staticPath: null, rootPage: "index.html", warn: () => {} });
    expect(shipped.source).toBe("embedded");
    const page = new TextDecoder().decode(bodyBytes(shipped.handle(fakeRequest("/"))));
    expect(page).toContain('<link rel="icon" href="/favicon.ico">');
    expect(page).toContain('name="viewport"');
    expect(page).not.toMatch(/(src|href)="https?:/); // no external resources
  });
});
