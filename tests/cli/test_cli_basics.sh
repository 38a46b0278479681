#!/usr/bin/env bash
# Exit codes and streams of the evs program's global behaviour.
set -uo pipefail
evs="$1"
fail=0; n=0
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
out="$tmp/out"; err="$tmp/err"
expect() { # expected-exit description command...
  local want="$1" what="$2"; shift 2
  "$@" >"$out" 2>"$err"; local got=$?
  n=$((n + 1))
  if [ "$got" -ne "$want" ]; then
    echo "FAIL: $what: exit $got, expected $want"; sed 's/^/  stderr: /' "$err"; fail=$((fail + 1))
  fi
}
out_has() { grep -q -- "$1" "$out" || { echo "FAIL: stdout lacks '$1'"; fail=$((fail + 1)); }; }
err_has() { grep -q -- "$1" "$err" || { echo "FAIL: stderr lacks '$1'"; fail=$((fail + 1)); }; }
out_empty() { [ ! -s "$out" ] || { echo "FAIL: stdout not empty"; fail=$((fail + 1)); }; }
# Output that cannot be written is a failure with a message, never exit 0 (nor "error: ok").
full() { # description command...
  local what="$1"; shift
  "$@" >/dev/full 2>"$err"; local got=$?
  n=$((n + 1))
  if [ "$got" -ne 1 ] || ! grep -q "writing to stdout failed" "$err" || grep -q "error: ok" "$err"; then
    echo "FAIL: $what > /dev/full: exit $got, stderr: $(head -2 "$err")"; fail=$((fail + 1))
  fi
}

expect 0 "--help" "$evs" --help; out_has "usage: evs"; out_has "commands:"
expect 0 "-h" "$evs" -h; out_has "usage: evs"
expect 2 "no arguments" "$evs"; err_has "usage: evs"; out_empty
expect 0 "--version" "$evs" --version; out_has "^evs [0-9]*\.[0-9]*\.[0-9]*$"
expect 2 "unknown command" "$evs" frobnicate; err_has "unknown command 'frobnicate'"; err_has "see 'evs --help'"; out_empty
expect 2 "unknown global option" "$evs" --frob; err_has "unknown option '--frob'"; err_has "see 'evs --help'"; out_empty
expect 0 "help help" "$evs" help help; out_has "usage: evs help"
expect 2 "help of unknown command" "$evs" help nope; err_has "unknown command 'nope'"
for c in $("$evs" --help | awk '/^commands:/{f=1;next} /^$/{f=0} f{print $1}'); do
  expect 0 "$c --help" "$evs" "$c" --help; out_has "usage: evs $c"
  expect 0 "help $c" "$evs" help "$c"; out_has "usage: evs $c"
  if [ "$c" != help ]; then
    expect 2 "$c with an unknown option" "$evs" "$c" --no-such-option; err_has "see 'evs $c --help'"; out_empty
    # one line and the pointer to --help, not the whole usage text
    [ "$(wc -l < "$err")" -le 2 ] || { echo "FAIL: $c: a usage error printed $(wc -l < "$err") lines"; fail=$((fail + 1)); }
  fi
  [ -w /dev/full ] && full "$c --help" "$evs" "$c" --help
done
if [ -w /dev/full ]; then
  full "--help" "$evs" --help
  full "--version" "$evs" --version
  full "list" "$evs" list
  full "uuid" "$evs" uuid -n 2
  # evs breaking with findings: exit 2 ("could not check"), never 1 and never "error: ok"
  src=$(cd "$(dirname "$0")/../.." && pwd)
  "$evs" breaking "$src/tests/compat/FIELD_NO_DELETE/current" --against "$src/tests/compat/FIELD_NO_DELETE/previous" \
    --level package >/dev/full 2>"$err"; got=$?
  n=$((n + 1))
  if [ "$got" -ne 2 ] || ! grep -q "writing the report to stdout failed" "$err" || grep -q "error: ok" "$err"; then
    echo "FAIL: breaking > /dev/full: exit $got, stderr: $(head -2 "$err")"; fail=$((fail + 1))
  fi
fi
echo "$((n - fail)) passed, $fail failed"
[ "$fail" -eq 0 ]
