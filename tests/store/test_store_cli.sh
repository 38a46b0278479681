#!/usr/bin/env bash
# evs store against a throw-away PostgreSQL cluster: migrate twice; the seeds' sample events appended and
# read back as exactly the lines that went in; duplicates; a DCB condition that fails (exit 3) and one that
# holds; tag / type / time / position queries; malformed and invalid lines refused with nothing stored;
# bad condition JSON is a usage error; a database that is down or goes away is a clear error (exit 1).
# usage: test_store_cli.sh EVS DATA_FILE
set -uo pipefail
evs="$1"; data="$2"
. "$(dirname "$0")/pg_fixture.sh"
pg_fixture_start || exit 1
tmp="$PG_FIXTURE_DIR/cli"; mkdir -p "$tmp"
fail() { echo "FAIL: $*" >&2; exit 1; }
count() { pg_psql -c "SELECT count(*) FROM events"; }
n=$(wc -l < "$data")

# a database without the store's schema: each command says to migrate (exit 1), nothing half done
pg_psql -c "CREATE DATABASE bare"
bare="postgresql:///bare?host=$PG_DIR&user=evs"
head -1 "$data" | "$evs" store append --db "$bare" > /dev/null 2> "$tmp/err"
[ $? -eq 1 ] || fail "an append to a database never migrated must exit 1"
grep -q 'run `evs store migrate`' "$tmp/err" || fail "unmigrated append message: $(cat "$tmp/err")"
"$evs" store read --db "$bare" > /dev/null 2> "$tmp/err"
[ $? -eq 1 ] || fail "a read of a database never migrated must exit 1"
grep -q 'run `evs store migrate`' "$tmp/err" || fail "unmigrated read message: $(cat "$tmp/err")"

"$evs" store migrate 2> "$tmp/err" || { cat "$tmp/err"; fail "migrate"; }
grep -q "10 migrations applied now" "$tmp/err" || fail "first migrate: $(cat "$tmp/err")"
"$evs" store migrate 2> "$tmp/err" || fail "second migrate"
grep -q "0 migrations applied now" "$tmp/err" || fail "second migrate: $(cat "$tmp/err")"
[ "$(pg_psql -c "SELECT string_agg(version::text, ',' ORDER BY version) FROM schema_migrations")" = "1,2,3,4,5,6,7,8,9,10" ] \
  || fail "schema_migrations"
[ -z "$(cat "$tmp/err" | grep -i notice)" ] || fail "server notices leak to stderr"

# all seeds in one atomic append; read back unchanged (the seeds are canonical)
"$evs" store append -i "$data" > "$tmp/out" 2> "$tmp/err" || { cat "$tmp/err"; fail "append seeds"; }
[ "$(grep -c '"outcome":"appended"' "$tmp/out")" -eq "$n" ] || fail "not every seed appended"
"$evs" store read > "$tmp/back" 2> "$tmp/err" || { cat "$tmp/err"; fail "read"; }
# equal as JSON (JSONB keeps no key order: a google.protobuf.Struct's keys come back in JSONB's order);
# PostgreSQL compares, so the test needs no JSON tool of its own
jsonl_table() { # name file
  pg_psql -c "CREATE TABLE $1 (j jsonb)"
  pg_psql -c "COPY $1 FROM STDIN WITH (FORMAT csv, QUOTE e'\\x01', DELIMITER e'\\x02')" < "$2"
}
jsonl_table seeds_in "$data"; jsonl_table seeds_back "$tmp/back"
[ "$(pg_psql -c "SELECT count(*) FROM seeds_in")" -eq "$n" ] || fail "loading the input for comparison"
differ=$(pg_psql -c "SELECT count(*) FROM seeds_in a FULL JOIN seeds_back b ON a.j = b.j WHERE a.j IS NULL OR b.j IS NULL")
[ "$differ" -eq 0 ] || { diff "$data" "$tmp/back" | head -6; fail "read back differs from the input ($differ lines)"; }
[ "$(grep -c . "$tmp/back")" -eq "$n" ] || fail "read back $(grep -c . "$tmp/back") lines"
grep -q "$n events; position read up to $n" "$tmp/err" || fail "read summary: $(cat "$tmp/err")"
# again: all duplicates, nothing stored
"$evs" store append -i "$data" > "$tmp/out" 2> "$tmp/err" || fail "append duplicates"
[ "$(grep -c '"outcome":"duplicate"' "$tmp/out")" -eq "$n" ] || fail "duplicates not reported"
[ "$(count)" -eq "$n" ] || fail "duplicates stored"

