/**
 * @module scripts/install.sh (issue 9) into a directory tree (`--root`), with `uname`, `getconf` and `systemctl`
 * replaced by recording fakes at the front of PATH: the checks (64-bit, 4 KiB pages, a binary that runs, the gpio
 * group) refuse with one sentence before anything is written; the install places the binary, the unit, the
 * settings (kept on a second run) and the Avahi service on the configured port, sets Avahi to publish IPv4 only as
 * the image does, and enables the unit.
 */
import { afterAll, expect, test } from "bun:test";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { avahiConfIpv4Only } from "../scripts/image/deploy-files.ts";

const ROOT = resolve(import.meta.dir, "..");
const dir = mkdtempSync(join(tmpdir(), "httap-install-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function fakes(o: { arch?: string; page?: string }): string {
  const bin = mkdtempSync(join(dir, "bin-"));
  const put = (name: string, body: string) => {
    writeFileSync(join(bin, name), `#!/bin/sh\n${body}\n`);
    chmodSync(join(bin, name), 0o755);
  };
  put("uname", `echo ${o.arch ?? "aarch64"}`);
  put("getconf", `echo ${o.page ?? "4096"}`);
  put("systemctl", `echo "$@" >> "${bin}/systemctl.log"`);
  return bin;
}

function tree(withGpio = true): string {
  const root = mkdtempSync(join(dir, "root-"));
  mkdirSync(join(root, "etc/avahi/services"), { recursive: true });
  writeFileSync(join(root, "etc/group"), `root:x:0:\n${withGpio ? "gpio:x:997:\n" : ""}`);
  return root;
}

function binary(works = true): string {
  const path = join(dir, works ? "httap-ok" : "httap-broken");
  writeFileSync(path, works ? "#!/bin/sh\necho 'httap 9.9.9'\n" : "#!/bin/sh\necho 'Illegal instruction' >&2; exit 132\n");
  chmodSync(path, 0o755);
  return path;
}

function run(args: string[], bin: string): { code: number; stdout: string; stderr: string } {
  const r = Bun.spawnSync(["bash", join(ROOT, "scripts/install.sh"), ...args], {
    stdout: "pipe",
    stderr: "pipe",
    env: { PATH: `${bin}:${process.env.PATH}`, HOME: dir },
    timeout: 30_000,
  });
  return { code: r.exitCode ?? -1, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
}

test("installs the binary, the unit, the settings and the Avahi service, enables the unit; a second run keeps the settings", () => {
  const bin = fakes({});
  const root = tree();
  const r = run(["--root", root, "--binary", binary()], bin);
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
  expect(r.stdout).toContain("install: httap 9.9.9 into");
  expect(statSync(join(root, "usr/local/bin/httap")).mode & 0o777).toBe(0o755);
  expect(readFileSync(join(root, "etc/systemd/system/httap.service"), "utf8")).toBe(
    readFileSync(join(ROOT, "deploy/httap.service"), "utf8"),
  );
  expect(readFileSync(join(root, "etc/default/httap"), "utf8")).toContain("HTTAP_BOARD=rc-car");
  expect(readFileSync(join(root, "etc/avahi/services/httap.service"), "utf8")).toContain("<port>60000</port>");
  expect(readFileSync(join(root, "etc/udev/rules.d/99-httap-pwm.rules"), "utf8")).toBe(
    readFileSync(join(ROOT, "deploy/99-httap-pwm.rules"), "utf8"),
  );
  expect(readFileSync(join(bin, "systemctl.log"), "utf8")).toBe(`--root=${root} enable httap.service\n`);
  expect(existsSync(join(root, "usr/local/bin/httap.new"))).toBe(false);

  writeFileSync(join(root, "etc/default/httap"), "HTTAP_BOARD=simon\nHTTAP_TCPPORT=8080\n");
  const again = run(["--root", root, "--binary", binary()], bin);
  expect(again.code).toBe(0);
  expect(readFileSync(join(root, "etc/default/httap"), "utf8")).toBe("HTTAP_BOARD=simon\nHTTAP_TCPPORT=8080\n");
  expect(readFileSync(join(root, "etc/avahi/services/httap.service"), "utf8")).toContain("<port>8080</port>");
});

test("refusals before anything is written: 32-bit, 16 KiB pages, no binary, a binary that cannot run, no gpio group", () => {
  const cases: [ReturnType<typeof fakes>, string, string[], RegExp][] = [
    [fakes({ arch: "armv7l" }), tree(), ["--binary", binary()], /this system is armv7l: httap needs the 64-bit Raspberry Pi OS/],
    [
      fakes({ page: "16384" }),
      tree(),
      ["--binary", binary()],
      /16384-byte memory pages .* add kernel=kernel8\.img to \/boot\/firmware\/config\.txt, reboot/,
    ],
    [fakes({}), tree(), ["--binary", join(dir, "absent")], /no binary at .*absent: build it with npm run build/],
    [fakes({}), tree(), ["--binary", binary(false)], /does not run on this system: Illegal instruction/],
    [fakes({}), tree(false), ["--binary", binary()], /no gpio group in/],
    [fakes({}), tree(), ["--frobnicate"], /unknown argument "--frobnicate"/],
  ];
  for (const [bin, root, args, message] of cases) {
    const r = run(["--root", root, ...args], bin);
    expect({ args, code: r.code }).toEqual({ args, code: 1 });
    expect(r.stderr).toMatch(message);
    expect(existsSync(join(root, "usr/local/bin/httap"))).toBe(false);
    expect(existsSync(join(root, "etc/systemd/system/httap.service"))).toBe(false);
    expect(existsSync(join(bin, "systemctl.log"))).toBe(false);
  }
});

test("Avahi publishes IPv4 addresses only, as on the image (issue 19): the same edit as avahiConfIpv4Only, once", () => {
  const debian =
    "[server]\n#host-name=foo\nuse-ipv4=yes\nuse-ipv6=yes\nratelimit-burst=1000\n\n[wide-area]\nenable-wide-area=yes\n\n" +
    "[publish]\n#publish-addresses=yes\n#publish-aaaa-on-ipv4=yes\n#publish-a-on-ipv6=no\n\n[reflector]\n\n\n";
  const cases = [
    debian,
    "[server]\nuse-ipv6=no\n[publish]\npublish-aaaa-on-ipv4=yes\n",
    "[server]\n  # use-ipv6 = yes\n[publish]",
    "[publish]\npublish-hinfo=no\n",
    "[server]\nuse-ipv4=yes\n",
    " [server] \nuse-ipv6=yes\n[publish]\n",
    "[server]\nuse-ipv4=yes\n\nuse-ipv6=yes\n", // the key's removal leaves a blank line last: kept, as the image keeps it
    "[server]\r\nuse-ipv6=yes\r\n[publish]\r\n", // CRLF: the added lines end in LF, the kept ones keep their CR
    "", // an empty file: Avahi's defaults, IPv6 on
  ];
  const bin = fakes({});
  for (const original of cases) {
    const root = tree();
    const conf = join(root, "etc/avahi/avahi-daemon.conf");
    writeFileSync(conf, original);
    const r = run(["--root", root, "--binary", binary()], bin);
    expect(r.code).toBe(0);
    const edited = readFileSync(conf, "utf8");
    expect(edited).toBe(avahiConfIpv4Only(original));
    expect(r.stdout).toContain("Avahi publishes IPv4 addresses only once avahi-daemon restarts");
    expect(existsSync(`${conf}.httap-new`)).toBe(false);
    // a second run edits as the image's function would (a blank line left last goes, then nothing more changes)
    const again = run(["--root", root, "--binary", binary()], bin);
    expect(again.code).toBe(0);
    expect(readFileSync(conf, "utf8")).toBe(avahiConfIpv4Only(edited));
    expect(again.stdout.includes("Avahi publishes")).toBe(avahiConfIpv4Only(edited) !== edited);
    const third = run(["--root", root, "--binary", binary()], bin);
    expect(third.stdout).not.toContain("Avahi publishes");
  }
  // no Avahi configuration (avahi-daemon not installed): nothing is created
  const bare = tree();
  expect(run(["--root", bare, "--binary", binary()], bin).code).toBe(0);
  expect(existsSync(join(bare, "etc/avahi/avahi-daemon.conf"))).toBe(false);
});
