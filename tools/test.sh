#!/usr/bin/env bash
# The README's test command: installs what the tests need, then builds and runs the whole suite twice:
# a plain build with -Werror (build/) and an AddressSanitizer + UBSan build (build-asan/).
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/install-deps.sh --npm
jobs=$(nproc 2>/dev/null || echo 2)

export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:strict_string_checks=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"

echo "== build (gcc, -Werror)"
cmake -S . -B build -DEVS_WERROR=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$jobs"
ctest --test-dir build --output-on-failure -j"$jobs"

echo "== build-asan (AddressSanitizer + UndefinedBehaviorSanitizer, -Werror)"
cmake -S . -B build-asan -DEVS_WERROR=ON -DEVS_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug >/dev/null
cmake --build build-asan -j"$jobs"
# Build-level checks (format, drift, exports, headers, external project) already ran in the plain build.
ctest --test-dir build-asan --output-on-failure -j"$jobs" -LE build

echo "== build-fuzz (clang -Werror, libFuzzer: each JSON fuzz target runs briefly on seeds from the goldens)"
cmake -S . -B build-fuzz -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ -DEVS_FUZZ=ON -DEVS_WERROR=ON \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build-fuzz -j"$jobs" --target fuzz_json_decode fuzz_binary_decode fuzz_binary_seeds
ctest --test-dir build-fuzz --output-on-failure -L fuzz
