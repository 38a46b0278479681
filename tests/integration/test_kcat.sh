#!/usr/bin/env bash
# End to end through independent readers: `evs broker` runs the embedded cluster, `evs produce` sends N
# catalog TaskEvents given as CloudEvents JSON lines, kcat (a separate Kafka client) reads them all back
# with their headers, `protoc --decode` decodes a payload kcat wrote out, and `evs consume` prints exactly
# the JSON lines that went in.
# usage: test_kcat.sh EVS N PROTOC WKT_INCLUDE_DIR SOURCE_DIR
set -euo pipefail
evs="$1"; n="$2"; protoc="$3"; wkt="$4"; src="$5"
command -v kcat >/dev/null || { echo "kcat is not installed (tools/install-deps.sh)"; exit 1; }
tmp=$(mktemp -d)
broker_pid=
cleanup() { [ -n "$broker_pid" ] && kill "$broker_pid" 2>/dev/null && wait "$broker_pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# 16 partitions: the mock cluster keeps at most 5 MiB per partition.
"$evs" broker --brokers 1 --topic kcat-events:16 --port-file "$tmp/port" > "$tmp/broker.out" 2> "$tmp/broker.err" &
broker_pid=$!
for _ in $(seq 100); do [ -s "$tmp/port" ] && break; sleep 0.1; done
[ -s "$tmp/port" ] || fail "evs broker wrote no port file"
brokers=$(cat "$tmp/port")
[ "$(head -1 "$tmp/broker.out")" = "$brokers" ] || fail "stdout and port file disagree"
case "$brokers" in 127.0.0.1:*) ;; *) fail "broker not on loopback: $brokers" ;; esac

# N events in the exact form evs consume prints them (attribute order, canonical JSON data, ms times);
# every third one carries correlationid and tags.
awk -v n="$n" 'BEGIN {
  split("created updated completed deleted", kind, " ")
  for (i = 0; i < n; i++) {
    id = sprintf("0190b0a0-0000-7000-8000-%012x", i); user = "user-" (i % 50); type = "task." kind[i % 4 + 1]
    extra = (i % 3 == 0) ? sprintf(",\"correlationid\":\"req-%d\",\"tags\":\"issueId=%d&mode=dev\"", i, i) : ""
    printf "{\"specversion\":\"1.0\",\"id\":\"%s\",\"source\":\"/tests/kcat\",\"type\":\"%s\",", id, type
    printf "\"time\":\"2025-01-27T10:%02d:%02d.%03dZ\",\"subject\":\"%s\",", int(i / 60000) % 60, int(i / 1000) % 60, i % 1000, user
    printf "\"dataschema\":\"evs:evs.events.tasks.v1.TaskEvent\",\"schemaversion\":\"1.0\"%s,", extra
    # taskId is required (evs produce validates): never 0, which canonical JSON would leave out
    printf "\"data\":{\"eventType\":\"%s\",\"taskId\":\"%d\",\"userId\":\"%s\",", type, i + 1, user
    printf "\"taskData\":{\"title\":\"task %d\",\"priority\":\"high\",\"tags\":[\"t%d\"]},", i, i % 7
    printf "\"correlationId\":\"00000000-0000-4000-8000-%012x\"}}\n", i
  }
}' > "$tmp/in.jsonl"
# One bad line in the middle: reported, counted, and the others still go out.
{ head -n 10 "$tmp/in.jsonl"; echo '{"type":"task.created","data":{"taskId":"x"}}'; tail -n +11 "$tmp/in.jsonl"; } \
  > "$tmp/in-bad.jsonl"
set +e
"$evs" produce --brokers "$brokers" --topic kcat-events --input "$tmp/in-bad.jsonl" --spool "$tmp/spool" \
  2> "$tmp/produce.err"
rc=$?
set -e
[ "$rc" -eq 1 ] || { cat "$tmp/produce.err"; fail "evs produce exited $rc, expected 1 (one rejected line)"; }
grep -q "in-bad.jsonl:11: data: .*taskId" "$tmp/produce.err" || { cat "$tmp/produce.err"; fail "bad line not reported"; }
grep -q "read $((n + 1)), sent $n, delivered $n, failed 0, rejected 1, skipped 0 " "$tmp/produce.err" \
  || { cat "$tmp/produce.err"; fail "wrong summary"; }
