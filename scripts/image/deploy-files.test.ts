/** @module Unit tests of the installer's pure file edits that the black-box test (test/image.test.ts) cannot reach. */
import { describe, expect, test } from "bun:test";
import { avahiConfIpv4Only } from "./deploy-files.ts";

describe("avahiConfIpv4Only (issue 19: Avahi's spurious host-name conflicts on an IPv6 address change)", () => {
  test("Debian's use-ipv6=yes becomes no, in [server], once however often it runs", () => {
    const debian = "[server]\n#host-name=foo\nuse-ipv4=yes\nuse-ipv6=yes\nratelimit-burst=1000\n\n[wide-area]\nenable-wide-area=yes\n";
    const once = avahiConfIpv4Only(debian);
    expect(once).toBe("[server]\nuse-ipv6=no\n#host-name=foo\nuse-ipv4=yes\nratelimit-burst=1000\n\n[wide-area]\nenable-wide-area=yes\n");
    expect(avahiConfIpv4Only(once)).toBe(once);
  });
  test("a commented-out line is replaced; a file without [server] gets one", () => {
    expect(avahiConfIpv4Only("[server]\n#use-ipv6=yes\n")).toBe("[server]\nuse-ipv6=no\n");
    expect(avahiConfIpv4Only("[publish]\npublish-hinfo=no\n")).toBe("[server]\nuse-ipv6=no\n[publish]\npublish-hinfo=no\n");
  });
});
