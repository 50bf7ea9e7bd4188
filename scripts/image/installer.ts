/**
 * @module Writing httap into a Raspberry Pi OS image (issue 9). Three phases, so the image is never left half-written:
 *   1. inspect: the options, the tools, the binary, the image (partitions, file systems, release, 64-bit, free
 *      space on both partitions and on the host) — any problem is one sentence and nothing has been written;
 *   2. write into a working copy next to the image (`IMAGE.httap-partial`: a reflink or sparse copy of a .img, or
 *      the decompressed .img.xz), then check the ext4 partition with e2fsck;
 *   3. rename the copy over the image (one atomic step), write the label.
 * A failure in phase 2 removes the copy; the image is as it was.
 */
import { accessSync, constants, existsSync, renameSync, rmSync, statfsSync, statSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { EM_AARCH64, elfMachine } from "../elf.ts";
import { Ext4Partition } from "./ext4-partition.ts";
import { FatPartition } from "./fat-partition.ts";
import { readLayout, type ImageLayout } from "./partitions.ts";
import { watchFileGrow } from "./progress.ts";
import { missingTools } from "./run.ts";
import { decompressXz, xzUncompressedBytes } from "./xz-image.ts";
import * as files from "./deploy-files.ts";
import { labelSvg } from "./label.ts";
import type { ImageOptions } from "./options.ts";

const REPO = resolve(import.meta.dir, "../..");
const UNIT_SOURCE = resolve(REPO, "deploy/httap.service");
const PWM_RULE_SOURCE = resolve(REPO, "deploy/99-httap-pwm.rules");
const SUPPORTED = new Set(["bookworm", "trixie"]);
const ROOT_MARGIN_BYTES = 8 * 1024 * 1024; // inodes, directories, and room for the system's first boot
const MIB = 1024 * 1024;

export class InstallError extends Error {}

type Log = (line: string) => void;

/** The image modules say what is wrong with a file as a plain Error's one sentence: here it becomes the refusal. */
function asRefusal<T>(work: () => T): T {
  try {
    return work();
  } catch (error) {
    throw error instanceof InstallError ? error : new InstallError((error as Error).message);
  }
}

/** The binary must be an arm64 ELF executable: a missing or x64 one is said before anything else happens. */
function checkBinary(path: string): number {
  if (!existsSync(path))
    throw new InstallError(`the arm64 binary ${path} does not exist: run npm run build first (or name one with --binary)`);
  const machine = elfMachine(path);
  if (machine === null) throw new InstallError(`${path} is not an executable (no ELF header): run npm run build`);
  if (machine !== EM_AARCH64)
    throw new InstallError(`${path} is not an arm64 executable: the Pi needs dist/httap-linux-arm64 (npm run build)`);
  return statSync(path).size;
}

function hostFreeBytes(dir: string): number {
  const s = statfsSync(dir);
  return Number(s.bavail) * Number(s.bsize);
}

function parseOsRelease(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const m = /^([A-Z_]+)=(.*)$/.exec(line.trim());
    if (m !== null) out[m[1]] = m[2].replace(/^["']|["']$/g, "");
  }
  return out;
}

interface Inspected {
  readonly layout: ImageLayout;
  readonly release: string;
  readonly hasAvahi: boolean;
  readonly hasCloudInit: boolean;
  readonly cmdlineCountry: string | null;
}

/** Phase 1 on an image file (the original .img, or the decompressed copy of a .img.xz): read only. */
function inspect(image: string, o: ImageOptions, binaryBytes: number): Inspected {
  const layout = asRefusal(() => readLayout(image));
  const root = new Ext4Partition(image, layout.root.offset);
  const boot = new FatPartition(image, layout.boot.offset);
  try {
    asRefusal(() => {
      root.check();
      boot.check();
    });
    const osRelease = root.read("/etc/os-release");
    if (osRelease === null) throw new InstallError("the image has no /etc/os-release: not a Raspberry Pi OS image");
    const os = parseOsRelease(osRelease);
    const codename = os.VERSION_CODENAME ?? "?";
    if (os.ID === "raspbian")
      throw new InstallError(
        `this is the 32-bit Raspberry Pi OS (${os.PRETTY_NAME ?? codename}): ` +
          `Bun runs only on the 64-bit one; download "Raspberry Pi OS (64-bit)"`,
      );
    if (os.ID !== "debian" || root.stat("/etc/rpi-issue") === null)
      throw new InstallError(`this image is ${os.PRETTY_NAME ?? "an unknown system"}, not Raspberry Pi OS (no /etc/rpi-issue)`);
    if (!SUPPORTED.has(codename)) {
      const tooOld =
        codename === "bullseye" || codename === "buster" ? `; ${codename} has no NetworkManager and keeps its boot files in /boot` : "";
      throw new InstallError(`Raspberry Pi OS "${codename}" is not supported: use Bookworm (12) or Trixie (13)${tooOld}`);
    }
    if (root.stat("/usr/lib/aarch64-linux-gnu")?.type !== "directory")
      throw new InstallError("the image is not 64-bit (no /usr/lib/aarch64-linux-gnu): Bun runs only on the 64-bit Raspberry Pi OS");
    if (boot.read("config.txt") === null) throw new InstallError("the boot partition has no config.txt: not a Raspberry Pi OS image");
    const cmdline = boot.read("cmdline.txt");
    if (cmdline === null) throw new InstallError("the boot partition has no cmdline.txt: not a Raspberry Pi OS image");
    const cmdlineCountry = /cfg80211\.ieee80211_regdom=(\S+)/.exec(cmdline)?.[1] ?? null;
    if ((o.wifi !== null || o.hotspot !== null) && o.country === null && cmdlineCountry === null) {
      throw new InstallError(
        "Wi-Fi needs --country XX (the two-letter code of where the device is used): " +
          "Raspberry Pi OS keeps Wi-Fi switched off until the country is set",
      );
    }
    const existing = root.stat("/usr/local/bin/httap")?.size ?? 0;
    const needed = binaryBytes - existing + ROOT_MARGIN_BYTES;
    const free = root.freeBytes();
    if (free < needed)
      throw new InstallError(
        `the root partition has ${(free / MIB).toFixed(0)} MiB free; httap needs ${(needed / MIB).toFixed(0)} MiB: ` +
          "grow the partition (or use a larger image)",
      );
    if (boot.freeBytes() < 64 * 1024)
      throw new InstallError("the boot partition is full (less than 64 KiB free): config.txt could not grow");
    return {
      layout,
      release: `${os.PRETTY_NAME ?? codename}`,
      hasAvahi: root.stat("/usr/sbin/avahi-daemon") !== null,
      hasCloudInit: root.stat("/etc/cloud") !== null,
      cmdlineCountry,
    };
  } finally {
    root.close();
    boot.close();
  }
}

/** Phase 2 on the working copy. Returns the lines of the summary. */
function write(image: string, o: ImageOptions, found: Inspected): string[] {
  const root = new Ext4Partition(image, found.layout.root.offset);
  const boot = new FatPartition(image, found.layout.boot.offset);
  const done: string[] = [];
  try {
    root.writeFile("/usr/local/bin/httap", { hostFile: resolve(o.binary) }, 0o755);
    root.writeFile("/etc/systemd/system/httap.service", { hostFile: UNIT_SOURCE }, 0o644);
    root.symlink("/etc/systemd/system/multi-user.target.wants/httap.service", "/etc/systemd/system/httap.service");
    // with the leader PIN's hash in it, root's alone (systemd reads it as root for EnvironmentFile=; issue 21)
    root.writeFile("/etc/default/httap", files.settingsFile(o.settings), o.settings.HTTAP_LEADER_PIN === undefined ? 0o644 : 0o600);
    if (o.boardFile !== null) root.writeFile("/etc/httap/board.json", { hostFile: resolve(o.boardFile) }, 0o644);
    root.writeFile("/etc/avahi/services/httap.service", files.avahiService(o.port), 0o644);
    root.writeFile("/etc/udev/rules.d/99-httap-pwm.rules", { hostFile: PWM_RULE_SOURCE }, 0o644);
    const avahiConf = root.read("/etc/avahi/avahi-daemon.conf");
    if (avahiConf !== null) root.writeFile("/etc/avahi/avahi-daemon.conf", files.avahiConfIpv4Only(avahiConf), 0o644);
    done.push(
      `/usr/local/bin/httap, the service (enabled), /etc/default/httap (${Object.entries(o.settings)
        .map(([k, v]) => (k === "HTTAP_LEADER_PIN" ? `${k}=(a salted hash)` : `${k}=${v}`))
        .join(" ")}), the mDNS service on port ${o.port}, the udev rule giving the gpio group the PWM`,
    );
    if (o.hostname !== null) {
      root.writeFile("/etc/hostname", `${o.hostname}\n`, 0o644);
      root.writeFile("/etc/hosts", files.editHosts(root.read("/etc/hosts") ?? "127.0.0.1\tlocalhost\n", o.hostname), 0o644);
      // Trixie's cloud-init would set the hostname again from the boot partition's seed at first boot
      if (found.hasCloudInit)
        root.writeFile(
          "/etc/cloud/cloud.cfg.d/99-httap-hostname.cfg",
          "# httap: keep the hostname written into the image\npreserve_hostname: true\n",
          0o644,
        );
      done.push(`hostname ${o.hostname} (/etc/hostname, 127.0.1.1 in /etc/hosts)`);
    }
    const connections = "/etc/NetworkManager/system-connections";
    if (o.wifi !== null) {
      root.writeFile(`${connections}/httap-wifi.nmconnection`, files.clientKeyfile(o.wifi), 0o600);
      done.push(`Wi-Fi client for "${o.wifi.ssid}"`);
    }
    if (o.hotspot !== null) {
      root.writeFile(`${connections}/httap-hotspot.nmconnection`, files.hotspotKeyfile(o.hotspot), 0o600);
      done.push(`hotspot "${o.hotspot.ssid}" (the Pi at ${files.HOTSPOT_ADDRESS})`);
    }
    if (o.country !== null) {
      for (const name of files.WLAN_RFKILL_FILES) root.writeFile(`/var/lib/systemd/rfkill/${name}`, "0\n", 0o644);
      root.writeFile(
        "/var/lib/NetworkManager/NetworkManager.state",
        files.enableWirelessState(root.read("/var/lib/NetworkManager/NetworkManager.state")),
        0o644,
      );
      boot.write("cmdline.txt", files.editCmdline(boot.read("cmdline.txt")!, o.country));
      done.push(`Wi-Fi country ${o.country} (kernel command line; Wi-Fi unblocked)`);
    }
    boot.write("config.txt", files.editConfigTxt(boot.read("config.txt")!, files.configBlock(o.board)));
    const overlay = files.pwmOverlay(o.board);
    done.push(`config.txt: ${overlay === null ? "no PWM overlay (the engine makes the tone)" : overlay}, kernel8.img on a Pi 5`);
    process.stderr.write("writing the root partition (debugfs) and checking it (e2fsck)…\n");
    root.commit();
    boot.commit();
    return done;
  } finally {
    root.close();
    boot.close();
  }
}

/** The whole install; `log` hears the progress and the summary. Throws InstallError with one sentence. */
export async function installIntoImage(o: ImageOptions, log: Log): Promise<void> {
  const missing = missingTools();
  if (missing !== null) throw new InstallError(missing);
  const binaryBytes = checkBinary(o.binary);
  const image = resolve(o.image);
  if (!existsSync(image)) throw new InstallError(`${o.image} does not exist`);
  if (!statSync(image).isFile()) throw new InstallError(`${o.image} is not a file`);
  const dir = dirname(image);
  try {
    accessSync(dir, constants.W_OK);
  } catch {
    throw new InstallError(`cannot write next to ${o.image}: the folder ${dir} is read-only`);
  }
  const isXz = image.endsWith(".xz");
  // root passes access(W_OK) on any file: the mode's write bits say what the owner meant
  const isReadOnly = (path: string) => {
    try {
      accessSync(path, constants.W_OK);
      return (statSync(path).mode & 0o222) === 0;
    } catch {
      return true;
    }
  };
  if (!isXz && isReadOnly(image)) throw new InstallError(`${o.image} is read-only: make it writable (chmod u+w) or copy it`);

  const finalPath = isXz ? image.replace(/\.xz$/, "") : image;
  if (isXz && existsSync(finalPath)) throw new InstallError(`${finalPath} already exists: remove it, or install into it directly`);
  const partial = `${finalPath}.httap-partial`;
  const working = asRefusal(() => (isXz ? xzUncompressedBytes(image) : statSync(image).size));
  if (hostFreeBytes(dir) < working + 64 * MIB)
    throw new InstallError(
      `${dir} has ${(hostFreeBytes(dir) / MIB).toFixed(0)} MiB free; the working copy needs ${(working / MIB).toFixed(0)} MiB`,
    );

  let found: Inspected;
  rmSync(partial, { force: true });
  try {
    if (isXz) {
      await decompressXz(image, partial, working);
      found = inspect(partial, o, binaryBytes);
    } else {
      found = inspect(image, o, binaryBytes); // read only: a refusal leaves no copy behind
      const copy = Bun.spawn(["cp", "--reflink=auto", "--sparse=always", image, partial], { stdout: "ignore", stderr: "pipe" });
      await watchFileGrow(
        "copying",
        partial,
        working,
        copy.exited.then(async (code) => {
          if (code !== 0) throw new InstallError(`cannot copy ${o.image}: ${(await new Response(copy.stderr).text()).trim()}`);
        }),
      );
    }
    log(`image: ${found.release}, boot partition ${found.layout.boot.number}, root partition ${found.layout.root.number}`);
    if (!found.hasAvahi) log("note: the image has no avahi-daemon: NAME.local will not resolve; use the address");
    if (o.country === null && found.cmdlineCountry !== null && (o.wifi !== null || o.hotspot !== null))
      log(`Wi-Fi country ${found.cmdlineCountry} (already set in the image)`);
    const done = write(partial, o, found);
    renameSync(partial, finalPath);
    for (const line of done) log(`wrote ${line}`);
  } catch (error) {
    rmSync(partial, { force: true });
    if (error instanceof InstallError) throw error;
    throw new InstallError((error as Error).message);
  }

  const name = o.hostname ?? "raspberrypi";
  const url = `http://${name}.local:${o.port}/`;
  if (o.label !== null) {
    writeFileSync(
      o.label,
      labelSvg({
        name,
        url,
        wifi:
          o.hotspot === null
            ? null
            : { ssid: o.hotspot.ssid, qrText: files.wifiQrText(o.hotspot), hotspotUrl: `http://${files.HOTSPOT_ADDRESS}:${o.port}/` },
      }),
    );
    log(`label: ${o.label}`);
  }
  log(`done: ${finalPath}`);
  const reach =
    o.hotspot !== null
      ? `join the Wi-Fi "${o.hotspot.ssid}"${o.wifi !== null ? ` (or be on "${o.wifi.ssid}")` : ""}, `
      : o.wifi !== null
        ? `be on "${o.wifi.ssid}", `
        : "";
  log(`flash it (Raspberry Pi Imager: "Use custom", or dd), power the Pi, ${reach}open ${url}`);
}
