#!/usr/bin/env bash
# httap onto a Raspberry Pi that is already running (issue 9): the counterpart of `npm run image` for a card that
# is flashed already. Run on the Pi, as root, from a checkout or a copy of this repository's deploy/ and the binary:
#
#   sudo bash scripts/install.sh [--binary FILE] [--root DIR] [--no-start]
#
# Checks first (64-bit system, 4 KiB memory pages, the binary runs here, the gpio group exists), then installs
# /usr/local/bin/httap (0755, replaced by a rename so a running one is not disturbed), the systemd unit
# (deploy/httap.service), /etc/default/httap (only when absent: your settings are kept), the Avahi service on the
# configured port (and sets Avahi to publish IPv4 addresses only), the udev rule giving the gpio group the hardware
# PWM (deploy/99-httap-pwm.rules), enables the unit, restarts it and waits until the page answers. --root installs
# into a directory tree instead (an image mounted elsewhere, or a test) and starts nothing.
set -euo pipefail
HERE="$(cd "$(dirname "$0")/.." && pwd)"
ROOT=/
BINARY="$HERE/dist/httap-linux-arm64"
START=1

die() { echo "install: $*" >&2; exit 1; }

# `key=value` right under `[section]` of the INI text on stdin (the section added at the top when missing), every
# other line for the key, commented or not, removed; with a fourth argument 1, trailing empty lines dropped first.
# The rule of the image's avahiConfIpv4Only (scripts/image/deploy-files.ts), which test/install-script.test.ts holds
# this to byte for byte. Blanks are spelt out rather than [[:space:]]: older mawk has no character classes.
set_ini_key() {
  awk -v section="$1" -v key="$2" -v value="$3" -v trim="${4:-0}" '
    { line[++n] = $0 }
    END {
      if (trim) {
        while (n > 0 && line[n] == "") n--
        if (n == 0) line[++n] = "" # as the TS reads an empty text: one empty line
      }
      pattern = "^[ \t\r\f\v]*#?[ \t\r\f\v]*" key "[ \t\r\f\v]*="
      for (i = 1; i <= n; i++) {
        if (line[i] ~ pattern) continue
        kept[++count] = line[i]
        trimmed = line[i]
        gsub(/^[ \t\r\f\v]+|[ \t\r\f\v]+$/, "", trimmed)
        if (!at && trimmed == "[" section "]") at = count
      }
      if (!at) { print "[" section "]"; print key "=" value }
      for (i = 1; i <= count; i++) { print kept[i]; if (i == at) print key "=" value }
    }'
}
while (($# > 0)); do
  case "$1" in
    --binary) BINARY="${2:?--binary needs a file}"; shift 2 ;;
    --root) ROOT="${2:?--root needs a directory}"; shift 2 ;;
    --no-start) START=0; shift ;;
    -h|--help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument \"$1\" (see --help)" ;;
  esac
done
[[ $ROOT == / ]] || START=0
[[ -d $ROOT ]] || die "$ROOT is not a directory"

# --- checks, before anything is written -------------------------------------------------------------------------
if [[ $ROOT == / && $(id -u) -ne 0 ]]; then die "run as root: sudo bash $0"; fi
arch=$(uname -m)
[[ $arch == aarch64 ]] || die "this system is $arch: httap needs the 64-bit Raspberry Pi OS (aarch64); Bun has no 32-bit ARM build"
page=$(getconf PAGESIZE)
if [[ $page != 4096 ]]; then
  die "the kernel uses $page-byte memory pages (the Pi 5's default kernel_2712.img) and Bun needs 4096: add kernel=kernel8.img to /boot/firmware/config.txt, reboot, and run this again"
fi
[[ -f $BINARY ]] || die "no binary at $BINARY: build it with npm run build (on any machine) and copy dist/httap-linux-arm64 here, or name it with --binary"
version=$("$BINARY" --version 2>&1) || die "$BINARY does not run on this system: $version"
grep -q '^gpio:' "$ROOT/etc/group" 2>/dev/null || die "no gpio group in $ROOT/etc/group: the service runs in it to reach /dev/gpiomem (Raspberry Pi OS has it; elsewhere: groupadd --system gpio, and a udev rule giving it the GPIO devices)"
for f in httap.service avahi-httap.service 99-httap-pwm.rules; do
  [[ -f $HERE/deploy/$f ]] || die "deploy/$f is missing next to this script"
