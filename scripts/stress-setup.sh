#!/usr/bin/env bash
# Runs before `npm run stress` (npm's prestress): installs Debian's load tools when missing (wrk, ab from
# apache2-utils, slowhttptest). Idempotent and quiet when everything is there.
set -euo pipefail
PACKAGES=(wrk apache2-utils slowhttptest)
missing=()
for p in "${PACKAGES[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
((${#missing[@]} == 0)) && exit 0
echo "stress-setup: installing Debian packages: ${missing[*]}"
if [[ $(id -u) -eq 0 ]]; then as_root=(); elif sudo -n true 2>/dev/null; then as_root=(sudo -n); else
  echo "stress-setup: need root: sudo apt-get install -y ${missing[*]}" >&2; exit 1
fi
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -qq >/dev/null
"${as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
