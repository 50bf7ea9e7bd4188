/**
 * @module The image the system twin boots (issue 19): a sparse copy of the cached base image (build-image.sh), then
 * `npm run image` into it exactly as the leader runs it (hostname, hotspot, country, board, label), then the
 * harness's own additions through the installer's debugfs writer: the console agent and its unit, the console's
 * getty masked, QEMU's USB network pinned to one driver, and the second radio (the phone) left to the agent. The
 * kernel command line is the boot partition's `cmdline.txt` as the installer left it, with the console on the mini UART.
 */
import { join, resolve } from "node:path";
import { Ext4Partition } from "../../image/ext4-partition.ts";
import { FatPartition } from "../../image/fat-partition.ts";
import { readLayout } from "../../image/partitions.ts";

const ROOT = resolve(import.meta.dir, "../../..");
const HERE = import.meta.dir;

/** What the leader would type, and what the checks then expect to find. */
export const LEADER = {
  hostname: "car-07",
  ssid: "car-07",
  password: "drive2026",
  country: "DE",
  board: "rc-car",
  port: 60000,
} as const;

export interface SystemImage {
  readonly image: string;
  readonly kernel: string;
  readonly initrd: string;
  readonly dtb: string;
  /** The kernel command line: cmdline.txt from the image's boot partition, console on ttyS1. */
  readonly append: string;
  /** The label `npm run image` printed (SVG). */
  readonly label: string;
  /** What `npm run image` said. */
  readonly installerOutput: string;
}

function sh(cmd: string[], what: string): string {
  const r = Bun.spawnSync(cmd, { cwd: ROOT, stdout: "pipe", stderr: "pipe", env: { ...process.env, LC_ALL: "C" } });
  const out = `${r.stdout.toString()}${r.stderr.toString()}`;
  if (r.exitCode !== 0) throw new Error(`${what} failed (exit ${r.exitCode}): ${out.trim().split("\n").slice(-4).join(" / ")}`);
  return out;
}

/** cmdline.txt as the Pi's firmware hands it over: its serial0 is the mini UART (ttyS1) on a Pi 3; no screen here. */
export function kernelCommandLine(cmdlineTxt: string): string {
  const words = cmdlineTxt
    .trim()
    .split(/\s+/)
    .filter((w) => w !== "" && !w.startsWith("console="));
  return ["console=ttyS1,115200", ...words].join(" ");
}

/** The image under test, in `work`, from the base image in `baseDir`. */
export function prepareSystemImage(baseDir: string, work: string, binary: string): SystemImage {
  const image = join(work, "pi.img");
  const label = join(work, `${LEADER.hostname}.svg`);
  sh(["cp", "--reflink=auto", "--sparse=always", join(baseDir, "base.img"), image], "copying the base image");
  const installerOutput = sh(
    [
      process.execPath,
      join(ROOT, "scripts/image.ts"),
      image,
      "--hostname",
      LEADER.hostname,
      "--hotspot",
      `${LEADER.ssid}:${LEADER.password}`,
      "--country",
      LEADER.country,
      "--board",
      LEADER.board,
      "--label",
      label,
      "--binary",
      binary,
    ],
    "npm run image",
  );

  const layout = readLayout(image);
  const root = new Ext4Partition(image, layout.root.offset);
  const boot = new FatPartition(image, layout.boot.offset);
  try {
    root.writeFile("/usr/local/sbin/twin-agent", { hostFile: join(HERE, "agent.sh") }, 0o755);
    root.writeFile("/etc/systemd/system/twin-agent.service", { hostFile: join(HERE, "agent.service") }, 0o644);
    root.symlink("/etc/systemd/system/multi-user.target.wants/twin-agent.service", "/etc/systemd/system/twin-agent.service");
    // the agent reads the console: no login prompt competing for its input
    root.symlink("/etc/systemd/system/serial-getty@ttyS1.service", "/dev/null");
    // QEMU's usb-net (0525:a4a2) matches cdc_subset and cdc_ether; whichever loads first wins (../shared/twin/README.md)
    root.writeFile("/etc/modprobe.d/twin-usbnet.conf", "# httap twin: QEMU's usb-net is cdc_ether's\nblacklist cdc_subset\n", 0o644);
    // the second hwsim radio is the phone: the agent moves it into a namespace of its own before NetworkManager may
    root.writeFile(
      "/etc/NetworkManager/conf.d/twin-phone.conf",
      "# httap twin: wlan1 is the phone's radio, not the Pi's\n[keyfile]\nunmanaged-devices=interface-name:wlan1\n",
      0o644,
    );
    root.commit();
    const cmdline = boot.read("cmdline.txt");
    if (cmdline === null) throw new Error("the image's boot partition has no cmdline.txt after npm run image");
    return {
      image,
      kernel: join(baseDir, "vmlinuz"),
      initrd: join(baseDir, "initrd.img"),
      dtb: join(baseDir, "bcm2837-rpi-3-b.dtb"),
      append: kernelCommandLine(cmdline),
      label,
      installerOutput,
    };
  } finally {
    root.close();
    boot.close();
  }
}

/** The label's Wi-Fi QR code, decoded by zbarimg from a PNG that rsvg-convert drew: the SSID and password in it. */
export function decodeWifiQr(label: string, work: string): { text: string; ssid: string; password: string } {
  const png = join(work, "label.png");
  sh(["rsvg-convert", "--width", "1400", "--background-color", "white", "-o", png, label], "rsvg-convert (the label)");
  const codes = sh(["zbarimg", "--quiet", "--raw", png], "zbarimg (the label's QR codes)")
    .split("\n")
    .map((l) => l.trim());
  const text = codes.find((c) => c.startsWith("WIFI:"));
  if (text === undefined) throw new Error(`no Wi-Fi QR code on the label (decoded: ${codes.filter(Boolean).join(" | ")})`);
  return { text, ...parseWifiQr(text) };
}

/** "WIFI:T:WPA;S:car-07;P:drive2026;;" (the ZXing format: \ ; , : " escaped with a backslash). */
export function parseWifiQr(text: string): { ssid: string; password: string } {
  const fields = new Map<string, string>();
  let key = "";
  let value = "";
  let inValue = false;
  for (let i = "WIFI:".length; i < text.length; i++) {
    const c = text[i];
    if (c === "\\" && i + 1 < text.length) value += text[++i];
    else if (!inValue && c === ":") inValue = true;
    else if (c === ";") {
      if (key !== "") fields.set(key, value);
      key = "";
      value = "";
      inValue = false;
    } else if (inValue) value += c;
    else key += c;
  }
  return { ssid: fields.get("S") ?? "", password: fields.get("P") ?? "" };
}