[ ! -e "$tmp/spool" ] || fail "spool file written although everything was delivered"
sed -n 's/^{"specversion":"1.0","id":"\([^"]*\)".*/\1/p' "$tmp/in.jsonl" > "$tmp/ids"
[ "$(wc -l < "$tmp/ids")" -eq "$n" ] || fail "test input has $(wc -l < "$tmp/ids") ids"

# kcat: every record with its headers; ce_id of each must be one of ours, each exactly once.
timeout 60 kcat -C -b "$brokers" -t kcat-events -o beginning -e -q -f '%k|%h\n' > "$tmp/kcat.txt"
[ "$(wc -l < "$tmp/kcat.txt")" -eq "$n" ] || fail "kcat read $(wc -l < "$tmp/kcat.txt") records, expected $n"
grep -c 'ce_specversion=1.0,ce_id=' "$tmp/kcat.txt" | grep -qx "$n" || fail "records without ce_specversion/ce_id"
grep -c ',ce_type=task\.[a-z]*,' "$tmp/kcat.txt" | grep -qx "$n" || fail "records without ce_type"
grep -c 'ce_dataschema=evs:evs.events.tasks.v1.TaskEvent,content-type=application/protobuf,ce_schemaversion=1.0' \
  "$tmp/kcat.txt" | grep -qx "$n" || fail "records without dataschema/content-type/schemaversion"
# The key is the subject (both are the user id).
awk -F'|' '{ if (index($2, "ce_subject=" $1 ",") == 0) bad++ } END { exit bad ? 1 : 0 }' "$tmp/kcat.txt" \
  || fail "record key differs from the partition-key field"
sed -n 's/.*ce_id=\([^,]*\),.*/\1/p' "$tmp/kcat.txt" | sort > "$tmp/kcat.ids"
sort "$tmp/ids" > "$tmp/ids.sorted"
cmp -s "$tmp/kcat.ids" "$tmp/ids.sorted" || fail "kcat's ce_id set differs from the produced ids"

# protoc decodes one payload that kcat wrote out.
timeout 30 kcat -C -b "$brokers" -t kcat-events -p 0 -o beginning -c 1 -e -q -f '%s' > "$tmp/payload.bin"
"$protoc" -I"$src/proto" -I"$wkt" --decode=evs.events.tasks.v1.TaskEvent events/tasks/v1/task_events.proto \
  < "$tmp/payload.bin" > "$tmp/decoded.txt" || fail "protoc --decode failed"
grep -q '^event_type: "task\.' "$tmp/decoded.txt" || fail "decoded payload has no event_type"
grep -q '^user_id: "user-[0-9]*"' "$tmp/decoded.txt" || fail "decoded payload has no user_id"
grep -q 'priority: high' "$tmp/decoded.txt" || fail "decoded payload has no task_data.priority"

# evs consume: exactly the JSON that went in (order differs across partitions, so compare sorted).
timeout 120 "$evs" consume --brokers "$brokers" --topic kcat-events --from-beginning --count "$n" --timeout 30 \
  > "$tmp/consume.jsonl" || fail "evs consume failed"
[ "$(wc -l < "$tmp/consume.jsonl")" -eq "$n" ] || fail "evs consume printed $(wc -l < "$tmp/consume.jsonl") lines"
sort "$tmp/in.jsonl" > "$tmp/in.sorted"
sort "$tmp/consume.jsonl" > "$tmp/out.sorted"
cmp -s "$tmp/in.sorted" "$tmp/out.sorted" || { diff "$tmp/in.sorted" "$tmp/out.sorted" | head -5; fail "evs consume output differs from the input"; }

# SIGTERM stops the broker and removes its port file.
kill -TERM "$broker_pid"; wait "$broker_pid" || fail "evs broker exited non-zero on SIGTERM"; broker_pid=
[ ! -e "$tmp/port" ] || fail "port file left behind"
echo "kcat: $n events from evs produce read back by kcat, protoc and evs consume"
