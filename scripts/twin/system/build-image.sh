#!/usr/bin/env bash
# The system twin's base image (issue 19): Debian 12 arm64 from Debian's own packages, laid out like Raspberry Pi OS
# Lite, so that `npm run image` treats it as it treats the real one. Cached: the recipe is this file, and its hash
# names the folder; a changed recipe builds a new image and removes the old one. No mount, no loop device for the
# result (the root file system is a directory that `mke2fs -d` writes at its offset in the image file; the FAT
# partition is made by mkfs.vfat -C and mtools). mmdebstrap itself bind-mounts /proc, /sys and /dev into its chroot.
#
#   bash scripts/twin/system/build-image.sh [--print-dir]
# Last line with --print-dir: the cache folder holding
#   base.img  (2 GiB sparse, a power of two as QEMU's SD card wants: MBR, FAT32 "bootfs" at 1 MiB, ext4 "rootfs")
#   vmlinuz, initrd.img, bcm2837-rpi-3-b.dtb   (the same files as on the boot partition, for QEMU's -kernel)
#   build.log, recipe.sha256
#
# What Raspberry Pi OS Lite runs for httap: systemd, udev, dbus, NetworkManager (+ dnsmasq-base for the shared
# hotspot, iptables for its NAT), wpasupplicant, avahi-daemon (+ libnss-mdns for NAME.local), Debian's arm64 kernel
# with its initramfs; and its conventions: the gpio group with the udev rule that gives it /dev/gpiochip* and
# /dev/gpiomem* (raspberrypi-sys-mods' 99-com.rules), /etc/rpi-issue, /boot/firmware with config.txt and
# cmdline.txt, root=PARTUUID=<disk id>-02. Tools the harness's guest agent uses: avahi-utils, curl, udhcpc, iw,
# gpiod, procps (not on Pi OS Lite by default, no part of what is tested).
#
# mmdebstrap wants arch-test for a foreign architecture. Traps (../shared/twin/README.md): the stock initramfs step
# (MODULES=most) takes ~17 min under qemu-user and runs twice, so update-initramfs is diverted while packages install
# and run once at the end with MODULES=list; the arm64 maintainer scripts run through qemu-user-static's binfmt
# handler, registered here when missing.
set -euo pipefail

say() { echo "twin-image: $*"; }
die() { echo "twin-image: $*" >&2; exit 1; }

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
if [[ -n "${HTTAP_TWIN_CACHE:-}" ]]; then CACHE=$HTTAP_TWIN_CACHE
elif [[ $(id -u) -eq 0 ]]; then CACHE=/var/cache/httap-twin
else CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/httap-twin
fi
[[ $(id -u) -eq 0 ]] || die "building the system image needs root (mmdebstrap runs arm64 maintainer scripts in a chroot)"

SUITE=bookworm
DISK_ID=5157f7ec # the MBR label id: root=PARTUUID=5157f7ec-02, as Raspberry Pi OS names its partitions
BOOT_MIB=256
IMAGE_MIB=2048 # QEMU's raspi3b SD card wants a power of two
PACKAGES=systemd,systemd-sysv,systemd-timesyncd,libnss-systemd,udev,dbus,network-manager,dnsmasq-base,wpasupplicant,iptables
PACKAGES+=,avahi-daemon,libnss-mdns,iproute2,kmod,iw,linux-image-arm64,initramfs-tools,util-linux,procps
PACKAGES+=,avahi-utils,curl,udhcpc,busybox,gpiod,ca-certificates
INITRAMFS_MODULES="sdhci-iproc bcm2835 mmc_block ext4 vfat"

RECIPE=$(sha256sum "${BASH_SOURCE[0]}" | cut -c1-16)
DIR="$CACHE/system/$RECIPE"
if [[ -f "$DIR/base.img" && -f "$DIR/recipe.sha256" ]]; then
  [[ "${1:-}" == --print-dir ]] && echo "$DIR"
  exit 0
fi

# 1. host tools (scripts/apt-install.sh waits for apt's locks)
bash "$HERE/../../apt-install.sh" twin-image mmdebstrap arch-test qemu-user-static fdisk dosfstools mtools e2fsprogs ||
  die "cannot install the tools that build the image"

