#!/usr/bin/env bash
# evs produce on hostile lines (issue 9): a raw NUL byte inside `data` or inside an unknown member, a raw
# control byte, invalid UTF-8, duplicate members, data and data_base64 together. Each line is rejected
# promptly with its line number, the reason and the byte offset; none hangs (the old CLI scanner spun for
# ever on a NUL). No broker is needed: every line is refused before anything is sent.
# usage: test_cli_produce_hostile.sh EVS
set -euo pipefail
evs="$1"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

ok='"data":{"eventType":"task.created","taskId":"1","userId":"u1"}'
{
  printf '{"type":"task.created","data":{"eventType":"task.\0created","taskId":"1"}}\n'
  printf '{"type":"task.created","x":"a\0b",%s}\n' "$ok"
  printf '{"type":"task.created","x":[1,\0],%s}\n' "$ok"
  printf '{"type":"task.created","subject":"a\001b",%s}\n' "$ok"
  printf '{"type":"task.created","subject":"a\377b",%s}\n' "$ok"
  printf '{"type":"task.created","subject":"a","subject":"b",%s}\n' "$ok"
  printf '{"type":"task.created","data_base64":"AA==",%s}\n' "$ok"
  printf '{"type":"task.created",\0%s}\n' "$ok"
} > "$tmp/in.jsonl"

set +e
timeout 20 "$evs" produce --brokers 127.0.0.1:1 --input "$tmp/in.jsonl" --spool "$tmp/spool" --timeout 1 \
  2> "$tmp/err"
rc=$?
set -e
[ "$rc" -ne 124 ] || fail "evs produce hung on a line with a NUL byte (killed by timeout)"
[ "$rc" -eq 1 ] || { cat "$tmp/err"; fail "exit $rc, expected 1"; }
expect() { grep -qF -- "$1" "$tmp/err" || { cat "$tmp/err"; fail "missing: $1"; }; }
expect 'in.jsonl:1: control character (byte 0x00) in string: escape it (byte 50) [syntax]'
expect 'in.jsonl:2: control character (byte 0x00) in string: escape it (byte 30) [syntax]'
expect 'in.jsonl:3: expected a JSON value, found byte 0x00 (byte 31) [syntax]'
expect 'in.jsonl:4: control character (byte 0x01) in string: escape it (byte 36) [syntax]'
expect 'in.jsonl:5: invalid UTF-8 in string (byte 36) [syntax]'
expect 'in.jsonl:6: "subject" given twice (byte 38) [duplicate]'
expect 'in.jsonl:7: both data and data_base64 (one payload only) (byte 45) [validation]'
expect 'in.jsonl:8: expected a member name, found byte 0x00 (byte 24) [syntax]'
expect 'read 8, sent 0, delivered 0, failed 0, rejected 8, skipped 0 '
echo "cli produce: 8 hostile lines rejected with their byte offsets, no hang"
