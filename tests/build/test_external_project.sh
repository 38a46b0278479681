#!/usr/bin/env bash
# Installs evs from the build tree into a temporary prefix, then:
#  1. builds tests/external (find_package(evs) + evs_protobuf_generate + link libevs) and runs it, and its
#     runtime_demo, which loads the project's descriptor set at run time (docs/schemas.md shows it verbatim);
#  2. edits a .proto the external project imports and checks that the rebuild regenerates its dependent;
#  3. compiles and runs a program with only `pkg-config --cflags --libs evs`.
set -euo pipefail
build="$1"; src="$2"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
cmake --install "$build" --prefix "$tmp/prefix" >/dev/null
cp -r "$src/tests/external" "$tmp/ext-src"
cmake -S "$tmp/ext-src" -B "$tmp/ext" -DCMAKE_PREFIX_PATH="$tmp/prefix" -DCMAKE_BUILD_TYPE=Debug >/dev/null
cmake --build "$tmp/ext" >/dev/null
LD_LIBRARY_PATH="$tmp/prefix/lib" "$tmp/ext/external_demo"
# Schemas at run time: no generated code, the project's descriptor set loaded by the program.
LD_LIBRARY_PATH="$tmp/prefix/lib" "$tmp/ext/runtime_demo" "$tmp/ext/acme.binpb"
# docs/schemas.md shows this program verbatim: the page and the tested file must not drift apart.
awk '/^```c runtime_demo.c$/{f=1;next} /^```$/{f=0} f' "$src/docs/schemas.md" | cmp -s - "$src/tests/external/runtime_demo.c" \
  || { echo "docs/schemas.md's runtime_demo.c differs from tests/external/runtime_demo.c" >&2; exit 1; }

dep="$tmp/ext/evs_gen/acme/orders/v1/order_placed.pb-c.c"
before=$(stat -c %Y.%N "$dep" 2>/dev/null || stat -c %Y "$dep")
sleep 1.1
printf '\n// Added by the test: an edit of an imported file.\nmessage Extra { int32 x = 1; }\n' \
  >> "$tmp/ext-src/proto/acme/orders/v1/common.proto"
cmake --build "$tmp/ext" >/dev/null
after=$(stat -c %Y.%N "$dep" 2>/dev/null || stat -c %Y "$dep")
if [ "$before" = "$after" ]; then
  echo "editing the imported common.proto did not regenerate order_placed.pb-c.c" >&2
  exit 1
fi
grep -q "acme__orders__v1__extra__descriptor" "$tmp/ext/evs_gen/acme/orders/v1/common.pb-c.h" \
  || { echo "common.proto edit not compiled" >&2; exit 1; }
echo "imported-proto edit regenerated its dependent"

cat > "$tmp/pc.c" <<'C'
#include <evs/evs.h>
#include <stdio.h>
#include <string.h>
int main(void) { printf("pkg-config ok: evs %s\n", evs_version()); return strcmp(evs_version(), "0.1.0") != 0; }
C
export PKG_CONFIG_PATH="$tmp/prefix/lib/pkgconfig"
# shellcheck disable=SC2046
cc -std=c11 "$tmp/pc.c" -o "$tmp/pc" $(pkg-config --cflags --libs evs) -Wl,-rpath,"$tmp/prefix/lib"
"$tmp/pc"
