#!/usr/bin/env bash
# Validation in evs produce and evs consume (issue 11): produce refuses an invalid event by default (its
# line number and every violation on stderr, not sent, exit 1, the valid lines delivered), --no-validate
# sends it and says so in the summary; consume --validate reports it as a viewer (with its violations;
# --raw prints it, --strict stops) and dead-letters it with --group (header evs_dlq_violations), and
# without --validate prints it like any event.
# usage: test_cli_validate.sh EVS
set -euo pipefail
evs="$1"
command -v kcat >/dev/null || { echo "kcat is not installed (tools/install-deps.sh)"; exit 1; }
tmp=$(mktemp -d)
broker_pid=
cleanup() { [ -n "$broker_pid" ] && kill "$broker_pid" 2>/dev/null && wait "$broker_pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

"$evs" broker --brokers 1 --topic vt:1 --port-file "$tmp/port" > /dev/null 2>&1 &
broker_pid=$!
for _ in $(seq 100); do [ -s "$tmp/port" ] && break; sleep 0.1; done
export EVS_BROKERS; EVS_BROKERS=$(cat "$tmp/port")

ok='{"type":"task.created","data":{"eventType":"task.created","taskId":"1","userId":"u1","taskData":{"title":"t","priority":"high"},"correlationId":"00000000-0000-4000-8000-000000000001"}}'
# Line 2: a task.created whose payload is {}: every required field is missing.
printf '%s\n%s\n' "$ok" '{"type":"task.created","data":{}}' > "$tmp/in.jsonl"

# ---- Validation is on by default: line 2 is reported with each violation and not sent.
set +e
"$evs" produce --topic vt --input "$tmp/in.jsonl" --spool "$tmp/spool" 2> "$tmp/err"; rc=$?
set -e
[ "$rc" -eq 1 ] || { cat "$tmp/err"; fail "an invalid line: exit $rc, expected 1"; }
expect() { grep -qF -- "$1" "$tmp/err" || { cat "$tmp/err"; fail "missing: $1"; }; }
expect 'in.jsonl:2: invalid event: 5 violations [validation]'
expect '  data.eventType: '
expect '  data.taskId: '
expect '  data.userId: '
expect '  data.taskData: '
expect '  data.correlationId: '
[ "$(grep -c '^  data\..*\[required\]$' "$tmp/err")" -eq 5 ] || { cat "$tmp/err"; fail "not every violation listed"; }
expect 'read 2, sent 1, delivered 1, failed 0, rejected 1, skipped 0 '
! grep -q 'in.jsonl:1:\|validation was off' "$tmp/err" || { cat "$tmp/err"; fail "line 1 rejected or validation said off"; }
# An envelope rule: an id that is no UUIDv7.
printf '%s\n' "${ok/\"type\"/\"id\":\"x-1\",\"type\"}" > "$tmp/badid.jsonl"
set +e
"$evs" produce --topic vt --input "$tmp/badid.jsonl" --spool "$tmp/spool" 2> "$tmp/err"; rc=$?
set -e
[ "$rc" -eq 1 ] || { cat "$tmp/err"; fail "a bad id: exit $rc, expected 1"; }
expect 'badid.jsonl:1: invalid event: 1 violation [validation]'
grep -qE '^  id: .*\[[a-z_.0-9]+\]$' "$tmp/err" || { cat "$tmp/err"; fail "the id violation is not listed"; }

# --strict stops at the invalid line; --type lines are checked as well.
printf '%s\n%s\n' '{}' "$ok" > "$tmp/strict.jsonl"
set +e
"$evs" produce --topic vt --strict --input "$tmp/strict.jsonl" --spool "$tmp/spool" 2> "$tmp/err"; rc=$?
set -e
[ "$rc" -eq 1 ] || fail "--strict: exit $rc"
expect 'read 1, sent 0, delivered 0, failed 0, rejected 1, skipped 0 '
set +e
echo '{}' | "$evs" produce --topic vt --type task.created --spool "$tmp/spool" 2> "$tmp/err"; rc=$?
set -e
[ "$rc" -eq 1 ] || fail "--type {}: exit $rc"
expect 'stdin:1: invalid event: 5 violations'

# ---- --no-validate sends both lines and the summary says validation was off.
"$evs" produce --topic vt --no-validate --input "$tmp/in.jsonl" --spool "$tmp/spool" 2> "$tmp/err" \
  || { cat "$tmp/err"; fail "--no-validate run failed"; }
expect 'read 2, sent 2, delivered 2, failed 0, rejected 0, skipped 0 '
expect 'validation was off (--no-validate)'
set +e
"$evs" produce --replay "$tmp/spool" --no-validate > /dev/null 2>&1; rc=$?
set -e
[ "$rc" -eq 2 ] || fail "--replay with --no-validate: exit $rc, expected 2"
# The topic now holds: the valid event (offset 0), the valid one again (1), the invalid one (2).
n=$(timeout 30 kcat -C -b "$EVS_BROKERS" -t vt -o beginning -e -q -f '%o\n' | wc -l)
[ "$n" -eq 3 ] || fail "vt holds $n records, expected 3 (the refused lines were sent)"

# ---- evs consume without --validate prints all three (validation is off by default).
run() { set +e; timeout 60 "$evs" consume "$@" > "$tmp/out" 2> "$tmp/err"; rc=$?; set -e; }
run --topic vt -o beginning -e
[ "$rc" -eq 0 ] && [ "$(wc -l < "$tmp/out")" -eq 3 ] || { cat "$tmp/err"; fail "consume without --validate: exit $rc"; }

# ---- --validate as a viewer: the invalid event is an error with its violations, exit 1.
run --topic vt -o beginning -e --validate
[ "$rc" -eq 1 ] || { cat "$tmp/err"; fail "consume --validate: exit $rc, expected 1"; }
[ "$(wc -l < "$tmp/out")" -eq 2 ] || { cat "$tmp/out"; fail "consume --validate printed $(wc -l < "$tmp/out") events"; }
expect 'error: vt[0]@2: invalid event: 5 violations'
expect '  data.taskData: '
[ "$(grep -c '^  data\..*\[required\]$' "$tmp/err")" -eq 5 ] || { cat "$tmp/err"; fail "consume: not every violation listed"; }
expect '1 records could not be decoded or broke a rule'
run --topic vt -o beginning -e --validate --raw
[ "$rc" -eq 0 ] && [ "$(wc -l < "$tmp/out")" -eq 3 ] || { cat "$tmp/err"; fail "--validate --raw: exit $rc"; }
grep -q '"data":{}' "$tmp/out" || { cat "$tmp/out"; fail "--raw did not print the invalid event"; }
run --topic vt -o beginning -e --validate --strict
[ "$rc" -eq 1 ] && [ "$(wc -l < "$tmp/out")" -eq 2 ] || { cat "$tmp/err"; fail "--validate --strict: exit $rc"; }
expect 'vt[0]@2 is invalid (--strict)'

# ---- --validate with --group: dead-lettered with the violations as a JSON array header.
run --topic vt --group gv -o beginning --validate --count 3 --timeout 30
[ "$rc" -eq 0 ] && [ "$(wc -l < "$tmp/out")" -eq 2 ] || { cat "$tmp/err"; fail "--group --validate: exit $rc"; }
expect '3 read, 2 printed, 1 dead-lettered (1 invalid), 0 duplicates skipped'
timeout 30 kcat -C -b "$EVS_BROKERS" -t vt.dlq -o beginning -e -q -f '%h\n' > "$tmp/dlq"
[ "$(wc -l < "$tmp/dlq")" -eq 1 ] || fail "vt.dlq holds $(wc -l < "$tmp/dlq") records, expected 1"
grep -qF 'evs_dlq_stage=validate' "$tmp/dlq" || { cat "$tmp/dlq"; fail "no validate stage"; }
grep -qF 'evs_dlq_violations=[{"path":"data.event_type","json_path":"data.eventType","rule_id":"required"' "$tmp/dlq" \
  || { cat "$tmp/dlq"; fail "no violations header"; }
echo "cli validate: produce refuses and reports, --no-validate sends, consume --validate reports and dead-letters"
