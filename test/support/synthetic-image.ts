/**
 * @module A Raspberry Pi OS-like disk image made without root (issue 9 tests): an MBR with a FAT32 boot partition
 * (config.txt, cmdline.txt) and an ext4 root made by `mkfs.ext4 -d` from a directory, each copied into place with
 * `dd`. The root has what the installer reads and edits: /etc/os-release as Debian's symlink to
 * /usr/lib/os-release, /etc/rpi-issue, the hostname and hosts, systemd's and NetworkManager's directories, the
 * arm64 loader, a blocked Wi-Fi rfkill state.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

const SECTOR = 512;
const BOOT_START = 8192; // sectors, as Raspberry Pi OS lays it out (4 MiB)
const MIB = 1024 * 1024;

export interface SyntheticImageOptions {
  /** VERSION_CODENAME in os-release: bookworm (default), trixie, bullseye, … */
  readonly codename?: string;
  /** ID in os-release: debian (default) or raspbian (the 32-bit OS). */
  readonly id?: string;
  /** false: no /lib/ld-linux-aarch64.so.1 (a 32-bit image). */
  readonly arm64?: boolean;
  /** Size of the root partition in MiB (default 200: the 112 MB binary fits). */
  readonly rootMiB?: number;
  /** Boot partition in MiB (default 64). */
  readonly bootMiB?: number;
  /** Leave out the Linux partition. */
  readonly noRoot?: boolean;
}

function sh(cmd: string[], input?: string): void {
  const r = Bun.spawnSync(cmd, {
    stdin: input === undefined ? "ignore" : Buffer.from(input),
    stdout: "pipe",
    stderr: "pipe",
    env: { ...process.env, PATH: `${process.env.PATH}:/usr/sbin:/sbin` },
  });
  if (r.exitCode !== 0) throw new Error(`${cmd.join(" ")}: ${r.stderr.toString()}`);
}

function put(root: string, path: string, text: string): void {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), text);
}

/** Writes the image to `path`. */
export function makeSyntheticImage(path: string, o: SyntheticImageOptions = {}): void {
  const work = mkdtempSync(join(tmpdir(), "httap-synthetic-"));
  try {
    const bootMiB = o.bootMiB ?? 64;
    const rootMiB = o.rootMiB ?? 200;
    const bootSectors = (bootMiB * MIB) / SECTOR;
    const rootStart = BOOT_START + bootSectors;
    const totalBytes = rootStart * SECTOR + (o.noRoot === true ? 0 : rootMiB * MIB);
    rmSync(path, { force: true });
    sh(["truncate", "-s", String(totalBytes), path]);
    const rootLine = o.noRoot === true ? "" : `start=${rootStart}, type=83\n`;
    const table = `label: dos\nstart=${BOOT_START}, size=${bootSectors}, type=c\n${rootLine}`;
    sh(["sfdisk", "--quiet", path], table);

    const boot = join(work, "boot.img");
    sh(["truncate", "-s", String(bootMiB * MIB), boot]);
    sh(["mkfs.vfat", "-F", "32", "-s", "1", "-n", "bootfs", boot]);
    writeFileSync(
      join(work, "config.txt"),
      "# For more options and information see\n# http://rptl.io/configtxt\n\ndtparam=audio=on\n\n[pi4]\narm_boost=1\n\n[all]\n",
    );
    writeFileSync(
      join(work, "cmdline.txt"),
      "console=serial0,115200 console=tty1 root=PARTUUID=12345678-02 rootfstype=ext4 fsck.repair=yes rootwait\n",
    );
    sh(["mcopy", "-i", boot, join(work, "config.txt"), join(work, "cmdline.txt"), "::"]);
    sh(["dd", `if=${boot}`, `of=${path}`, "bs=1M", `seek=${(BOOT_START * SECTOR) / MIB}`, "conv=notrunc,sparse", "status=none"]);

    if (o.noRoot !== true) {
      const tree = join(work, "root");
      const codename = o.codename ?? "bookworm";
      const version = { bullseye: "11", bookworm: "12", trixie: "13" }[codename] ?? "99";
      put(
        tree,
        "usr/lib/os-release",
        `PRETTY_NAME="Debian GNU/Linux ${version} (${codename})"\nNAME="Debian GNU/Linux"\n` +
          `VERSION_ID="${version}"\nVERSION="${version} (${codename})"\nVERSION_CODENAME=${codename}\n` +
          `ID=${o.id ?? "debian"}\nHOME_URL="https://www.debian.org/"\n`,
      );
      mkdirSync(join(tree, "etc"), { recursive: true });
      symlinkSync("../usr/lib/os-release", join(tree, "etc/os-release"));
      put(tree, "etc/rpi-issue", `Raspberry Pi reference 2025-05-13\n`);
      put(tree, "etc/hostname", "raspberrypi\n");
      put(
        tree,
        "etc/hosts",
        "127.0.0.1\tlocalhost\n::1\t\tlocalhost ip6-localhost ip6-loopback\n" +
          "ff02::1\t\tip6-allnodes\nff02::2\t\tip6-allrouters\n\n127.0.1.1\t\traspberrypi\n",
      );
      put(tree, "etc/systemd/system/multi-user.target.wants/.keep", "");
      put(tree, "etc/NetworkManager/system-connections/.keep", "");
      put(tree, "etc/avahi/services/.keep", "");
      put(tree, "etc/default/.keep", "");
      put(tree, "usr/local/bin/.keep", "");
      put(tree, "usr/sbin/avahi-daemon", "#!/bin/sh\n");
      put(tree, "var/lib/systemd/rfkill/platform-fe300000.mmcnr:wlan", "1\n");
      put(tree, "var/lib/NetworkManager/NetworkManager.state", "[main]\nWirelessEnabled=false\n");
      if (o.arm64 !== false) put(tree, "usr/lib/aarch64-linux-gnu/ld-linux-aarch64.so.1", "");
      if (o.arm64 !== false) symlinkSync("aarch64-linux-gnu/ld-linux-aarch64.so.1", join(tree, "usr/lib/ld-linux-aarch64.so.1"));
      symlinkSync("usr/lib", join(tree, "lib"));
      const root = join(work, "root.img");
      sh(["mkfs.ext4", "-q", "-F", "-L", "rootfs", "-d", tree, "-E", "root_owner=0:0", root, `${rootMiB}M`]);
      sh(["dd", `if=${root}`, `of=${path}`, "bs=1M", `seek=${(rootStart * SECTOR) / MIB}`, "conv=notrunc,sparse", "status=none"]);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** Byte offsets of the two partitions of an image made here. */
export function syntheticOffsets(o: SyntheticImageOptions = {}): { boot: number; root: number } {
  return { boot: BOOT_START * SECTOR, root: (BOOT_START + ((o.bootMiB ?? 64) * MIB) / SECTOR) * SECTOR };
}