# 2. arm64 maintainer scripts run under qemu-user: binfmt_misc and the qemu-aarch64 handler
BINFMT=/proc/sys/fs/binfmt_misc
if [[ ! -e $BINFMT/register ]]; then
  mount -t binfmt_misc binfmt_misc $BINFMT || die "cannot mount binfmt_misc (a container without it cannot run arm64 programs)"
fi
if [[ ! -e $BINFMT/qemu-aarch64 ]]; then
  say "registering qemu-aarch64 with binfmt_misc"
  cat /usr/lib/binfmt.d/qemu-aarch64.conf >$BINFMT/register || die "cannot register qemu-aarch64 with binfmt_misc"
fi
grep -qx enabled $BINFMT/qemu-aarch64 || die "the qemu-aarch64 binfmt handler is registered but disabled"

SOURCES=${HTTAP_TWIN_MIRROR:-/etc/apt/sources.list.d/debian.sources}
[[ -f $SOURCES ]] || die "no $SOURCES: set HTTAP_TWIN_MIRROR to a deb822 .sources file of a Debian mirror"

mkdir -p "$CACHE/system"
WORK="$DIR.tmp"
rm -rf "$WORK" && mkdir -p "$WORK"
LOG="$WORK/build.log"
T0=$SECONDS
say "building the base image (recipe $RECIPE) in $WORK: about 6 minutes; log $LOG"

# 3. the root file system
ROOT="$WORK/rootfs"
DIVERT='chroot "$1" dpkg-divert --local --rename --add /usr/sbin/update-initramfs &&
  printf "#!/bin/sh\nexit 0\n" >"$1/usr/sbin/update-initramfs" && chmod 755 "$1/usr/sbin/update-initramfs"'
UNDIVERT='rm "$1/usr/sbin/update-initramfs" && chroot "$1" dpkg-divert --local --rename --remove /usr/sbin/update-initramfs'
INITRAMFS='echo MODULES=list >"$1/etc/initramfs-tools/conf.d/twin-modules" &&
  printf "%s\n" '"$INITRAMFS_MODULES"' >>"$1/etc/initramfs-tools/modules" && chroot "$1" update-initramfs -c -k all'
if ! mmdebstrap --arch=arm64 --variant=minbase --include="$PACKAGES" \
  --essential-hook="$DIVERT" --customize-hook="$UNDIVERT" --customize-hook="$INITRAMFS" \
  "$SUITE" "$ROOT" "$SOURCES" >>"$LOG" 2>&1; then
  tail -n 20 "$LOG" >&2
  die "mmdebstrap failed (log $LOG)"
fi
say "root file system: $((SECONDS - T0)) s, $(du -sh "$ROOT" | cut -f1)"

# 4. Raspberry Pi OS's conventions
KREL=$(ls "$ROOT/lib/modules" | sort -V | tail -n 1)
echo raspberrypi >"$ROOT/etc/hostname"
printf '%s\n' '127.0.0.1	localhost' '::1		localhost ip6-localhost ip6-loopback' 'ff02::1		ip6-allnodes' \
  'ff02::2		ip6-allrouters' '' '127.0.1.1	raspberrypi' >"$ROOT/etc/hosts"
printf '%s\n' "PARTUUID=$DISK_ID-01  /boot/firmware  vfat    defaults          0       2" \
  "PARTUUID=$DISK_ID-02  /               ext4    defaults,noatime  0       1" >"$ROOT/etc/fstab"
mkdir -p "$ROOT/boot/firmware"
echo "httap twin: Debian $SUITE arm64 laid out like Raspberry Pi OS Lite (scripts/twin/system/build-image.sh, recipe $RECIPE)" \
  >"$ROOT/etc/rpi-issue"
