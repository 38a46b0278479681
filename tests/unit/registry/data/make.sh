#!/bin/sh
# Writes descriptor sets of the registry fixtures into DIR (default: ./corpus), e.g. as the seed corpus of
# tests/fuzz/fuzz_descset_load.c. The unit tests do not need this: they run protoc themselves.
#   tests/unit/registry/data/make.sh build/fuzz/descset_corpus [protoc]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-corpus}
protoc=${2:-protoc}
mkdir -p "$out"
out=$(cd "$out" && pwd)
cd "$here"
set_of() { # name flags files...
  name=$1; flags=$2; shift 2
  # shellcheck disable=SC2086
  "$protoc" -I . -I ../../../../proto $flags --descriptor_set_out="$out/$name.binpb" "$@" 2>/dev/null
}
set_of shop_v1_full "--include_imports --include_source_info" shop/v1/order.proto
set_of shop_v1_bare "" shop/v1/order.proto
set_of shop_v2 "--include_imports" shop/v2/order.proto
set_of common "--include_source_info" shop/v1/common.proto
set_of names "--include_source_info" names.proto
set_of wkt "--include_imports" wkt.proto
set_of legacy "--include_source_info" legacy.proto
set_of refs "--include_source_info" refs.proto
set_of envelope "--include_imports --include_source_info" evs/v1/envelope.proto
set_of dynamic_opt3 "--include_imports" dynamic/opt3.proto
set_of dynamic_legacy "--include_imports" dynamic/legacy.proto
for f in bad/*.proto; do
  set_of "bad_$(basename "$f" .proto)" "--include_imports" "$f"
done
echo "wrote $(ls "$out" | wc -l) sets to $out"
