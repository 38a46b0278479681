#!/usr/bin/env bash
# Checks the (evs.v1.event) options of the event catalogs against the rules the registry relies on:
#   - every event message sets types, topic, partition_key and schema_version;
#   - each (type, schema_version) pair occurs once across all checked files;
#   - partition_key is a path of singular fields (proto names) ending in a scalar field;
#   - a message with several types names a type_field; a type_field is a singular string field whose
#     `in` rule lists exactly the message's types.
#
# Usage: tests/catalog/check_event_options.sh [--table] [FILE.proto ...]
#   FILEs are paths relative to proto/ (default: every .proto under proto/events). Prints one line per
#   problem and exits 1 if there is any; exits 2 if protoc fails. --table prints the catalog as Markdown
#   table rows (type, message, topic, key, version) instead of the summary line.
# Needs protoc and a POSIX awk.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
proto="$root/proto"
wkt="${EVS_PROTO_INCLUDE:-/usr/include}"

table=0
if [ "${1:-}" = "--table" ]; then
  table=1
  shift
fi
if [ "$#" -gt 0 ]; then
  files=("$@")
else
  mapfile -t files < <(cd "$proto" && find events -name '*.proto' | LC_ALL=C sort)
fi
if [ "${#files[@]}" -eq 0 ]; then
  echo "check_event_options: no .proto files to check" >&2
  exit 2
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# Imports are included so that partition-key paths can be followed into messages of other files.
if ! protoc -I"$proto" -I"$wkt" --include_imports -o "$tmp/set.binpb" "${files[@]}"; then
  exit 2
fi
# Decoding against options.proto prints the extensions by name: [evs.v1.event] { ... }.
protoc --decode=google.protobuf.FileDescriptorSet -I"$proto" -I"$wkt" evs/v1/options.proto \
  <"$tmp/set.binpb" >"$tmp/set.txt"

