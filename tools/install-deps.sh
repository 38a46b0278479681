#!/usr/bin/env bash
# Installs the Debian 12 packages evs needs, by purpose, and nothing else.
# Idempotent: packages already present are left alone; apt-get update runs only when something is missing.
# Usage: tools/install-deps.sh           build evs and run the demo (the README's first command)
#        tools/install-deps.sh --tests   also what the test suite needs: cmocka, kcat, a PostgreSQL server,
#                                        clang (the fuzz build), clang-format, Debian's chromium (the
#                                        docs_browser test) and the npm test oracles under tests/oracles
#                                        (--npm is the same, kept for older scripts)
set -euo pipefail

tests=
case "${1:-}" in
  "") ;;
  --tests | --npm) tests=1 ;;
  *) echo "usage: tools/install-deps.sh [--tests]" >&2; exit 2 ;;
esac

# Build and run: compilers, protoc/protoc-c (codegen and --proto at run time), the libraries libevs links.
pkgs=(
  build-essential cmake pkg-config
  protobuf-compiler protobuf-c-compiler libprotobuf-c-dev libprotobuf-dev
  librdkafka-dev uuid-dev libpcre2-dev libpq-dev
)
if [ -n "$tests" ]; then
  pkgs+=(git ca-certificates libcmocka-dev kcat postgresql clang clang-format libclang-rt-14-dev chromium)
  # node and npm come with the machine image (Node 20); Debian's nodejs conflicts with it, so it is only
  # installed where no node is present at all.
  command -v npm >/dev/null 2>&1 || pkgs+=(nodejs npm)
fi

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

if [ -n "$tests" ]; then
  oracles="$(cd "$(dirname "$0")/.." && pwd)/tests/oracles"
  # Every package tests/oracles/package.json names must be there; otherwise install from the lockfile.
  need=
  for dep in $(sed -n '/"devDependencies"/,/}/p' "$oracles/package.json" | grep -o '"[^"]*": *"' | cut -d'"' -f2); do
    [ -d "$oracles/node_modules/$dep" ] || need=1
  done
  if [ -n "$need" ]; then
    (cd "$oracles" && npm install --no-audit --no-fund --loglevel=error)
  fi
fi
