#!/usr/bin/env bash
# Installs every Debian 12 package that evs needs to build, run its demo and run its tests.
# Idempotent: packages already present are left alone; apt-get update runs only when something is missing.
# Usage: tools/install-deps.sh [--npm]   (--npm also installs the test-time oracles under tests/oracles/node_modules
#                                         and Debian's chromium, which the docs_browser test drives)
set -euo pipefail

pkgs=(
  build-essential cmake pkg-config git ca-certificates
  protobuf-compiler protobuf-c-compiler libprotobuf-c-dev libprotobuf-dev
  librdkafka-dev uuid-dev libpcre2-dev libcmocka-dev libpq-dev
  kcat postgresql
  clang clang-format libclang-rt-14-dev
)
# node and npm come with the machine image (Node 20); Debian's nodejs conflicts with it, so it is only
# installed where no node is present at all.
command -v npm >/dev/null 2>&1 || pkgs+=(nodejs npm)
# Test-time only, like the npm oracles: the headless browser of the docs_browser test.
[ "${1:-}" = "--npm" ] && pkgs+=(chromium)

missing=()
for p in "${pkgs[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "install-deps: missing packages (${missing[*]}); run as root" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

if [ "${1:-}" = "--npm" ]; then
  here=$(cd "$(dirname "$0")/.." && pwd)
  if [ ! -x "$here/tests/oracles/node_modules/.bin/buf" ] || [ ! -d "$here/tests/oracles/node_modules/puppeteer-core" ]; then
    (cd "$here/tests/oracles" && npm install --no-audit --no-fund --loglevel=error)
  fi
fi
