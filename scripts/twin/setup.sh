#!/usr/bin/env bash
# Makes a Debian machine ready for `npm run twin` (scripts/twin.ts runs it first). Idempotent, and silent when
# everything is there already; with --print-env its last line of output is the path of the file described below.
#   - Debian packages: qemu-system-arm (qemu-system-aarch64 with the raspi3b machine), libc6-arm64-cross (the arm64
#     glibc the binary needs in the guest), cpio (the initramfs); for the system twin, what `npm run image` uses
#     (fdisk, e2fsprogs, mtools, xz-utils) and what reads the label (librsvg2-bin, zbar-tools); the system image's
#     own tools (mmdebstrap, qemu-user-static, …) are installed by scripts/twin/system/build-image.sh;
#   - the arm64 architecture in dpkg, so `apt-get download` finds arm64 packages (nothing arm64 is installed);
#   - Debian's arm64 kernel (boot/vmlinuz-* is already an uncompressed arm64 Image; the Pi 3 B's DTB ships with it)
#     and busybox-static:arm64, downloaded once and unpacked into the cache, outside the checkout: CI runs in a
#     fresh clone. The cache is $HTTAP_TWIN_CACHE, else /var/cache/httap-twin (root) or ~/.cache/httap-twin.
# Writes <cache>/current.env: KERNEL=, DTB=, BUSYBOX=, KERNEL_RELEASE= (what the harness boots).
set -euo pipefail

say() { echo "twin-setup: $*"; }
die() { echo "twin-setup: $*" >&2; exit 1; }

if [[ -n "${HTTAP_TWIN_CACHE:-}" ]]; then CACHE=$HTTAP_TWIN_CACHE
elif [[ $(id -u) -eq 0 ]]; then CACHE=/var/cache/httap-twin
else CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/httap-twin
fi
mkdir -p "$CACHE/debs" || die "cannot create the cache $CACHE (set HTTAP_TWIN_CACHE to a writable folder)"

if [[ $(id -u) -eq 0 ]]; then as_root=()
elif sudo -n true 2>/dev/null; then as_root=(sudo -n)
else as_root=(false)
fi
root() {
  [[ ${as_root[0]:-} == false ]] && die "need root for: $*"
  "${as_root[@]}" "$@"
}
export DEBIAN_FRONTEND=noninteractive
APT=(apt-get -o DPkg::Lock::Timeout=300 -qq)
updated=0
# apt 2.6's update ignores DPkg::Lock::Timeout for the lists lock: retried while its error is a lock (up to 300 s)
apt_update() {
  ((updated)) && return 0
  local deadline=$((SECONDS + 300)) out
  while ! out=$(root "${APT[@]}" update 2>&1); do
    grep -qE "Could not get lock|Unable to lock" <<<"$out" && ((SECONDS < deadline)) || { printf '%s\n' "$out" >&2; die "apt-get update failed"; }
    sleep 5
  done
  updated=1
}

# 1. host packages
PACKAGES=(qemu-system-arm libc6-arm64-cross cpio fdisk e2fsprogs mtools xz-utils librsvg2-bin zbar-tools)
missing=()
for p in "${PACKAGES[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if ((${#missing[@]} > 0)); then
  bash "$(dirname "${BASH_SOURCE[0]}")/../apt-install.sh" twin-setup "${missing[@]}" || die "apt-get install ${missing[*]} failed"
fi
command -v qemu-system-aarch64 >/dev/null || die "qemu-system-aarch64 is missing although qemu-system-arm is installed"
LD=/usr/aarch64-linux-gnu/lib/ld-linux-aarch64.so.1
[[ -e $LD ]] || die "$LD is missing (libc6-arm64-cross)"

# 2. arm64 package lists (for downloads only)
if ! dpkg --print-foreign-architectures | grep -qx arm64; then
  say "adding the arm64 architecture to dpkg (for apt-get download only)"
  root dpkg --add-architecture arm64
  updated=0
  apt_update
fi
ENV="$CACHE/current.env"
# Done already: the unpacked files exist and no arm64 package list changed since they were chosen (apt-cache takes ~2 s).
if [[ -f "$ENV" ]] && ! find /var/lib/apt/lists -maxdepth 1 -name '*arm64_Packages*' -newer "$ENV" | grep -q . &&
  (source "$ENV" && [[ -f "$KERNEL" && -f "$DTB" && -f "$BUSYBOX" ]]); then
  [[ "${1:-}" == --print-env ]] && echo "$ENV"
  exit 0
