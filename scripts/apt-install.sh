#!/usr/bin/env bash
# Installs the Debian packages named after the first argument (a label for the messages) that are not installed
# yet, as root (or through sudo -n); quiet and does nothing when all are there. Used by test-setup.sh and
# stress-setup.sh.
#
# apt's locks are waited for, up to 5 minutes, never failed on: a fresh CI machine often runs apt-daily or
# unattended-upgrades at boot. DPkg::Lock::Timeout makes `apt-get install` wait for dpkg's lock, but apt 2.6's
# `apt-get update` does not apply it to /var/lib/apt/lists/lock (it fails at once, "Could not get lock"), so
# each command is also retried while its error is a lock.
set -euo pipefail
label=$1
shift
missing=()
for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
((${#missing[@]} == 0)) && exit 0

echo "$label: installing Debian packages: ${missing[*]}"
if [[ $(id -u) -eq 0 ]]; then
  as_root=()
elif sudo -n true 2>/dev/null; then
  as_root=(sudo -n)
else
  echo "$label: need root to install ${missing[*]}; run: sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
LOCK_WAIT_S=300

# apt_get ARGS...: apt-get with its output dropped unless it fails; a failure on a lock is retried until
# LOCK_WAIT_S have passed.
apt_get() {
  local deadline=$((SECONDS + LOCK_WAIT_S)) out said=0
  while ! out=$("${as_root[@]}" apt-get -o DPkg::Lock::Timeout=$LOCK_WAIT_S "$@" 2>&1); do
    if ! grep -qE "Could not get lock|Unable to lock|Unable to acquire the dpkg frontend lock" <<<"$out" || ((SECONDS >= deadline)); then
      printf '%s\n' "$out" >&2
      echo "$label: apt-get $1 failed" >&2
      return 1
    fi
    ((said)) || echo "$label: waiting for apt's lock (up to $LOCK_WAIT_S s): $(grep -m1 -E 'lock' <<<"$out")"
    said=1
    sleep 5
  done
}

apt_get update -qq
apt_get install -y -qq --no-install-recommends "${missing[@]}"
echo "$label: installed ${missing[*]}"
