#!/usr/bin/env bash
# evs consume as a viewer (issue 12): without --group it assigns the partitions itself and changes nothing
# in Kafka (no dead letters, no committed offsets), so two runs print the same; kcat's -o / -p / -e / -c
# and -f, --show, --raw and --strict; kcat reads the same records (offsets, keys, headers); a missing topic
# and unreachable brokers are exit 1; with --group the poison record goes to the dead-letter topic.
# usage: test_cli_consume.sh EVS
set -euo pipefail
evs="$1"
command -v kcat >/dev/null || { echo "kcat is not installed (tools/install-deps.sh)"; exit 1; }
tmp=$(mktemp -d)
broker_pid=
cleanup() { [ -n "$broker_pid" ] && kill "$broker_pid" 2>/dev/null && wait "$broker_pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

"$evs" broker --brokers 1 --topic view:2 --topic forms:1 --topic modes:1 --port-file "$tmp/port" > /dev/null 2>&1 &
broker_pid=$!
for _ in $(seq 100); do [ -s "$tmp/port" ] && break; sleep 0.1; done
b=$(cat "$tmp/port")
export EVS_BROKERS="$b"

# Eight events (the key is the user id, spread over both partitions), then a poison record on
# partition 0 from kcat: a TaskEvent by its headers, but its value is no protobuf.
# (Valid events, as evs produce validates: UUIDv7 ids, every required field of the payload set.)
rest='"taskData":{"title":"t","priority":"high"},"correlationId":"00000000-0000-4000-8000-000000000001"'
for i in 0 1 2 3 4 5 6 7; do
  printf '{"id":"0190b0a0-0000-7000-8000-00000000e00%d","source":"/t","type":"task.created","data":{"eventType":"task.created","taskId":"%d","userId":"u%d",%s}}\n' "$i" "$((i + 1))" "$i" "$rest"
done > "$tmp/in.jsonl"
"$evs" produce --topic view --input "$tmp/in.jsonl" 2> "$tmp/p.err" || { cat "$tmp/p.err"; fail produce; }
printf 'not protobuf' | kcat -P -b "$b" -t view -p 0 -k poison -H ce_specversion=1.0 -H ce_id=bad-1 -H ce_source=/k \
  -H ce_type=task.created
n0=$(timeout 30 kcat -C -b "$b" -t view -p 0 -o beginning -e -q -f '%o\n' | wc -l)
n1=$(timeout 30 kcat -C -b "$b" -t view -p 1 -o beginning -e -q -f '%o\n' | wc -l)
[ $((n0 + n1)) -eq 9 ] && [ "$n1" -gt 0 ] || fail "kcat sees $n0 + $n1 records, expected 9 on both partitions"

# ---- A viewer twice: the same output, exit 1 (one record could not be decoded), the error line names it.
run() { set +e; timeout 60 "$evs" consume "$@" > "$tmp/out" 2> "$tmp/err"; rc=$?; set -e; }
run --topic view -o beginning -e
[ "$rc" -eq 1 ] || { cat "$tmp/err"; fail "viewer with a poison record: exit $rc, expected 1"; }
[ "$(wc -l < "$tmp/out")" -eq 8 ] || fail "viewer printed $(wc -l < "$tmp/out") events, expected 8"
grep -q "error: view\[0\]@$((n0 - 1)): value is not a valid evs.events.tasks.v1.TaskEvent" "$tmp/err" \
  || { cat "$tmp/err"; fail "poison record not reported with its coordinates"; }
grep -q '1 records could not be decoded' "$tmp/err" || { cat "$tmp/err"; fail "no summary"; }
sort "$tmp/out" > "$tmp/first"
run --topic view -o beginning -e
sort "$tmp/out" > "$tmp/second"
cmp -s "$tmp/first" "$tmp/second" || fail "two viewer runs printed different events"
# Nothing was written: the dead-letter topic (evs broker creates it) is empty, and the group librdkafka is
# given has no committed offsets (kcat in that group starts from the beginning, so it reads all 9 records).
dl=$(timeout 30 kcat -C -b "$b" -t view.dlq -o beginning -e -q -f '%o\n' | wc -l)
[ "$dl" -eq 0 ] || fail "a viewer wrote $dl dead letters"
# (kcat waits for the 9 records: with fewer left after committed offsets it is stopped by timeout.)
got=$({ timeout 60 kcat -C -b "$b" -G evs-viewer -X auto.offset.reset=earliest -X session.timeout.ms=6000 -c 9 \
  -q -f '%o\n' view || true; } | wc -l)
[ "$got" -eq 9 ] || fail "group evs-viewer has committed offsets: kcat read $got of 9"

# ---- --strict stops at the poison record; --raw prints it (data_base64) and exits 0.
run --topic view -p 0 -o beginning -e --strict
[ "$rc" -eq 1 ] && grep -q 'could not be decoded (--strict)' "$tmp/err" || { cat "$tmp/err"; fail "--strict: exit $rc"; }
run --topic view -p 0 -o beginning -e --raw
[ "$rc" -eq 0 ] || { cat "$tmp/err"; fail "--raw: exit $rc"; }
grep -q '"id":"bad-1","source":"/k","type":"task.created","data_base64":"'"$(printf 'not protobuf' | base64 -w0)"'"' \
  "$tmp/out" || { cat "$tmp/out"; fail "--raw did not print the value as data_base64"; }

# ---- -f prints what kcat prints for the same records (partition, offset, key, headers).
run --topic view -o beginning -e --raw -f '%t %p %o %k %h\n'
sort "$tmp/out" > "$tmp/evs.f"
for p in 0 1; do timeout 30 kcat -C -b "$b" -t view -p $p -o beginning -e -q -f '%t %p %o %k %h\n'; done | sort > "$tmp/kcat.f"
cmp -s "$tmp/evs.f" "$tmp/kcat.f" || { diff "$tmp/evs.f" "$tmp/kcat.f"; fail "evs -f and kcat -f differ"; }
# %s is the event line, %T the record timestamp.
run --topic view -p 0 -o beginning -c 1 -f '%T|%s\n'
grep -qE '^[0-9]{13}\|\{"specversion":"1.0","id":"0190b0a0-0000-7000-8000-00000000e00' "$tmp/out" || { cat "$tmp/out"; fail "-f %T|%s"; }

# ---- --show adds the record's coordinates as the member "kafka".
run --topic view -p 0 -o beginning -c 1 --show partition,offset,key
grep -qE '"data":\{.*\},"kafka":\{"partition":0,"offset":0,"key":"u[0-9]"\}\}$' "$tmp/out" || { cat "$tmp/out"; fail "--show"; }
run --topic view -p 0 -o -1 -e --raw --show headers,key
grep -qF '"kafka":{"key":"poison","headers":[{"name":"ce_specversion","value":"1.0"},{"name":"ce_id","value":"bad-1"}' \
  "$tmp/out" || { cat "$tmp/out"; fail "--show headers"; }

# ---- Offsets: -o N, -o -N (from the end), -c, -p; -o end with -e prints nothing.
run --topic view -p 0 -o 1 -e --raw -f '%o\n'
[ "$(tr '\n' ' ' < "$tmp/out")" = "$(seq -s ' ' 1 $((n0 - 1))) " ] || { cat "$tmp/out"; fail "-o 1"; }
run --topic view -p 0 -o -2 -e --raw -f '%o\n'
[ "$(tr '\n' ' ' < "$tmp/out")" = "$((n0 - 2)) $((n0 - 1)) " ] || { cat "$tmp/out"; fail "-o -2"; }
run --topic view -o beginning -c 2 -f '%o\n'
[ "$rc" -eq 0 ] && [ "$(wc -l < "$tmp/out")" -eq 2 ] || { cat "$tmp/err"; fail "-c 2: exit $rc"; }
run --topic view -o end -e
[ "$rc" -eq 0 ] && [ ! -s "$tmp/out" ] || { cat "$tmp/err"; fail "-o end -e: exit $rc"; }
run --topic view -p 1 -o beginning -e -f '%p\n'
[ "$(sort -u "$tmp/out")" = 1 ] && [ "$(wc -l < "$tmp/out")" -eq "$n1" ] || { cat "$tmp/out" "$tmp/err"; echo "n1=$n1"; fail "-p 1"; }

# ---- Errors: a missing topic, a missing partition, no brokers answering: exit 1, nothing created.
run --topic no-such-topic -e
[ "$rc" -eq 1 ] && grep -q "topic 'no-such-topic' does not exist" "$tmp/err" || { cat "$tmp/err"; fail "missing topic: $rc"; }
run --topic no-such-topic --group g-missing --timeout 5
[ "$rc" -eq 1 ] && grep -q "topic 'no-such-topic' does not exist" "$tmp/err" || { cat "$tmp/err"; fail "missing topic (group): $rc"; }
! kcat -L -b "$b" | grep -q no-such-topic || fail "looking at a missing topic created it"
run --topic view -p 7 -e
[ "$rc" -eq 1 ] && grep -q "has no partition 7" "$tmp/err" || { cat "$tmp/err"; fail "missing partition: $rc"; }
run --brokers 127.0.0.1:1 --topic view -e --timeout 2
[ "$rc" -eq 1 ] && grep -q "no answer from the brokers within 2000 ms" "$tmp/err" || { cat "$tmp/err"; fail "no brokers: $rc"; }

# ---- A viewer waiting for more records stops on SIGTERM with 143 (SIGINT 130), what it read printed.
for sig in TERM INT; do
  "$evs" consume --topic view -p 1 -o beginning > "$tmp/sig.out" 2> "$tmp/sig.err" &
  pid=$!
  for _ in $(seq 300); do [ "$(wc -l < "$tmp/sig.out")" -ge "$n1" ] && break; sleep 0.1; done
  kill -$sig $pid
  set +e; wait $pid; rc=$?; set -e
  want_rc=$([ $sig = TERM ] && echo 143 || echo 130)
  [ "$rc" -eq "$want_rc" ] || { cat "$tmp/sig.err"; fail "viewer SIG$sig: exit $rc, expected $want_rc"; }
  [ "$(wc -l < "$tmp/sig.out")" -eq "$n1" ] || fail "viewer SIG$sig: printed $(wc -l < "$tmp/sig.out") of $n1"
done

# ---- Usage errors.
for args in "-o stored" "-o bogus" "--group g -p 0" "--group g -e" "--group g -o 5" "--dlq x" "--show nope"; do
  set +e; "$evs" consume --topic view $args > /dev/null 2>&1; rc=$?; set -e
  [ "$rc" -eq 2 ] || fail "'consume $args': exit $rc, expected 2"
done

# ---- With --group: the at-least-once consumer; the poison record is dead-lettered, the rest printed.
run --topic view --group g1 -o beginning --count 9 --timeout 30 -X session.timeout.ms=6000
[ "$rc" -eq 0 ] && [ "$(wc -l < "$tmp/out")" -eq 8 ] || { cat "$tmp/err"; fail "--group: exit $rc"; }
dl=$(timeout 30 kcat -C -b "$b" -t view.dlq -o beginning -e -q -f '%k\n')
[ "$dl" = poison ] || fail "--group did not dead-letter the poison record (got '$dl')"

# ---- Every CloudEvents Kafka form, written by kcat (a producer other than evs); content-type decides.
ce=(-H ce_specversion=1.0 -H ce_source=/kcat -H ce_type=task.created)
printf '{"eventType":"task.created","taskId":"5","userId":"uj"}' \
  | kcat -P -b "$b" -t forms -k uj "${ce[@]}" -H ce_id=bj -H content-type=application/json
printf '{"specversion":"1.0","id":"sj","source":"/kcat","type":"task.created","data":{"eventType":"task.created","taskId":"6","userId":"us"}}' \
  | kcat -P -b "$b" -t forms -k us -H 'content-type=application/cloudevents+json; charset=utf-8'
pb=$(printf '\x0a\x0ctask.created\x10\x02\x1a\x02u2' | base64 -w0)
printf '{"specversion":"1.0","id":"sb","source":"/kcat","type":"task.created","datacontenttype":"application/protobuf","data_base64":"%s"}' "$pb" \
  | kcat -P -b "$b" -t forms -H 'content-type=application/cloudevents+json'
# Binary values are files (kcat sends each file as one record; on stdin it would split at byte 0x0a).
printf '\x0a\x0ctask.created\x10\x03\x1a\x02u3' > "$tmp/bp.bin"
kcat -P -b "$b" -t forms "${ce[@]}" -H ce_id=bp -H content-type=application/protobuf "$tmp/bp.bin"
# Confluent framing: magic 0, schema id 7, message index [0].
printf '\x00\x00\x00\x00\x07\x00\x0a\x0ctask.created\x10\x04\x1a\x02u4' > "$tmp/bc.bin"
kcat -P -b "$b" -t forms "${ce[@]}" -H ce_id=bc -H content-type=application/vnd.confluent.protobuf "$tmp/bc.bin"
# JSON data that is not a TaskEvent, and a structured value that is not an event: reported, not printed.
printf '{"eventType":"task.created","taskId":"x"}' | kcat -P -b "$b" -t forms "${ce[@]}" -H ce_id=bad-json -H content-type=application/json
printf '{"id":"no-type"}' | kcat -P -b "$b" -t forms -H content-type=application/cloudevents+json
run --topic forms -o beginning -e
[ "$rc" -eq 1 ] || { cat "$tmp/err"; fail "forms: exit $rc, expected 1 (two bad records)"; }
want='{"specversion":"1.0","id":"bj","source":"/kcat","type":"task.created","data":{"eventType":"task.created","taskId":"5","userId":"uj"}}
{"specversion":"1.0","id":"sj","source":"/kcat","type":"task.created","data":{"eventType":"task.created","taskId":"6","userId":"us"}}
{"specversion":"1.0","id":"sb","source":"/kcat","type":"task.created","data":{"eventType":"task.created","taskId":"2","userId":"u2"}}
{"specversion":"1.0","id":"bp","source":"/kcat","type":"task.created","data":{"eventType":"task.created","taskId":"3","userId":"u3"}}
{"specversion":"1.0","id":"bc","source":"/kcat","type":"task.created","data":{"eventType":"task.created","taskId":"4","userId":"u4"}}'
[ "$(cat "$tmp/out")" = "$want" ] || { diff <(echo "$want") "$tmp/out"; fail "forms: not every CloudEvents form decoded"; }
grep -q 'forms\[0\]@5: JSON data is not a valid evs.events.tasks.v1.TaskEvent: .*taskId' "$tmp/err" \
  || { cat "$tmp/err"; fail "bad JSON data not reported"; }
grep -q 'forms\[0\]@6: structured-mode value is not a CloudEvent' "$tmp/err" || { cat "$tmp/err"; fail "bad structured value"; }
# A group consumer reads them too (and dead-letters the two bad ones).
run --topic forms --group g-forms -o beginning --count 7 --timeout 30 -X session.timeout.ms=6000
[ "$rc" -eq 0 ] && [ "$(cat "$tmp/out")" = "$want" ] || { cat "$tmp/err"; fail "forms with --group: exit $rc"; }

# ---- evs produce --mode structured / --key / -H: kcat sees the key, the headers and the JSON event as the
# value; evs consume reads both modes back.
ev='{"id":"0190b0a0-0000-7000-8000-0000000000c%s","source":"/t","type":"task.created","data":{"eventType":"task.created","taskId":"%s","userId":"u1",'"$rest"'}}\n'
printf "$ev" 1 1 | "$evs" produce --topic modes --mode structured --key K1 -H trace=abc -H x=1 2> "$tmp/p.err" \
  || { cat "$tmp/p.err"; fail "produce --mode structured"; }
printf "$ev" 2 2 | "$evs" produce --topic modes -k K2 -H trace=def 2> "$tmp/p.err" || { cat "$tmp/p.err"; fail "produce -k -H"; }
timeout 30 kcat -C -b "$b" -t modes -o beginning -e -q -f '%k|%h|%s\n' > "$tmp/kcat.modes"
grep -qE '^K1\|content-type=application/cloudevents\+json,trace=abc,x=1\|\{"specversion":"1.0","id":"0190b0a0-0000-7000-8000-0000000000c1","source":"/t","type":"task.created",.*"data":\{"eventType":"task.created","taskId":"1","userId":"u1","taskData":\{"title":"t","priority":"high"\},"correlationId":"00000000-0000-4000-8000-000000000001"\}\}$' \
  "$tmp/kcat.modes" || { cat "$tmp/kcat.modes"; fail "structured record as kcat sees it"; }
grep -qE '^K2\|ce_specversion=1.0,ce_id=0190b0a0-0000-7000-8000-0000000000c2,.*,content-type=application/protobuf,ce_schemaversion=1.0,trace=def\|' \
  "$tmp/kcat.modes" || { cat "$tmp/kcat.modes"; fail "binary record with -k / -H as kcat sees it"; }
run --topic modes -o beginning -e -f '%k %s\n'
[ "$rc" -eq 0 ] && grep -q '^K1 {"specversion":"1.0","id":"0190b0a0-0000-7000-8000-0000000000c1",.*"taskId":"1"' "$tmp/out" \
  && grep -q '^K2 {"specversion":"1.0","id":"0190b0a0-0000-7000-8000-0000000000c2",.*"taskId":"2"' "$tmp/out" || { cat "$tmp/out" "$tmp/err"; fail "modes read back"; }
# A -H header that would carry an attribute rejects the line; a malformed -H or --mode is a usage error.
set +e
printf "$ev" 3 3 | "$evs" produce --topic modes -H ce_id=x 2> "$tmp/p.err"; rc=$?
set -e
[ "$rc" -eq 1 ] && grep -q "header 'ce_id' is not allowed" "$tmp/p.err" || { cat "$tmp/p.err"; fail "-H ce_id: exit $rc"; }
for args in "-H novalue" "-H =v" "--mode text"; do
  set +e; "$evs" produce --topic modes $args < /dev/null > /dev/null 2>&1; rc=$?; set -e
  [ "$rc" -eq 2 ] || fail "'produce $args': exit $rc, expected 2"
done

# ---- evs topics: the same brokers, partitions, leaders and replicas as kcat -L; --json; errors.
"$evs" topics -t view > "$tmp/topics.txt" || fail "evs topics"
timeout 30 kcat -L -b "$b" -t view > "$tmp/kcat.L"
diff <(grep -E '^ +(broker|partition) ' "$tmp/topics.txt") <(grep -E '^ +(broker|partition) ' "$tmp/kcat.L") \
  || fail "evs topics and kcat -L differ"
grep -q '^  topic "view" with 2 partitions:$' "$tmp/topics.txt" || { cat "$tmp/topics.txt"; fail "evs topics: topic line"; }
"$evs" topics > "$tmp/all.txt" || fail "evs topics (all)"
for t in forms modes view view.dlq; do grep -q "^  topic \"$t\" with " "$tmp/all.txt" || fail "evs topics lists no $t"; done
"$evs" topics -t view --json > "$tmp/topics.json" || fail "evs topics --json"
grep -qE '^\{"originBroker":[0-9]+,"brokers":\[\{"id":1,"host":"127.0.0.1","port":[0-9]+\}\],"topics":\[\{"name":"view","partitions":\[\{"partition":0,"leader":1,"replicas":\[1\],"isrs":\[1\]\},\{"partition":1,' \
  "$tmp/topics.json" || { cat "$tmp/topics.json"; fail "evs topics --json"; }
set +e
"$evs" topics -t no-such-topic 2> "$tmp/err"; rc=$?
set -e
[ "$rc" -eq 1 ] && grep -q "topic 'no-such-topic' does not exist" "$tmp/err" || fail "evs topics missing topic: exit $rc"
! "$evs" topics | grep -q no-such-topic || fail "evs topics -t created the topic"
set +e
"$evs" topics --brokers 127.0.0.1:1 --timeout 1 2> "$tmp/err"; rc=$?
set -e
[ "$rc" -eq 1 ] && grep -q "no answer from the brokers" "$tmp/err" || fail "evs topics without brokers: exit $rc"

echo "consume: viewer runs change nothing and agree; -o -p -e -c -f --show --raw --strict; errors exit 1; all CloudEvents forms; produce --mode/--key/-H; topics"