awk -v table="$table" '
function strval(s) {
  sub(/^[a-z_]+: "/, "", s)
  sub(/"$/, "", s)
  return s
}
function problem(msg) {
  printf "%s\n", msg
  problems++
}
/^ *[A-Za-z0-9_.\[\]]+ \{$/ {
  key = $1
  parent = (depth > 0) ? kinds[depth] : "set"
  kind = "other"
  if (parent == "set" && key == "file") kind = "file"
  else if ((parent == "file" && key == "message_type") || (parent == "message" && key == "nested_type"))
    kind = "message"
  else if (parent == "message" && key == "field") kind = "field"
  else if (parent == "message" && key == "options") kind = "message options"
  else if (parent == "message options" && key == "[evs.v1.event]") kind = "event"
  else if (parent == "field" && key == "options") kind = "field options"
  else if (parent == "field options" && key == "[evs.v1.field]") kind = "rules"
  depth++
  kinds[depth] = kind
  if (kind == "message") { msg = ""; pending_msg = 1 }
  if (kind == "event") { nev++; ev_msg[nev] = names[depth - 2]; ev_ntypes[nev] = 0 }
  next
}
/^ *\}$/ {
  if (kinds[depth] == "message") msg = names[depth - 1]
  depth--
  next
}
{
  line = $0
  sub(/^ +/, "", line)
}
kinds[depth] == "file" && line ~ /^package: / {
  names[depth] = "." strval(line)
}
kinds[depth] == "file" && line ~ /^name: / {
  file = strval(line)
}
kinds[depth] == "message" && line ~ /^name: / {
  names[depth] = names[depth - 1] "." strval(line)
  msg = names[depth]
  msg_file[msg] = file
  order[++nmsg] = msg
}
kinds[depth] == "field" && line ~ /^name: / {
  fld = strval(line)
  fields[msg, fld] = 1
}
kinds[depth] == "field" && line ~ /^label: / { label[msg, fld] = substr(line, 8) }
kinds[depth] == "field" && line ~ /^type: / { ftype[msg, fld] = substr(line, 7) }
kinds[depth] == "field" && line ~ /^type_name: / { tname[msg, fld] = strval(line) }
# `const: X` states the same as `in: [X]`.
kinds[depth] == "rules" && (line ~ /^in: / || line ~ /^const: /) {
  n_in[msg, fld]++
  in_set[msg, fld, strval(line)] = 1
}
kinds[depth] == "event" && line ~ /^types: / { ev_type[nev, ++ev_ntypes[nev]] = strval(line) }
kinds[depth] == "event" && line ~ /^topic: / { ev_topic[nev] = strval(line) }
kinds[depth] == "event" && line ~ /^partition_key: / { ev_key[nev] = strval(line) }
kinds[depth] == "event" && line ~ /^schema_version: / { ev_version[nev] = strval(line) }
kinds[depth] == "event" && line ~ /^type_field: / { ev_tfield[nev] = strval(line) }
# Follows a dotted field path from message m; returns "" on success, else what is wrong.
function resolve(m, path, want_string,    seg, ns, i, f) {
  ns = split(path, seg, ".")
  for (i = 1; i <= ns; i++) {
    f = seg[i]
    if (!((m, f) in fields)) return "no field \"" f "\" in " substr(m, 2)
    if (label[m, f] == "LABEL_REPEATED") return "field \"" f "\" of " substr(m, 2) " is repeated"
    if (i < ns) {
      if (ftype[m, f] != "TYPE_MESSAGE") return "field \"" f "\" of " substr(m, 2) " is not a message"
      m = tname[m, f]
    } else if (ftype[m, f] == "TYPE_MESSAGE" || ftype[m, f] == "TYPE_GROUP") {
      return "field \"" f "\" of " substr(m, 2) " is a message, not a scalar"
    } else if (want_string && ftype[m, f] != "TYPE_STRING") {
      return "field \"" f "\" of " substr(m, 2) " is not a string"
    }
  }
  resolved_msg = m
  resolved_field = f
  return ""
}
END {
  ntypes = 0
  for (e = 1; e <= nev; e++) {
    m = ev_msg[e]
    where = msg_file[m] ": " substr(m, 2)
    if (ev_ntypes[e] == 0) problem(where ": no types")
    if (ev_topic[e] == "") problem(where ": no topic")
    if (ev_version[e] == "") problem(where ": no schema_version")
    if (ev_key[e] == "") problem(where ": no partition_key")
    else if ((err = resolve(m, ev_key[e], 0)) != "") problem(where ": partition_key " ev_key[e] ": " err)
    if (ev_ntypes[e] > 1 && ev_tfield[e] == "") problem(where ": several types but no type_field")
    if (ev_tfield[e] != "") {
      if ((err = resolve(m, ev_tfield[e], 1)) != "") {
        problem(where ": type_field " ev_tfield[e] ": " err)
      } else {
        rm = resolved_msg; rf = resolved_field
        if (n_in[rm, rf] != ev_ntypes[e])
          problem(where ": the in rule of type_field " ev_tfield[e] \
                  " (in or const) does not list exactly the types")
        for (t = 1; t <= ev_ntypes[e]; t++)
          if (!((rm, rf, ev_type[e, t]) in in_set))
            problem(where ": type " ev_type[e, t] " missing from the in/const rule of " ev_tfield[e])
      }
    }
    for (t = 1; t <= ev_ntypes[e]; t++) {
      pair = ev_type[e, t] " @ " ev_version[e]
      if (pair in seen) problem(where ": type " pair " already declared by " seen[pair])
      else seen[pair] = substr(m, 2)
      ntypes++
      if (table)
        printf "| `%s` | `%s` | `%s` | `%s` | %s |\n", ev_type[e, t], substr(m, 2), ev_topic[e],
               ev_key[e], ev_version[e]
    }
  }
  if (problems > 0) {
    printf "check_event_options: %d problem(s)\n", problems
    exit 1
  }
  if (!table)
    printf "check_event_options: %d event messages, %d (type, version) pairs, all consistent\n", nev, ntypes
}
' "$tmp/set.txt"
