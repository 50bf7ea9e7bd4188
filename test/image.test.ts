/**
 * @module `npm run image` (issue 9), black-box: the installer runs as a program on synthetic Raspberry Pi OS images
 * made here without root (test/support/synthetic-image.ts), and everything is read back with debugfs and mtools
 * directly: contents, modes, owners, the enabling symlink, config.txt and cmdline.txt lines once after two runs,
 * e2fsck clean. The binary in the image runs (under qemu), the unit passes `systemd-analyze verify`, the label's QR
 * codes decode (rsvg-convert + zbarimg). Every refusal is one sentence, a non-zero exit, and the image unchanged.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import {
  chmodSync,
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { ARM64, BUILD_TIMEOUT_MS, buildBinaries, X64 } from "./support/build.ts";
import { shipBinary } from "./support/shipped-binary.ts";
import { makeSyntheticImage, syntheticOffsets, type SyntheticImageOptions } from "./support/synthetic-image.ts";

const ROOT = resolve(import.meta.dir, "..");
const dir = mkdtempSync(join(tmpdir(), "httap-image-test-"));
const SBIN_PATH = `${process.env.PATH}:/usr/sbin:/sbin`;

beforeAll(() => buildBinaries(), BUILD_TIMEOUT_MS + 5_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function sh(cmd: string[]): { code: number; stdout: string; stderr: string } {
  const r = Bun.spawnSync(cmd, { stdout: "pipe", stderr: "pipe", env: { ...process.env, PATH: SBIN_PATH, LC_ALL: "C" }, timeout: 120_000 });
  return { code: r.exitCode ?? -1, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
}

/** `npm run image -- args` as a user would run it (bun scripts/image.ts). */
function install(args: string[]): { code: number; stdout: string; stderr: string } {
  return sh([process.execPath, join(ROOT, "scripts/image.ts"), ...args]);
}

let n = 0;
function image(o: SyntheticImageOptions = {}): { path: string; ext4: string; fat: string } {
  const path = join(dir, `disk-${n++}.img`);
  makeSyntheticImage(path, o);
  const off = syntheticOffsets(o);
  return { path, ext4: `${path}?offset=${off.root}`, fat: `${path}@@${off.boot}` };
}

const cat = (ext4: string, p: string) => sh(["debugfs", "-R", `cat ${p}`, ext4]).stdout;
const fatCat = (fat: string, name: string) => sh(["mtype", "-i", fat, `::${name}`]).stdout;
function stat(ext4: string, p: string): { type: string; mode: string; uid: string; gid: string; link: string | null } | null {
  const out = sh(["debugfs", "-R", `stat ${p}`, ext4]).stdout;
  if (!out.includes("Inode:")) return null;
  return {
    type: /Type:\s+(\w+)/.exec(out)![1],
    mode: /Mode:\s+(\d+)/.exec(out)![1],
    uid: /User:\s+(\d+)/.exec(out)![1],
    gid: /Group:\s+(\d+)/.exec(out)![1],
    link: /Fast link dest: "(.*)"/.exec(out)?.[1] ?? null,
  };
}
const hash = (path: string) => new Bun.CryptoHasher("sha256").update(readFileSync(path)).digest("hex");

/** Every file the installer writes, as one comparable object. */
function readBack(img: { ext4: string; fat: string }): Record<string, unknown> {
  const files = [
    "/etc/systemd/system/httap.service",
    "/etc/default/httap",
    "/etc/avahi/services/httap.service",
    "/etc/udev/rules.d/99-httap-pwm.rules",
    "/etc/hostname",
    "/etc/hosts",
    "/etc/NetworkManager/system-connections/httap-wifi.nmconnection",
    "/etc/NetworkManager/system-connections/httap-hotspot.nmconnection",
    "/var/lib/NetworkManager/NetworkManager.state",
    "/var/lib/systemd/rfkill/platform-fe300000.mmcnr:wlan",
    "/var/lib/systemd/rfkill/platform-3f300000.mmcnr:wlan",
  ];
  const out: Record<string, unknown> = {};
  for (const f of files) out[f] = { text: cat(img.ext4, f), ...stat(img.ext4, f) };
  out["/usr/local/bin/httap"] = stat(img.ext4, "/usr/local/bin/httap");
  out.enable = stat(img.ext4, "/etc/systemd/system/multi-user.target.wants/httap.service");
  out["config.txt"] = fatCat(img.fat, "config.txt");
  out["cmdline.txt"] = fatCat(img.fat, "cmdline.txt");
  return out;
}