# the DCB sample (issueId 42, from the payload's tags): a decision on that boundary
dcb=$(grep -m1 '"type":"ISSUE.ASSIGNED.SUCCESS"' "$data")
"$evs" store read --tag issueId:42 > "$tmp/r" 2> "$tmp/err" || fail "read by tag"
[ "$(wc -l < "$tmp/r")" -eq 1 ] || fail "tag read: $(cat "$tmp/r")"
head=$(sed -n 's/.*position read up to \([0-9]*\).*/\1/p' "$tmp/err")
[ -n "$head" ] || fail "no head in: $(cat "$tmp/err")"
next=$(echo "$dcb" | sed 's/"id":"0190b0a0-000e-7000-8000-00000000000e"/"id":"0190b0a0-00e1-7000-8000-0000000000e1"/')
cond='{"failIfEventsMatch":[{"types":["ISSUE.ASSIGNED.SUCCESS"],"tags":["issueId:42"]}]}'
echo "$next" | "$evs" store append --condition "$cond" > /dev/null 2> "$tmp/err"
rc=$?
[ "$rc" -eq 3 ] || fail "a failed condition exits 3, got $rc: $(cat "$tmp/err")"
grep -q "append condition failed" "$tmp/err" || fail "conflict message: $(cat "$tmp/err")"
[ "$(count)" -eq "$n" ] || fail "a failed condition stored something"
cond='{"failIfEventsMatch":[{"types":["ISSUE.ASSIGNED.SUCCESS"],"tags":["issueId:42"]}],"after":'"$head"'}'
echo "$next" | "$evs" store append --condition "$cond" > "$tmp/out" 2> "$tmp/err" || fail "condition after the head: $(cat "$tmp/err")"
[ "$(count)" -eq $((n + 1)) ] || fail "the held condition did not store"

# queries: type, tag, time range, positions
[ "$("$evs" store query --type workflow.completed 2>/dev/null | wc -l)" -eq "$(grep -c '"type":"workflow.completed"' "$data")" ] \
  || fail "query by type"
[ "$("$evs" store query --tag issueId:42 --type ISSUE.ASSIGNED.SUCCESS 2>/dev/null | wc -l)" -eq 2 ] || fail "query by tag"
[ "$("$evs" store query --after 2 --before 5 2>/dev/null | wc -l)" -eq 2 ] || fail "query by position"
[ "$("$evs" store query --since 2025-03-01T09:02:00Z --until 2025-03-01T09:04:00Z 2>/dev/null | wc -l)" -eq 2 ] \
  || fail "query by time"
[ "$("$evs" store query --query '[{"tags":["prId:none"]},{"types":["workflow.triggered"]}]' 2>/dev/null | wc -l)" \
  -eq "$(grep -c '"type":"workflow.triggered"' "$data")" ] || fail "query items OR-ed"

# follow: everything once, then idle exit
"$evs" store read --follow --idle-exit-ms 300 --poll-ms 20 > "$tmp/f" 2>/dev/null || fail "follow"
[ "$(wc -l < "$tmp/f")" -eq $((n + 1)) ] || fail "follow saw $(wc -l < "$tmp/f") events"
# resuming: --count 3 prints where it stopped; --after that position gives exactly the rest
"$evs" store read --follow --count 3 --poll-ms 20 > "$tmp/f1" 2> "$tmp/err" || fail "follow --count"
resume=$(sed -n 's/.*resume with --after \([0-9]*\).*/\1/p' "$tmp/err")
[ -n "$resume" ] || fail "follow printed no resume position: $(cat "$tmp/err")"
"$evs" store read --follow --after "$resume" --idle-exit-ms 300 --poll-ms 20 > "$tmp/f2" 2>/dev/null \
  || fail "follow --after"
