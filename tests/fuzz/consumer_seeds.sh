#!/usr/bin/env bash
# Seeds for fuzz_consumer_record: the WorkflowEvent and TaskEvent goldens encoded by evs, each behind a
# one-header prefix naming its type the way fuzz_consumer_record.c reads it (count, name selector, hint).
# usage: consumer_seeds.sh <evs> <golden dir> <out dir>
set -euo pipefail
evs="$1"; golden="$2"; out="$3"
rm -rf "$out"; mkdir -p "$out"
seed() { # tag type prefix-bytes
  local tag="$1" t="$2" prefix="$3" f
  for f in "$golden/$t"/y_*.json; do
    opts=(); grep -q "ignore-unknown" "${f%.json}.expect" 2>/dev/null && opts=(--ignore-unknown)
    { printf "$prefix"; "$evs" encode --no-validate -t "$t" "${opts[@]}" -i "$f" 2>/dev/null || true; } >"$out/$tag.$(basename "$f" .json)"
  done
}
seed wf evs.events.workflow.v1.WorkflowEvent '\001\000\371'  # ce_type: workflow.triggered
seed task evs.events.tasks.v1.TaskEvent '\001\000\370'       # ce_type: task.created
seed schema evs.events.tasks.v1.TaskEvent '\001\001\376'     # ce_dataschema: TaskEvent
# A Confluent-framed TaskEvent (magic 0, schema id 1, index [0]) named by content-type and ce_type.
{ printf '\002\002\375\000\370\000\000\000\000\001\000'; "$evs" encode --no-validate -t evs.events.tasks.v1.TaskEvent \
  -i "$golden/evs.events.tasks.v1.TaskEvent/y_seed002_task_id_big.json"; } >"$out/confluent"
# A google.protobuf.Value list nested a few levels, named by ce_dataschema.
printf '\001\001\372\062\010\012\006\062\004\012\002\020\001' >"$out/value"
echo "$(ls "$out" | wc -l) consumer record seeds"
