/** @module Unit tests of the installer's pure file edits that the black-box test (test/image.test.ts) cannot reach. */
import { describe, expect, test } from "bun:test";
import { avahiConfIpv4Only } from "./deploy-files.ts";

describe("avahiConfIpv4Only (issue 19: Avahi's spurious host-name conflicts on an IPv6 address change)", () => {
  test("Debian's file: use-ipv6=no in [server], publish-aaaa-on-ipv4=no in [publish], once however often it runs", () => {
    const debian =
      "[server]\n#host-name=foo\nuse-ipv4=yes\nuse-ipv6=yes\nratelimit-burst=1000\n\n[wide-area]\nenable-wide-area=yes\n\n" +
      "[publish]\n#publish-addresses=yes\n#publish-aaaa-on-ipv4=yes\n#publish-a-on-ipv6=no\n\n[reflector]\n";
    const once = avahiConfIpv4Only(debian);
    expect(once).toBe(
      "[server]\nuse-ipv6=no\n#host-name=foo\nuse-ipv4=yes\nratelimit-burst=1000\n\n[wide-area]\nenable-wide-area=yes\n\n" +
        "[publish]\npublish-aaaa-on-ipv4=no\n#publish-addresses=yes\n#publish-a-on-ipv6=no\n\n[reflector]\n",
    );
    expect(avahiConfIpv4Only(once)).toBe(once);
  });
  test("an AAAA over IPv4 left on (the rename the twin saw with use-ipv6=no alone) is turned off", () => {
    expect(avahiConfIpv4Only("[server]\nuse-ipv6=no\n[publish]\npublish-aaaa-on-ipv4=yes\n")).toBe(
      "[server]\nuse-ipv6=no\n[publish]\npublish-aaaa-on-ipv4=no\n",
    );
  });
  test("a commented-out line is replaced; a missing section is added", () => {
    expect(avahiConfIpv4Only("[server]\n#use-ipv6=yes\n[publish]\n")).toBe("[server]\nuse-ipv6=no\n[publish]\npublish-aaaa-on-ipv4=no\n");
    expect(avahiConfIpv4Only("[publish]\npublish-hinfo=no\n")).toBe(
      "[server]\nuse-ipv6=no\n[publish]\npublish-aaaa-on-ipv4=no\npublish-hinfo=no\n",
    );
    expect(avahiConfIpv4Only("[server]\nuse-ipv4=yes\n")).toBe("[publish]\npublish-aaaa-on-ipv4=no\n[server]\nuse-ipv6=no\nuse-ipv4=yes\n");
  });
});