chroot "$ROOT" /usr/sbin/groupadd --system gpio
cat >"$ROOT/etc/udev/rules.d/99-com.rules" <<'EOF'
# as raspberrypi-sys-mods' 99-com.rules: the gpio group owns the GPIO devices
SUBSYSTEM=="gpio", KERNEL=="gpiochip*", GROUP="gpio", MODE="0660"
SUBSYSTEM=="*gpiomem*", GROUP="gpio", MODE="0660"
EOF
# pi-gen keeps Wi-Fi off until a country is set (npm run image --country turns it on)
mkdir -p "$ROOT/var/lib/NetworkManager"
printf '[main]\nNetworkingEnabled=true\nWirelessEnabled=false\nWWANEnabled=true\n' >"$ROOT/var/lib/NetworkManager/NetworkManager.state"
: >"$ROOT/etc/machine-id" # the first boot makes one
rm -f "$ROOT/var/lib/dbus/machine-id"
rm -rf "$ROOT/var/lib/apt/lists/"* "$ROOT/var/cache/apt/"*.bin

# 5. the boot partition, as the Pi's firmware reads it (QEMU takes the same kernel, initrd and DTB from the cache)
cp "$ROOT/boot/vmlinuz-$KREL" "$WORK/vmlinuz"
cp "$ROOT/boot/initrd.img-$KREL" "$WORK/initrd.img"
cp "$ROOT/usr/lib/linux-image-$KREL/broadcom/bcm2837-rpi-3-b.dtb" "$WORK/bcm2837-rpi-3-b.dtb"
cat >"$WORK/config.txt" <<'EOF'
# For more options and information see
# http://rptl.io/configtxt
# Some settings may impact device functionality. See link above for details

# Enable audio (loads snd_bcm2835)
dtparam=audio=on

# Automatically load initramfs files, if found
auto_initramfs=1

# Run in 64-bit mode
arm_64bit=1
kernel=kernel8.img
initramfs initrd.img followkernel

[all]
enable_uart=1
EOF
echo "console=serial0,115200 console=tty1 root=PARTUUID=$DISK_ID-02 rootfstype=ext4 fsck.repair=yes rootwait" >"$WORK/cmdline.txt"
cp "$WORK/vmlinuz" "$WORK/kernel8.img"
mkfs.vfat -F 32 -n bootfs -C "$WORK/boot.vfat" $((BOOT_MIB * 1024)) >>"$LOG" 2>&1 # "lowercase labels": as Pi OS's
mcopy -i "$WORK/boot.vfat" "$WORK/config.txt" "$WORK/cmdline.txt" "$WORK/kernel8.img" "$WORK/initrd.img" \
  "$WORK/bcm2837-rpi-3-b.dtb" ::/
rm -f "$WORK/kernel8.img" "$WORK/config.txt" "$WORK/cmdline.txt"

# 6. the image: MBR, FAT32 at 1 MiB, ext4 after it, written in place (no loop device)
IMG="$WORK/base.img"
truncate -s ${IMAGE_MIB}M "$IMG"
printf 'label: dos\nlabel-id: 0x%s\nunit: sectors\n\nstart=2048, size=%d, type=c\nstart=%d, type=83\n' \
  "$DISK_ID" $((BOOT_MIB * 2048)) $((2048 + BOOT_MIB * 2048)) | sfdisk -q "$IMG"
dd if="$WORK/boot.vfat" of="$IMG" bs=1M seek=1 conv=notrunc,sparse status=none
rm -f "$WORK/boot.vfat"
OFFSET=$(((2048 + BOOT_MIB * 2048) * 512))
ROOT_KIB=$(((IMAGE_MIB * 1024 * 1024 - OFFSET) / 1024))
mke2fs -q -F -t ext4 -L rootfs -d "$ROOT" -E offset=$OFFSET "$IMG" ${ROOT_KIB}k >>"$LOG" 2>&1 || die "mke2fs failed (log $LOG)"
rm -rf "$ROOT"
echo "$RECIPE" >"$WORK/recipe.sha256"
say "base image: $((SECONDS - T0)) s from scratch (kernel $KREL), $(du -h "$IMG" | cut -f1) used of ${IMAGE_MIB} MiB"

# 7. in place of an older recipe's image, in one rename
rm -rf "$DIR"
mv "$WORK" "$DIR"
for old in "$CACHE"/system/*; do [[ "$old" == "$DIR" ]] || rm -rf "$old"; done
[[ "${1:-}" == --print-dir ]] && echo "$DIR"
exit 0
