#!/usr/bin/env bash
# Runs one libFuzzer target for a short while (ctest, EVS_FUZZ=ON): a fresh working corpus in <workdir>,
# seeded from <seed dirs>, crash/leak artifacts in <workdir>/artifacts. A finding fails the test; turn it
# into a golden (tests/golden/json/<Message>/n_fuzz_<what>.json or y_...) once understood.
# usage: run_fuzz.sh <fuzz binary> <seconds> <workdir> <seed dir>...
set -uo pipefail
bin="$1"; secs="$2"; work="$3"; shift 3
rm -rf "$work"; mkdir -p "$work/corpus" "$work/artifacts"
"$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 \
  -artifact_prefix="$work/artifacts/" "$work/corpus" "$@" >"$work/log" 2>&1
rc=$?
tail -n 12 "$work/log"
if [ "$rc" -ne 0 ] || [ -n "$(ls -A "$work/artifacts")" ]; then
  grep -m1 -A25 "ERROR\|invariant broken" "$work/log"
  echo "FAIL: $(basename "$bin") found a problem: $(ls "$work/artifacts")"
  exit 1
fi
echo "$(basename "$bin"): no findings in ${secs}s"