done

# --- install -----------------------------------------------------------------------------------------------------
install -d -m 0755 "$ROOT/usr/local/bin" "$ROOT/etc/systemd/system" "$ROOT/etc/default"
install -m 0755 "$BINARY" "$ROOT/usr/local/bin/httap.new"
mv -f "$ROOT/usr/local/bin/httap.new" "$ROOT/usr/local/bin/httap"
install -m 0644 "$HERE/deploy/httap.service" "$ROOT/etc/systemd/system/httap.service"
# the service's dynamic user reaches the speaker's PWM (and --safe-state it) through the gpio group (issue 19)
install -d -m 0755 "$ROOT/etc/udev/rules.d"
install -m 0644 "$HERE/deploy/99-httap-pwm.rules" "$ROOT/etc/udev/rules.d/99-httap-pwm.rules"
if [[ ! -f $ROOT/etc/default/httap ]]; then
  printf '# httap settings (httap --help lists them all); written by scripts/install.sh\nHTTAP_BOARD=rc-car\n' >"$ROOT/etc/default/httap"
  chmod 0644 "$ROOT/etc/default/httap"
fi
port=$(sed -n 's/^HTTAP_TCPPORT=//p' "$ROOT/etc/default/httap" | tail -n 1)
port=${port:-60000}
if [[ -d $ROOT/etc/avahi/services ]]; then
  sed "s|<port>60000</port>|<port>$port</port>|" "$HERE/deploy/avahi-httap.service" >"$ROOT/etc/avahi/services/httap.service"
  chmod 0644 "$ROOT/etc/avahi/services/httap.service"
else
  echo "install: no /etc/avahi/services (avahi-daemon not installed): the device will not be found as $(hostname).local"
fi
# Avahi publishes the Pi's IPv4 addresses alone, as on the image: Avahi 0.8 takes its own AAAA records, looped
# back, for a rival's when an IPv6 address changes on link-up, and renames the Pi NAME-2 (NAME.local then stops
# resolving; issue 19). Phones find the Pi by its A record.
avahi_conf=$ROOT/etc/avahi/avahi-daemon.conf
avahi_changed=0
if [[ -f $avahi_conf ]]; then
  edited=$avahi_conf.httap-new
  if ! set_ini_key server use-ipv6 no 1 <"$avahi_conf" | set_ini_key publish publish-aaaa-on-ipv4 no >"$edited"; then
    rm -f "$edited"
    die "could not edit $avahi_conf"
  fi
  if cmp -s "$edited" "$avahi_conf"; then
    rm -f "$edited"
  else
    chmod 0644 "$edited"
    mv -f "$edited" "$avahi_conf"
    avahi_changed=1
    when=$( ((START == 1)) && echo "now" || echo "once avahi-daemon restarts")
    echo "install: Avahi publishes IPv4 addresses only $when (use-ipv6=no, publish-aaaa-on-ipv4=no in $avahi_conf)"
  fi
fi
echo "install: $version into $ROOT (port $port)"

if ((START == 0)); then
  systemctl --root="$ROOT" enable httap.service
  echo "install: enabled, not started"
  exit 0
fi
udevadm control --reload 2>/dev/null || true
udevadm trigger --subsystem-match=pwm --action=add 2>/dev/null || true # the rule now, not at the next boot
systemctl daemon-reload
if ((avahi_changed)); then systemctl try-restart avahi-daemon.service || true; fi
systemctl enable httap.service
systemctl restart httap.service
for _ in $(seq 1 50); do   # up to 10 s
  if exec 3<>"/dev/tcp/127.0.0.1/$port" 2>/dev/null; then
    printf 'GET /?ping HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' >&3
    if head -n 1 <&3 | grep -q ' 200 '; then
      exec 3<&-
      echo "install: running: open http://$(hostname).local:$port/"
      exit 0
    fi
    exec 3<&-
  fi
  sleep 0.2
done
systemctl --no-pager status httap.service || true
die "the service did not answer on port $port within 10 s (journalctl -u httap says why)"
