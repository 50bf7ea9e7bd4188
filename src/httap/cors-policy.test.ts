import { describe, expect, test } from "bun:test";
import { CorsPolicy } from "./cors-policy.ts";

describe("CorsPolicy", () => {
  test("unset with files: no CORS headers; foreign writes refused, same-origin and non-browser writes allowed", () => {
    const p = new CorsPolicy(null, true);
    expect(p.replyLines("http://evil.example")).toBe("");
    expect(p.allowsWrite("http://evil.example", "pi:60000")).toBe(false);
    expect(p.allowsWrite("http://pi:60000", "pi:60000")).toBe(true);
    expect(p.allowsWrite(undefined, "pi:60000")).toBe(true);
    expect(p.preflightLines("http://evil.example", "POST")).toBeNull();
  });

  test("unset without files: Allow-Origin * as the seed does, HTTaP-Session exposed", () => {
    const p = new CorsPolicy(null, false);
    expect(p.replyLines(undefined)).toBe("Access-Control-Allow-Origin: *\r\nAccess-Control-Expose-Headers: HTTaP-Session\r\n");
    expect(p.allowsWrite("http://anywhere", "pi")).toBe(true);
    expect(p.preflightLines("http://anywhere", "POST")).toContain("Access-Control-Allow-Origin: *\r\n");
  });

  test("* echoes any well-formed origin with Vary", () => {
    const p = new CorsPolicy("*", true);
    expect(p.replyLines("http://a.example:8080")).toBe(
      "Access-Control-Allow-Origin: http://a.example:8080\r\nVary: Origin\r\nAccess-Control-Expose-Headers: HTTaP-Session\r\n",
    );
    expect(p.replyLines(undefined)).toBe("Vary: Origin\r\n");
    expect(p.replyLines("http://x\r\nSet-Cookie: a")).toBe("Vary: Origin\r\n");
  });

  test("a list echoes only its origins; preflight says methods, headers including HTTaP-Session, max age", () => {
    const p = new CorsPolicy(["http://a.example", "https://b.example:8443"], true);
    expect(p.replyLines("https://b.example:8443")).toContain("Access-Control-Allow-Origin: https://b.example:8443\r\n");
    expect(p.replyLines("http://c.example")).toBe("Vary: Origin\r\n");
    expect(p.allowsWrite("http://c.example", "pi")).toBe(false);
    const pre = p.preflightLines("http://a.example", "POST")!;
    expect(pre).toContain("Access-Control-Allow-Methods: GET, HEAD, POST, OPTIONS\r\n");
    expect(pre).toContain("Access-Control-Allow-Headers: Content-Type, Accept, HTTaP-Session\r\n");
    expect(pre).toContain("Vary: Origin\r\n");
    expect(p.preflightLines("http://c.example", "POST")).toBeNull();
    expect(p.preflightLines(undefined, undefined)).toBe("Allow: GET, HEAD, POST, OPTIONS\r\n");
  });
});
