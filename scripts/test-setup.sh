#!/usr/bin/env bash
# Runs before `npm test` (the "pretest" script): makes a clean Debian machine that has only Node.js and npm ready
# for the whole suite. Idempotent and quiet when everything is there already.
#   - node modules (Bun itself comes from the npm registry) when they are missing;
#   - Debian packages, through scripts/apt-install.sh (which waits for apt's locks): qemu-user-static +
#     libc6-arm64-cross run the arm64 binary (test/binary.test.ts), chromium runs the browser tests
#     (test/browser.test.ts; never a downloaded browser), python3-pyvisa-py and lxi-tools are the lab clients of
#     the SCPI tests (test/scpi.test.ts), e2fsprogs, mtools, fdisk, dosfstools and xz-utils make and read the disk
#     images of test/image.test.ts (npm run image needs all but dosfstools too), systemd has `systemd-analyze
#     verify`, zbar-tools and librsvg2-bin decode the label's QR codes.
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ ! -x node_modules/.bin/bun ]]; then
  echo "test-setup: installing node modules"
  if [[ -f package-lock.json ]]; then npm ci --no-audit --no-fund --loglevel=error; else npm install --no-audit --no-fund --loglevel=error; fi
fi

bash scripts/apt-install.sh test-setup qemu-user-static libc6-arm64-cross chromium python3-pyvisa-py lxi-tools e2fsprogs mtools fdisk \
  dosfstools xz-utils systemd zbar-tools librsvg2-bin