cat "$tmp/f1" "$tmp/f2" | cmp -s - "$tmp/f" || fail "follow --count 3 then --after $resume is not the whole log once"
# --cursor FILE: the same across runs, the position kept in the file
rm -f "$tmp/cur"
"$evs" store read --follow --cursor "$tmp/cur" --count 2 --poll-ms 20 > "$tmp/f1" 2>/dev/null || fail "--cursor 1"
[ -s "$tmp/cur" ] || fail "--cursor wrote nothing"
"$evs" store read --follow --cursor "$tmp/cur" --count 1 --poll-ms 20 > "$tmp/f2" 2>/dev/null || fail "--cursor 2"
"$evs" store read --follow --cursor "$tmp/cur" --idle-exit-ms 300 --poll-ms 20 > "$tmp/f3" 2>/dev/null \
  || fail "--cursor 3"
cat "$tmp/f1" "$tmp/f2" "$tmp/f3" | cmp -s - "$tmp/f" || fail "three runs on one --cursor are not the whole log once"
# a position no follower was given (a gap) is refused
gap=$(( $(pg_psql -c "SELECT max(position) FROM events") + 1000 ))
"$evs" store read --follow --after "$gap" --idle-exit-ms 100 > /dev/null 2> "$tmp/err"
[ $? -eq 1 ] && grep -q "no event is stored at position $gap" "$tmp/err" || fail "follow --after a gap: $(cat "$tmp/err")"

# bad input: one broken line among good ones stores nothing
bad1=$(echo "$dcb" | sed 's/"id":"0190b0a0-000e-7000-8000-00000000000e"/"id":"0190b0a0-00e2-7000-8000-0000000000e2"/')
bad2=$(echo "$dcb" | sed 's/"id":"0190b0a0-000e-7000-8000-00000000000e"/"id":"0190b0a0-00e3-7000-8000-0000000000e3"/; s/"workflowVersion":"1.2.0",//')
printf '%s\n%s\n' "$bad1" "$bad2" | "$evs" store append > /dev/null 2> "$tmp/err"
[ $? -eq 1 ] || fail "an invalid event must exit 1"
grep -q "stdin:2: event 2: invalid event" "$tmp/err" || fail "the invalid line is named: $(cat "$tmp/err")"
grep -q "data.metadata.workflowVersion: value is required \[required\]" "$tmp/err" || fail "the violation is listed"
printf '%s\n{"specversion":"1.0","id":\n' "$bad1" | "$evs" store append > /dev/null 2> "$tmp/err"
[ $? -eq 1 ] || fail "a malformed line must exit 1"
grep -q "stdin:2" "$tmp/err" || fail "the malformed line is named: $(cat "$tmp/err")"
v4=$(echo "$dcb" | sed 's/"id":"0190b0a0-000e-7000-8000-00000000000e"/"id":"0190b0a0-00e4-4000-8000-0000000000e4"/')
echo "$v4" | "$evs" store append > /dev/null 2> "$tmp/err"
[ $? -eq 1 ] || fail "an id that is not a UUIDv7 must exit 1"
[ "$(count)" -eq $((n + 1)) ] || fail "bad input was stored"
"$evs" store append --condition '{"failIfEventsMatch":[{"tags":["nocolon"]}]}' < /dev/null 2> "$tmp/err"
[ $? -eq 2 ] || fail "a malformed condition is a usage error"

