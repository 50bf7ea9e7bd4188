#!/usr/bin/env bash
# Runs before `npm run stress` and `npm run bench` (npm's prestress, prebench): installs Debian's load tools when
# missing (wrk, ab from apache2-utils, slowhttptest, h2load from nghttp2-client), waiting for apt's locks.
# Idempotent and quiet when everything is there.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/apt-install.sh stress-setup wrk apache2-utils slowhttptest nghttp2-client
