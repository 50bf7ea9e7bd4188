import { describe, expect, test } from "bun:test";
import { LoginGuard, LOGIN_BACKOFF_MAX_MS } from "./login-guard.ts";
import { hashLeaderPin, isLeaderPinHash, leaderPinMatches } from "./leader-pin.ts";
import { LEADER_TOKEN_TTL_MS, LeaderTokens, tokenOf } from "./leader-tokens.ts";

describe("wrong leader PINs on a fake clock (issue 21)", () => {
  test("5 wrong PINs in a minute lock the host out for a minute; the right PIN is refused until then", () => {
    const g = new LoginGuard();
    let t = 0;
    for (let i = 0; i < 4; i++) {
      expect(g.check("10.0.0.9", t).allowed).toBe(true);
      expect(g.failed("10.0.0.9", t)).toBe(false);
      t += 1_000;
    }
    expect(g.failed("10.0.0.9", t)).toBe(true);
    expect(g.check("10.0.0.9", t)).toEqual({ allowed: false, retryS: 60 });
    expect(g.check("10.0.0.8", t).allowed).toBe(true); // another host is not punished
    t += 59_999;
    expect(g.check("10.0.0.9", t).allowed).toBe(false);
    t += 1;
    expect(g.check("10.0.0.9", t).allowed).toBe(true);
  });

  test("each later lock-out doubles, up to 10 minutes; a right PIN clears the record", () => {
    const g = new LoginGuard();
    let t = 0;
    const lockOut = () => {
      for (let i = 0; i < 5; i++) g.failed("h", t);
      const c = g.check("h", t);
      if (c.allowed) throw new Error("not locked");
      t += c.retryS * 1000;
      return c.retryS;
    };
    expect([lockOut(), lockOut(), lockOut(), lockOut(), lockOut(), lockOut()]).toEqual([60, 120, 240, 480, 600, 600]);
    expect(LOGIN_BACKOFF_MAX_MS).toBe(600_000);
    g.succeeded("h");
    expect(lockOut()).toBe(60);
  });

  test("wrong PINs spread over more than a minute never lock", () => {
    const g = new LoginGuard();
    for (let t = 0; t < 10 * 61_000; t += 16_000) expect(g.failed("h", t)).toBe(false);
  });
});

describe("the PIN's hash and the tokens", () => {
  test("salted: two hashes of one PIN differ, both match it, nothing else matches", () => {
    const a = hashLeaderPin("2468");
    const b = hashLeaderPin("2468");
    expect(a).not.toBe(b);
    expect(a).not.toContain("2468");
    expect(isLeaderPinHash(a)).toBe(true);
    expect(leaderPinMatches("2468", a) && leaderPinMatches("2468", b)).toBe(true);
    for (const wrong of ["2469", "", "24680", "abcd", "2468 "]) expect(leaderPinMatches(wrong, a)).toBe(false);
  });

  test("a token is 128 random bits, valid 8 hours; a forged one is not", () => {
    const tokens = new LeaderTokens();
    const tk = tokens.issue(0);
    expect(tk).toMatch(/^[0-9a-f]{32}$/);
    expect(tokens.isValid(tk, LEADER_TOKEN_TTL_MS - 1)).toBe(true);
    expect(tokens.isValid("0".repeat(32), 1)).toBe(false);
    expect(tokens.isValid(null, 1)).toBe(false);
    expect(tokens.isValid(tk, LEADER_TOKEN_TTL_MS)).toBe(false);
    expect(new LeaderTokens().isValid(tk, 1)).toBe(false); // a restart revokes it
    expect(tokenOf(`Bearer ${tk}`, undefined)).toBe(tk);
    expect(tokenOf(undefined, `a=b; httap_leader=${tk}`)).toBe(tk);
  });
});