# evs store sink: Kafka (the embedded broker) into the store; the stored sample is skipped as a duplicate
"$evs" broker --port-file "$tmp/port" > /dev/null 2>&1 &
broker_pid=$!
trap 'kill $broker_pid 2>/dev/null; pg_fixture_stop' EXIT
for _ in $(seq 100); do [ -s "$tmp/port" ] && break; sleep 0.1; done
export EVS_BROKERS; EVS_BROKERS=$(cat "$tmp/port")
fresh=$(echo "$dcb" | sed 's/"id":"0190b0a0-000e-7000-8000-00000000000e"/"id":"0190b0a0-00e5-7000-8000-0000000000e5"/')
printf '%s\n%s\n' "$dcb" "$fresh" | "$evs" produce --spool "$tmp/spool" > /dev/null 2> "$tmp/err" \
  || fail "produce for the sink: $(cat "$tmp/err")"
stored=$(count)
timeout 60 "$evs" store sink --topic domain-events --group cli-sink --idle-exit-ms 1500 2> "$tmp/err" \
  || fail "sink: $(cat "$tmp/err")"
grep -q "2 records, 1 events stored, 1 duplicates skipped" "$tmp/err" || fail "sink summary: $(cat "$tmp/err")"
[ "$(count)" -eq $((stored + 1)) ] || fail "the sink stored $(($(count) - stored)) events"
[ "$(pg_psql -c "SELECT sum(next_offset) FROM evs_sink_offsets WHERE group_id = 'cli-sink'")" -eq 2 ] \
  || fail "sink offsets"
kill $broker_pid 2>/dev/null; wait $broker_pid 2>/dev/null

# the server killed in the middle of one large append: a clear error, and the append is all or nothing
big="$tmp/big.jsonl"
printf '%s\n' "$dcb" | awk '{ for (i = 1; i <= 20000; i++) { l = $0
  sub(/"id":"0190b0a0-000e-7000-8000-00000000000e"/, sprintf("\"id\":\"0190b0a0-%04x-7000-8000-%012x\"", i, i), l)
  print l } }' > "$big"
before=$(count)
"$evs" store append -i "$big" > /dev/null 2> "$tmp/err" &
app=$!
for _ in $(seq 200); do
  [ "$(pg_psql -c "SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%evs_append%' AND pid <> pg_backend_pid()")" -gt 0 ] && break
  sleep 0.02
done
pg_fixture_kill
wait $app
rc=$?
[ "$rc" -eq 1 ] || fail "an append cut off by the server's death must exit 1, got $rc: $(cat "$tmp/err")"
grep -q "error: append: " "$tmp/err" || fail "cut-off message: $(cat "$tmp/err")"
pg_fixture_restart || fail "restarting the server"
after=$(count)
[ "$after" -eq "$before" ] || [ "$after" -eq $((before + 20000)) ] || fail "half an append stored: $before -> $after"
echo "append cut off by a server crash: $(sed -n 1p "$tmp/err" | cut -c1-160); rows $before -> $after"

# the database down, then gone mid-session
"$evs" store read --db "postgresql:///postgres?host=$tmp/nowhere" > /dev/null 2> "$tmp/err"
[ $? -eq 1 ] || fail "database down must exit 1"
grep -q "connecting to the database" "$tmp/err" || fail "down message: $(cat "$tmp/err")"
env -u EVS_DATABASE_URL "$evs" store read > /dev/null 2> "$tmp/err"
[ $? -eq 2 ] || fail "no database given is a usage error"
pg_as_owner "$PG_BIN/pg_ctl" -D "$PG_FIXTURE_DIR/data" -m fast -w stop > /dev/null 2>&1
echo "$bad1" | "$evs" store append > /dev/null 2> "$tmp/err"
[ $? -eq 1 ] || fail "append to a stopped server must exit 1"
grep -q "error: connecting to the database" "$tmp/err" || fail "stopped server message: $(cat "$tmp/err")"
echo "store cli: $n seeds round-tripped; conditions, queries, follow, bad input and a dead database checked"
