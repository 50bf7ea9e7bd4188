import { describe, expect, test } from "bun:test";
import { hostKey, LoginGuard, LOGIN_BACKOFF_MAX_MS, LOGIN_GLOBAL_PER_WINDOW } from "./login-guard.ts";
import { hashLeaderPin, isLeaderPinHash, LEADER_PIN_SCRYPT_N, leaderPinMatches } from "./leader-pin.ts";
import { scryptSync } from "node:crypto";
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

  test("a host is an IPv4 address (also IPv4-mapped) or an IPv6 /64", () => {
    expect(hostKey("198.18.0.7")).toBe("198.18.0.7");
    expect(hostKey("::ffff:198.18.0.7")).toBe("198.18.0.7");
    expect(hostKey("::FFFF:c612:7")).toBe("198.18.0.7");
    expect(hostKey("2001:db8:1:2:aaaa::1")).toBe("2001:db8:1:2::/64");
    expect(hostKey("2001:0db8:0001:0002:ffff:1:2:3%wlan0")).toBe("2001:db8:1:2::/64");
    expect(hostKey("fe80::1")).toBe("fe80:0:0:0::/64");
    expect(hostKey("2001:db8:1:3::1")).not.toBe(hostKey("2001:db8:1:2::1"));
  });

  test("new addresses in one IPv6 /64 are one host: the 5th wrong PIN locks the whole /64", () => {
    const g = new LoginGuard();
    for (let i = 1; i <= 4; i++) expect(g.failed(`2001:db8:0:1::${i}`, 0)).toBe(false);
    expect(g.failed("2001:db8:0:1::5", 0)).toBe(true);
    expect(g.check("2001:db8:0:1:abcd::9", 0).allowed).toBe(false);
    expect(g.check("2001:db8:0:2::1", 0).allowed).toBe(true);
  });

  test("at most 30 wrong PINs a minute from all hosts together, then everyone waits", () => {
    const g = new LoginGuard();
    let t = 0;
    for (let i = 0; i < LOGIN_GLOBAL_PER_WINDOW; i++) {
      expect(g.check(`198.18.1.${i}`, t).allowed).toBe(true);
      g.failed(`198.18.1.${i}`, t); // one wrong PIN each: no host is locked out on its own
      t += 1_000;
    }
    expect(g.check("198.18.2.1", t)).toEqual({ allowed: false, retryS: 30 }); // even a new host, even the leader
    t += 29_999;
    expect(g.check("198.18.2.1", t).allowed).toBe(false);
    t += 1;
    expect(g.check("198.18.2.1", t).allowed).toBe(true); // the first wrong PIN left the window
    // 2000 addresses trying for 10 minutes get through at most 30 a minute
    const g2 = new LoginGuard();
    let tried = 0;
    for (let s = 0; s < 600; s++) {
      for (let h = 0; h < 2000; h += 100) {
        const host = `10.${h >> 8}.${h & 255}.${s % 7}`;
        if (g2.check(host, s * 1000).allowed) {
          g2.failed(host, s * 1000);
          tried++;
        }
      }
    }
    expect(tried).toBeLessThanOrEqual(10 * LOGIN_GLOBAL_PER_WINDOW);
  });

  test("a full table forgets hosts not locked out, never a lock-out", () => {
    const locked = new LoginGuard();
    let u = 0;
    for (let i = 0; i < 5; i++) locked.failed("198.18.9.9", u);
    for (let i = 0; i < 1100; i++) locked.failed(`10.1.${i >> 8}.${i & 255}`, (u += 50)); // 1100 hosts, once each
    expect(locked.check("198.18.9.9", u).allowed).toBe(false); // still locked: its record was kept
    u = 60_000;
    for (let i = 0; i < 5; i++) locked.failed("198.18.9.9", (u += 1));
    expect(locked.check("198.18.9.9", u)).toEqual({ allowed: false, retryS: 120 }); // the back-off doubled on
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

  test("a check costs 1 MiB of scrypt (it runs on the one thread); a hash written before (N = 2^12) still matches", () => {
    expect(LEADER_PIN_SCRYPT_N).toBe(1024);
    expect(hashLeaderPin("2468")).toMatch(/^scrypt-n1024:[0-9a-f]{32}:[0-9a-f]{64}$/);
    const salt = Buffer.alloc(16, 7);
    const old = `scrypt:${salt.toString("hex")}:${scryptSync("2468", salt, 32, { N: 4096, r: 8, p: 1 }).toString("hex")}`;
    expect(isLeaderPinHash(old)).toBe(true);
    expect(leaderPinMatches("2468", old)).toBe(true);
    expect(leaderPinMatches("2469", old)).toBe(false);
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
