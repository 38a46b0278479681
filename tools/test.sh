#!/usr/bin/env bash
# The README's test command: installs what the tests need (Debian packages, and the npm test oracles), then
# builds and runs the whole suite four ways:
#   build/       gcc, -Werror, every test (unit, cli, build checks, catalog, json, compat, integration)
#   build-asan/  gcc, -Werror, AddressSanitizer + UBSan, every test but the build-level checks
#   build-tsan/  gcc, -Werror, ThreadSanitizer: only the tests labelled kafka (and only what they need built)
#   build-fuzz/  clang, -Werror, libFuzzer: each fuzz target runs briefly on its seed corpus
# Ends with one line "tests: N passed, N failed" over all four runs; exits non-zero if anything failed.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/install-deps.sh --tests
jobs=$(nproc 2>/dev/null || echo 2)

export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:strict_string_checks=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"

passed=0
failed=0
status=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT
# Runs ctest, keeps its output visible, and adds its counts to the totals.
run_ctest() {
  local rc line
  set +e
  ctest "$@" 2>&1 | tee "$log"
  rc=${PIPESTATUS[0]}
  set -e
  line=$(grep -E '[0-9]+% tests passed, [0-9]+ tests? failed out of [0-9]+' "$log" | tail -n 1 || true)
  if [ -z "$line" ]; then
    echo "test.sh: ctest $* printed no summary" >&2
    failed=$((failed + 1))
    status=1
    return
  fi
  local nfail total
  nfail=$(sed -E 's/.* ([0-9]+) tests? failed out of ([0-9]+).*/\1/' <<<"$line")
  total=$(sed -E 's/.* ([0-9]+) tests? failed out of ([0-9]+).*/\2/' <<<"$line")
  passed=$((passed + total - nfail))
  failed=$((failed + nfail))
  [ "$rc" -eq 0 ] || status=1
}

echo "== build (gcc, -Werror)"
cmake -S . -B build -DEVS_WERROR=ON -DEVS_BUILD_TESTS=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$jobs"
run_ctest --test-dir build --output-on-failure -j"$jobs"

echo "== build-asan (AddressSanitizer + UndefinedBehaviorSanitizer, -Werror)"
cmake -S . -B build-asan -DEVS_WERROR=ON -DEVS_BUILD_TESTS=ON -DEVS_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug >/dev/null
cmake --build build-asan -j"$jobs"
# Build-level checks (format, drift, exports, headers, external project) already ran in the plain build.
run_ctest --test-dir build-asan --output-on-failure -j"$jobs" -LE build

echo "== build-tsan (ThreadSanitizer, -Werror: the Kafka tests, librdkafka's threads against evs's code)"
cmake -S . -B build-tsan -DEVS_WERROR=ON -DEVS_BUILD_TESTS=ON -DEVS_SANITIZE=thread -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  >/dev/null
cmake --build build-tsan -j"$jobs" --target evs_kafka_tests
run_ctest --test-dir build-tsan --output-on-failure -j"$jobs" -L kafka

echo "== build-fuzz (clang, -Werror, libFuzzer: each fuzz target runs briefly on its seed corpus)"
cmake -S . -B build-fuzz -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ -DEVS_FUZZ=ON -DEVS_WERROR=ON \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build-fuzz -j"$jobs"
run_ctest --test-dir build-fuzz --output-on-failure -L fuzz

echo
echo "tests: $passed passed, $failed failed"
exit "$status"
