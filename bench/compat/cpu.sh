#!/usr/bin/env bash
# CPU time (user + sys, all threads) of `evs breaking` beside `buf breaking` on schema pairs from
# gen_schema.py (not a test). On a machine shared with other work, wall time follows the load; CPU time
# much less so. Each round runs evs, then buf, on the same pair; the script prints the medians of each, their
# ratio, and the load average before and after. With EVS_BEFORE=path/to/another/evs, that binary runs in the
# same rounds too (before/after a change, measured under the same load).
# Usage: BUF=path/to/buf [EVS_BEFORE=evs] bench/compat/cpu.sh <build dir> <work dir> <rounds> CASE...
#   CASE: NAME:FILES[:rich], e.g. r48k:200:rich s50k:500 (generated into the work dir when missing)
set -euo pipefail
build="$(cd "$1" && pwd)"; here="$(cd "$(dirname "$0")" && pwd)"; work="$2"; rounds="$3"; shift 3
: "${BUF:?set BUF to the buf binary}"
evs="$build/evs"; mkdir -p "$work"; cd "$work"
cfg='{"version":"v2","breaking":{"use":["WIRE_JSON"]}}'
cpu() { # prints user+sys seconds of one run (rusage of the child: microseconds, not time(1)'s 10 ms)
  python3 -c 'import os, subprocess, sys
pid = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).pid
ru = os.wait4(pid, 0)[2]
print("%.4f" % (ru.ru_utime + ru.ru_stime))' "$@"
}
median() { sort -n | awk '{a[NR] = $1} END {printf "%.4f", a[int((NR + 1) / 2)]}'; }
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
for c in "$@"; do
  IFS=: read -r name files rich <<<"$c"
  if [ ! -f "$name/prev.binpb" ]; then
    python3 "$here/gen_schema.py" ${rich:+--rich} "$name" "$files" >/dev/null
    "$evs" breaking "$name/current" --write-set "$name/cur.binpb" 2>/dev/null
    "$evs" breaking "$name/previous" --write-set "$name/prev.binpb" 2>/dev/null
  fi
  : >evs.c; : >buf.c; : >before.c
  for _ in $(seq "$rounds"); do
    if [ -n "${EVS_BEFORE:-}" ]; then
      cpu "$EVS_BEFORE" breaking "$name/cur.binpb" --against "$name/prev.binpb" >>before.c
    fi
    cpu "$evs" breaking "$name/cur.binpb" --against "$name/prev.binpb" >>evs.c
    cpu "$BUF" breaking "$name/cur.binpb" --against "$name/prev.binpb" --config "$cfg" >>buf.c
  done
  e=$(median <evs.c); b=$(median <buf.c)
  if [ -n "${EVS_BEFORE:-}" ]; then
    o=$(median <before.c)
    printf '%-6s before %6.1f ms  buf/before %5.1fx\n' "$name" "$(awk -v x="$o" 'BEGIN{print x * 1000}')" \
      "$(awk -v a="$b" -v b="$o" 'BEGIN{print a / b}')"
  fi
  printf '%-6s evs %6.1f ms  buf %7.1f ms  buf/evs %5.1fx  (CPU, median of %s)\n' "$name" \
    "$(awk -v x="$e" 'BEGIN{print x * 1000}')" "$(awk -v x="$b" 'BEGIN{print x * 1000}')" \
    "$(awk -v a="$b" -v b="$e" 'BEGIN{print a / b}')" "$rounds"
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