fi
kernel_package() { apt-cache depends linux-image-arm64:arm64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ { print $2; exit }'; }
KPKG=$(kernel_package)
if [[ -z "$KPKG" ]]; then
  apt_update
  KPKG=$(kernel_package)
fi
[[ -n "$KPKG" ]] || die "apt-cache depends linux-image-arm64:arm64 names no kernel package (are Debian's arm64 lists reachable?)"
KPKG=${KPKG%:arm64}                                     # linux-image-6.1.0-57-arm64
KREL=${KPKG#linux-image-}                               # 6.1.0-57-arm64

# 3. downloads, kept in the cache; a package is fetched only when no .deb of it is there
download() { # $1 = package name, $2 = glob of its file
  compgen -G "$CACHE/debs/$2" >/dev/null && return 0
  say "downloading $1:arm64 into $CACHE/debs"
  (cd "$CACHE/debs" && apt-get -o DPkg::Lock::Timeout=300 -qq download "$1:arm64" 2>&1 | grep -v 'unsandboxed as root' || true)
  compgen -G "$CACHE/debs/$2" >/dev/null || die "apt-get download $1:arm64 gave no $2 in $CACHE/debs"
}
download "$KPKG" "${KPKG}_*_arm64.deb"
download busybox-static "busybox-static_*_arm64.deb"
KDEB=$(ls -1 "$CACHE/debs/${KPKG}"_*_arm64.deb | sort -V | tail -n 1)
BDEB=$(ls -1 "$CACHE/debs"/busybox-static_*_arm64.deb | sort -V | tail -n 1)

# 4. the files the twin needs, unpacked once per .deb into a folder named after it (the kernel package's modules,
#    300 MB, stay packed); a half-written folder is never used: it is renamed at the end
unpack() { # $1 = .deb, then the members wanted (tar patterns); prints the folder
  local deb=$1 dir="$CACHE/unpacked/$(basename "$1" .deb)"
  shift
  if [[ ! -d "$dir" ]]; then
    rm -rf "$dir.tmp" && mkdir -p "$dir.tmp"
    dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$dir.tmp" --wildcards "$@" || die "cannot unpack $* from $deb"
    mv "$dir.tmp" "$dir"
  fi
  echo "$dir"
}
KDIR=$(unpack "$KDEB" "./boot/vmlinuz-$KREL" "./usr/lib/linux-image-$KREL/broadcom/bcm2837-rpi-3-b.dtb")
BDIR=$(unpack "$BDEB" ./bin/busybox)
KERNEL="$KDIR/boot/vmlinuz-$KREL"
DTB="$KDIR/usr/lib/linux-image-$KREL/broadcom/bcm2837-rpi-3-b.dtb"
BUSYBOX="$BDIR/bin/busybox"
for f in "$KERNEL" "$DTB" "$BUSYBOX"; do [[ -f "$f" ]] || die "$f is missing from the unpacked package"; done
# An arm64 Image has "ARM\x64" at byte 56 (Documentation/arch/arm64/booting.rst); QEMU boots only that, not a zImage.
[[ $(od -An -c -j56 -N4 "$KERNEL" | tr -d ' ') == 'ARMd' ]] || die "$KERNEL is not an uncompressed arm64 Image"

NEW=$(printf 'KERNEL_RELEASE=%s\nKERNEL=%s\nDTB=%s\nBUSYBOX=%s\n' "$KREL" "$KERNEL" "$DTB" "$BUSYBOX")
if [[ ! -f "$ENV" || $(cat "$ENV") != "$NEW" ]]; then
  printf '%s\n' "$NEW" >"$ENV.tmp" && mv "$ENV.tmp" "$ENV"
  say "kernel $KREL, $(basename "$BDEB" .deb)"
  # what an earlier choice left: older kernels and busyboxes
  for d in "$CACHE"/unpacked/*; do [[ $d == "$KDIR" || $d == "$BDIR" ]] || rm -rf "$d"; done
  for f in "$CACHE"/debs/*.deb; do [[ $f == "$KDEB" || $f == "$BDEB" ]] || rm -f "$f"; done
else
  touch "$ENV" # checked against these lists
fi
[[ "${1:-}" == --print-env ]] && echo "$ENV"
exit 0