describe("npm run image on a synthetic Bookworm image", () => {
  const img = image();
  const label = join(dir, "car-07.svg");
  const args = [
    img.path,
    "--hostname",
    "car-07",
    "--hotspot",
    "car-07:drive2026",
    "--wifi",
    "Venue Net:venue;pass\\1",
    "--country",
    "de",
    "--board",
    "rc-car",
    "--label",
    label,
    "--set",
    "HTTAP_TURN_S=120",
  ];
  let first: Record<string, unknown>;

  test("writes every file with its mode and owner, enables the unit; a second run changes nothing", () => {
    const r = install(args);
    expect(r.stderr).not.toContain("image: ");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("image: Debian GNU/Linux 12 (bookworm)");
    expect(r.stdout).toContain("open http://car-07.local:60000/");
    first = readBack(img);

    const bin = first["/usr/local/bin/httap"] as { mode: string; uid: string };
    expect([bin.mode, bin.uid]).toEqual(["0755", "0"]);
    const dump = join(dir, "httap-from-image");
    expect(sh(["debugfs", "-R", `dump /usr/local/bin/httap ${dump}`, img.ext4]).code).toBe(0);
    expect(hash(dump)).toBe(hash(ARM64));

    const unit = first["/etc/systemd/system/httap.service"] as { text: string; mode: string };
    expect(unit.text).toBe(readFileSync(join(ROOT, "deploy/httap.service"), "utf8"));
    expect(unit.mode).toBe("0644");
    expect(first.enable).toMatchObject({ type: "symlink", link: "/etc/systemd/system/httap.service" });
    expect((first["/etc/default/httap"] as { text: string }).text).toMatch(/^HTTAP_TURN_S=120\nHTTAP_BOARD=rc-car\n$/m);
    expect((first["/etc/avahi/services/httap.service"] as { text: string }).text).toContain(
      "<type>_http._tcp</type>\n    <port>60000</port>",
    );
    // issue 19: the unit's dynamic user (group gpio) may export and drive the PWM; root-only otherwise
    const pwmRule = first["/etc/udev/rules.d/99-httap-pwm.rules"] as { text: string; mode: string };
    expect([pwmRule.text, pwmRule.mode]).toEqual([readFileSync(join(ROOT, "deploy/99-httap-pwm.rules"), "utf8"), "0644"]);
    expect((first["/etc/hostname"] as { text: string }).text).toBe("car-07\n");
    expect((first["/etc/hosts"] as { text: string }).text.match(/^127\.0\.1\.1.*$/gm)).toEqual(["127.0.1.1\tcar-07"]);
    expect((first["/etc/hosts"] as { text: string }).text).toContain("127.0.0.1\tlocalhost");

    const client = first["/etc/NetworkManager/system-connections/httap-wifi.nmconnection"] as { text: string; mode: string; uid: string };
    const hotspot = first["/etc/NetworkManager/system-connections/httap-hotspot.nmconnection"] as { text: string; mode: string };
    expect([client.mode, client.uid, hotspot.mode]).toEqual(["0600", "0", "0600"]);
    expect(client.text).toContain("ssid=Venue Net\n");
    expect(client.text).toContain("psk=venue;pass\\\\1\n"); // GKeyFile escapes the backslash
    expect(client.text).toContain("autoconnect-priority=10");
    expect(hotspot.text).toMatch(/mode=ap\n/);
    expect(hotspot.text).toContain("[ipv4]\naddress1=10.42.0.1/24\nmethod=shared");
    expect(hotspot.text).toContain("key-mgmt=wpa-psk");
    expect(hotspot.text).toContain("autoconnect-priority=0");

    expect((first["/var/lib/systemd/rfkill/platform-fe300000.mmcnr:wlan"] as { text: string }).text).toBe("0\n");
    expect((first["/var/lib/systemd/rfkill/platform-3f300000.mmcnr:wlan"] as { text: string }).text).toBe("0\n");
    expect((first["/var/lib/NetworkManager/NetworkManager.state"] as { text: string }).text).toBe("[main]\nWirelessEnabled=true\n");
    expect(first["cmdline.txt"]).toBe(
      "console=serial0,115200 console=tty1 root=PARTUUID=12345678-02 rootfstype=ext4 fsck.repair=yes rootwait " +
        "cfg80211.ieee80211_regdom=DE\n",
    );
    const config = first["config.txt"] as string;
    expect(config.startsWith("# For more options and information see\n")).toBe(true); // the original lines are kept
    expect(config.match(/^dtoverlay=pwm,pin=12,func=4$/gm)).toHaveLength(1);
    expect(config.match(/^kernel=kernel8\.img$/gm)).toHaveLength(1);
    expect(config).toMatch(/\[pi5\]\n#[^\n]*\nkernel=kernel8\.img\n\[all\]/);
    expect(sh(["e2fsck", "-fn", img.ext4]).code).toBe(0);
    expect(readdirSync(dir).filter((f) => f.includes("httap-partial"))).toEqual([]);

    const again = install(args);
    expect(again.code).toBe(0);
    expect(readBack(img)).toEqual(first);
    expect(sh(["e2fsck", "-fn", img.ext4]).code).toBe(0);
  }, 120_000);

  test("the binary taken back out of the image runs (arm64 under qemu, alone in a directory, the checkout hidden)", () => {
    const shipped = shipBinary("arm64", dir, join(dir, "httap-from-image"));
    const r = Bun.spawnSync(shipped.command("--version"), { cwd: shipped.dir, stdout: "pipe", stderr: "pipe", timeout: 120_000 });
    expect(r.stdout.toString()).toMatch(/^httap \d/);
  }, 150_000);

  test("the unit read back from the image passes systemd-analyze verify", () => {
    const root = join(dir, "verify-root");
    mkdirSync(join(root, "usr/local/bin"), { recursive: true });
    mkdirSync(join(root, "etc/systemd/system"), { recursive: true });
    mkdirSync(join(root, "usr/lib/systemd"), { recursive: true });
    cpSync("/usr/lib/systemd/system", join(root, "usr/lib/systemd/system"), { recursive: true }); // the targets it names
    symlinkSync("usr/lib", join(root, "lib"));
    copyFileSync(X64, join(root, "usr/local/bin/httap")); // verify checks that ExecStart= is an executable
    writeFileSync(join(root, "etc/systemd/system/httap.service"), cat(img.ext4, "/etc/systemd/system/httap.service"));
    const r = sh(["systemd-analyze", "verify", "--man=no", `--root=${root}`, "/etc/systemd/system/httap.service"]);
    expect(`${r.stdout}${r.stderr}`).toBe("");
    expect(r.code).toBe(0);
    // and it can fail: a bad value is caught
    writeFileSync(
      join(root, "etc/systemd/system/httap.service"),
      cat(img.ext4, "/etc/systemd/system/httap.service").replace("DynamicUser=yes", "DynamicUser=perhaps"),
    );
    expect(sh(["systemd-analyze", "verify", "--man=no", `--root=${root}`, "/etc/systemd/system/httap.service"]).code).not.toBe(0);
  }, 60_000);

  test("the label: the name, the URL, and two QR codes that decode to the URL and the Wi-Fi join string", () => {
    const svg = readFileSync(label, "utf8");
    expect(svg).toContain(">car-07<");
    expect(svg).toContain("http://car-07.local:60000/");
    expect(svg).toContain("http://10.42.0.1:60000/");
    const png = join(dir, "label.png");
    expect(sh(["rsvg-convert", "-w", "1200", "-b", "white", label, "-o", png]).code).toBe(0);
    const decoded = sh(["zbarimg", "-q", "--raw", png]).stdout.trim().split("\n").sort();
    expect(decoded).toEqual(["WIFI:T:WPA;S:car-07;P:drive2026;;", "http://car-07.local:60000/"].sort());
  }, 30_000);
});

describe("other images and options", () => {
  test(".img.xz: decompressed next to itself with progress, then installed; the .xz is untouched", () => {
    const img = image();
    const xz = `${img.path}.xz`;
    expect(sh(["xz", "-T2", "-0", img.path]).code).toBe(0);
    const before = hash(xz);
    const r = install([xz, "--hostname", "fromxz"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/decompressing: 50%/);
    expect(r.stderr).toMatch(/decompressing: done/);
    expect(hash(xz)).toBe(before);
    expect(cat(img.ext4, "/etc/hostname")).toBe("fromxz\n");
    expect(stat(img.ext4, "/usr/local/bin/httap")?.mode).toBe("0755");
    // a second time the .img is there already: refused rather than overwritten
    const twice = install([xz]);
    expect(twice.code).toBe(1);
    expect(twice.stderr).toContain("already exists");
  }, 120_000);

  test("Trixie, a board file, a port: the hostname is kept from cloud-init, the profile copied, a pin without PWM gets no overlay", () => {
    const img = image({ codename: "trixie" });
    expect(sh(["debugfs", "-w", "-R", "mkdir /etc/cloud", img.ext4]).code).toBe(0);
    const board = join(dir, "board.json");
    writeFileSync(board, JSON.stringify({ name: "beeper", speaker: 17, speakerPwm: { chip: 0, channel: 0 }, leds: { status: 26 } }));
    const r = install([img.path, "--hostname", "beeper-1", "--board", board, "--port", "8080"]);
    expect(r.stderr).not.toContain("image: ");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Debian GNU/Linux 13 (trixie)");
    expect(cat(img.ext4, "/etc/cloud/cloud.cfg.d/99-httap-hostname.cfg")).toContain("preserve_hostname: true");
    expect(JSON.parse(cat(img.ext4, "/etc/httap/board.json")).name).toBe("beeper");
    expect(cat(img.ext4, "/etc/default/httap")).toContain("HTTAP_TCPPORT=8080\nHTTAP_BOARD=/etc/httap/board.json\n");
    expect(cat(img.ext4, "/etc/avahi/services/httap.service")).toContain("<port>8080</port>");
    const config = fatCat(img.fat, "config.txt");
    expect(config).not.toContain("dtoverlay=pwm");
    expect(config.match(/^kernel=kernel8\.img$/gm)).toHaveLength(1);
  }, 120_000);
});

describe("refusals: one sentence, a non-zero exit, the image as it was, no working copy left", () => {
  function refused(args: string[], file: string | null, message: RegExp, code = 1): void {
    const before = file === null ? null : hash(file);
    const r = install(args);
    expect({ args, code: r.code }).toEqual({ args, code });
    expect(r.stderr).toMatch(message);
    expect(
      r.stderr
        .trim()
        .split("\n")
        .filter((l) => l.startsWith("image: ")),
    ).toHaveLength(1);
    if (file !== null) expect(hash(file)).toBe(before!);
    expect(readdirSync(dir).filter((f) => f.includes("httap-partial"))).toEqual([]);
  }

  test("images that are not a 64-bit Bookworm/Trixie Raspberry Pi OS", () => {
    const text = join(dir, "notes.txt");
    writeFileSync(text, "not an image\n".repeat(100));
    refused([text], text, /is not a disk image: it has no partition table/);
    const noRoot = image({ noRoot: true });
    refused([noRoot.path], noRoot.path, /has no Linux partition/);
    const bullseye = image({ codename: "bullseye", rootMiB: 64 });
    refused(
      [bullseye.path],
      bullseye.path,
      /"bullseye" is not supported: use Bookworm \(12\) or Trixie \(13\); bullseye has no NetworkManager/,
    );
    const raspbian = image({ id: "raspbian", rootMiB: 64 });
    refused([raspbian.path], raspbian.path, /32-bit Raspberry Pi OS .*Bun runs only on the 64-bit one/);
    const armhf = image({ arm64: false, rootMiB: 64 });
    refused([armhf.path], armhf.path, /not 64-bit/);
    refused([join(dir, "absent.img")], null, /absent\.img does not exist/);
  }, 120_000);

  test("binary missing or not arm64, read-only image, too little room", () => {
    const img = image({ rootMiB: 64 });
    refused([img.path, "--binary", join(dir, "nope")], img.path, /does not exist: run npm run build first/);
    refused([img.path, "--binary", X64], img.path, /is not an arm64 executable/);
    refused([img.path], img.path, /the root partition has \d+ MiB free; httap needs \d+ MiB/);
    const ok = image();
    chmodSync(ok.path, 0o444);
    refused([ok.path], ok.path, /is read-only: make it writable/);
    chmodSync(ok.path, 0o644);
    const corrupt = join(dir, "broken.img.xz");
    writeFileSync(corrupt, "\xfd7zXZ\0 not really");
    refused([corrupt], corrupt, /is not a readable \.xz file/);
  }, 120_000);

  test("bad options are refused before the image is opened (exit 2)", () => {
    const img = image({ rootMiB: 64 });
    refused([img.path, "--hostname", "-car"], img.path, /--hostname "-car": 1 to 63 letters/, 2);
    refused([img.path, "--wifi", "Venue:short"], img.path, /WPA2 password must be 8 to 63/, 2);
    refused([img.path, "--hotspot", "nopassword"], img.path, /give SSID:PASSWORD/, 2);
    refused([img.path, "--country", "XQ"], img.path, /"XQ" is not an ISO 3166 country code/, 2);
    refused(
      [img.path, "--set", "HTTAP_KEEPALIVE=1"],
      img.path,
      /the settings would stop httap at boot: HTTAP_KEEPALIVE="1" is not allowed/,
      2,
    );
    refused([img.path, "--set", "HTTAP_NOPE=1"], img.path, /give HTTAP_NAME=VALUE with a setting of httap --help/, 2);
    refused([img.path, "--board", "tank"], img.path, /--board: .*neither a built-in profile/, 2);
    refused([img.path, "--label", "x.png"], img.path, /the label is an SVG file/, 2);
    refused([img.path, "--fast"], img.path, /unknown option "--fast"/, 2);
    refused([], null, /no image named/, 2);
  }, 60_000);

  test("Wi-Fi without a country, where the image has none either", () => {
    const img = image();
    refused(
      [img.path, "--wifi", "Venue:venuepass1"],
      img.path,
      /Wi-Fi needs --country XX .*keeps Wi-Fi switched off until the country is set/,
    );
    expect(existsSync(`${img.path}.httap-partial`)).toBe(false);
  }, 60_000);
});
